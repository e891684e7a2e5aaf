"""`make bench`: run every benchmark and print its figures (nothing is asserted)."""

from __future__ import annotations

import sys

from benchmarks import (
    issuance,
    jwt,
    lms,
    mail,
    proof_cpu,
    share_pages,
    status,
    verification,
    verifier_cost,
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
        ("lms", lms),
        ("mail", mail),
        ("wire_speed", wire_speed),
    ):
        if not only or name in only:
            module.run()


if __name__ == "__main__":
    main()
