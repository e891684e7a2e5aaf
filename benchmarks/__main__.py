"""`make bench`: run every benchmark and print its figures (nothing is asserted)."""

from __future__ import annotations

import sys

from benchmarks import (
    certificate_page,
    clr,
    issuance,
    jwt,
    lms,
    mail,
    openedx_rest,
    proof_cpu,
    share_pages,
    status,
    verification,
    verifier_cost,
    wave,
    wire_speed,
    yardstick,
)


def main() -> None:
    only = sys.argv[1:]
    yardstick.run()  # first line of every run: the Y each issue-13 figure is a ratio to
    for name, module in (
        ("issuance", issuance),
        ("jwt", jwt),
        ("status", status),
        ("verification", verification),
        ("proof_cpu", proof_cpu),
        ("verifier_cost", verifier_cost),
        ("share_pages", share_pages),
        ("certificate_page", certificate_page),
        ("lms", lms),
        ("mail", mail),
        ("openedx_rest", openedx_rest),
        ("clr", clr),
        ("wave", wave),
        ("wire_speed", wire_speed),
    ):
        if not only or name in only:
            module.run()


if __name__ == "__main__":
    main()
