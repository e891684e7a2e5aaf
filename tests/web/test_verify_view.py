"""/verify's headline: one plain sentence per outcome, dates in words in the reader's language."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from app.verification.report import Check, VerificationReport
from app.web import i18n
from app.web.verify import verdict_view

CREDENTIAL: dict[str, Any] = {
    "issuer": {"id": "did:web:acme.test", "name": "Acme University"},
    "validFrom": "2024-05-02T00:00:00Z",
    "validUntil": "2026-06-01T00:00:00Z",
    "credentialSubject": {"name": "Ada Lovelace", "achievement": {"name": "Logic"}},
}
PASSED = [Check("proof", True, "ok"), Check("issuer_key", True, "ok"), Check("schema", True, "ok")]


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    i18n.use_language("en")
    yield
    i18n.use_language("en")


def _report(*failed: Check) -> VerificationReport:
    names = {c.name for c in failed}
    checks = [c for c in PASSED if c.name not in names] + list(failed)
    return VerificationReport(checks=checks, credential=CREDENTIAL)


@pytest.mark.parametrize(
    ("failed", "changed", "headline", "tone"),
    [
        ((), None, "Verified", "ok"),
        ((Check("proof", False, "bad", "PROOF_VERIFICATION_ERROR"),), None,
         "Changed after it was issued", "fail"),
        ((Check("revocation", False, "revoked", "REVOKED"),), date(2026, 5, 3),
         "Revoked on 3 May 2026", "fail"),
        ((Check("revocation", False, "revoked", "REVOKED"),), None,
         "Revoked by its issuer", "fail"),
        ((Check("suspension", False, "suspended", "SUSPENDED"),), date(2026, 5, 3),
         "Suspended on 3 May 2026", "fail"),
        ((Check("validity", False, "expired", "EXPIRED"),), None, "Expired on 1 June 2026",
         "neutral"),
        ((Check("issuer_key", False, "no key", "KEY_NOT_FOUND"),), None,
         "Not signed by the issuer it names", "fail"),
        ((Check("status", False, "down", "STATUS_RETRIEVAL_ERROR"),), None,
         "Its status could not be checked", "fail"),
        ((Check("schema", False, "bad", "SCHEMA_VALIDATION_ERROR"),), None,
         "Not a valid credential", "fail"),
    ],
)  # fmt: skip
def test_one_headline_per_outcome(
    failed: tuple[Check, ...], changed: date | None, headline: str, tone: str
) -> None:
    view = verdict_view(_report(*failed), changed)
    assert (view.headline, view.tone) == (headline, tone)
    assert str(view.awarded) == (
        'Awarded to <bdi dir="ltr">Ada Lovelace</bdi> by <bdi dir="ltr">Acme University</bdi> '
        'on <bdi dir="ltr">2 May 2024</bdi>'
    )


def test_a_changed_credential_is_named_before_its_revocation() -> None:
    view = verdict_view(
        _report(
            Check("proof", False, "bad", "PROOF_VERIFICATION_ERROR"),
            Check("revocation", False, "revoked", "REVOKED"),
        )
    )
    assert view.headline == "Changed after it was issued"


@pytest.mark.parametrize(
    ("code", "headline", "awarded"),
    [
        ("es", "Caducó el 1 de junio de 2026", "Otorgado a"),
        ("fr", "Expiré le 1 juin 2026", "Décerné à"),
        ("ar", "انتهت صلاحيتها في 1 يونيو 2026", "مُنحت إلى"),
    ],
)
def test_dates_in_words_in_the_readers_language(code: str, headline: str, awarded: str) -> None:
    i18n.use_language(code)
    view = verdict_view(_report(Check("validity", False, "expired", "EXPIRED")))
    assert view.headline == headline
    assert str(view.awarded).startswith(awarded)


def test_a_warning_says_what_it_warns_about() -> None:
    """r15 6: a schema warning showed "⚠ Note — Its content follows the Open Badges 3.0
    schema." (the pass explanation); the real warning was only in the JSON."""
    report = _report()
    message = "credentialStatus holds 2 entries; only the first is checked"
    report.warnings.append(Check("schema", True, message))
    rows = verdict_view(report).rows
    warnings = [r for r in rows if r.state == "warn"]
    assert [r.message for r in warnings] == [message]
    assert all(r.state == "ok" for r in rows if "follows" in r.message)
