"""A status list is parsed once per distinct text and its bits decoded once; a change to the
list (a revocation) is new text, read from the store on every check, so it shows at once."""

from __future__ import annotations

from sqlmodel import Session

from app.container import Services
from app.core.status import credential as status_credential
from app.credentials import repository as credentials
from tests.factories import Factory


def test_parsed_once_per_text_and_a_revocation_still_shows_at_once(
    factory: Factory, services: Services, session: Session
) -> None:
    services.verifier.fetcher = None
    vc = factory.issue(factory.caller())
    status = services.verifier.status
    assert services.verifier.verify(session, vc).verified
    parsed = dict(status._parsed_lists)
    assert len(parsed) == 1
    assert services.verifier.verify(session, vc).verified
    assert status._parsed_lists == parsed  # the same text: not parsed again
    assert any(key[0] == _encoded(parsed) for key in status_credential._DECODED)
    record = credentials.by_credential_id(session, vc["id"])
    assert record is not None
    services.credential_status.revoke(session, record, "issued in error", "test")
    session.commit()
    report = services.verifier.verify(session, vc)
    assert {c.name: c.code for c in report.failed()} == {"revocation": "REVOKED"}
    assert len(status._parsed_lists) == 2


def _encoded(parsed: dict) -> str:  # type: ignore[type-arg]
    (document,) = parsed.values()
    return document["credentialSubject"]["encodedList"]
