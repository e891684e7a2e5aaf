"""Revocation is final under any interleaving (security finding 3).

Status changes, offers, claims and re-issues of one credential race in threads, each with its
own session and transaction; on PostgreSQL they truly overlap. Afterwards the record, its
history and the published bits must agree, and no revoked credential has an active copy.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from sqlmodel import Session, col, select

from app.container import Services
from app.credentials import repository as credentials
from app.db import session_scope
from app.errors import AppError
from app.models import IssuedCredential, StatusEvent
from app.wallet.service import subject_did
from tests.credentials.test_status_lists import _bit, _enable_suspension, _post, _uuid
from tests.factories import ApiCaller, Factory

ROUNDS = 20


def _together(*calls: Callable[[], Any]) -> list[Any]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [f.result() for f in [pool.submit(call) for call in calls]]


def _events(factory: Factory, uuid: str, action: str) -> int:
    with Session(factory.services.engine) as session:
        stmt = select(StatusEvent).where(
            StatusEvent.credential_uuid == uuid, StatusEvent.action == action
        )
        return len(list(session.exec(stmt)))


def _code(factory: Factory, caller: ApiCaller, uuid: str, action: str) -> int:
    return _post(factory, caller, uuid, action).status_code  # type: ignore[no-any-return]


def _claim(services: Services, offer_id: str, holder: str) -> str:
    try:
        with session_scope(services.engine) as session:
            return services.wallet.deliver(session, offer_id, holder, "test").uuid
    except AppError as exc:
        return f"refused {exc.status}"


def _revoke(services: Services, uuid: str) -> str:
    with session_scope(services.engine) as session:
        record = credentials.by_uuid(session, uuid)
        assert record is not None
        services.credential_status.revoke(session, record, "race", "test")
        return "revoked"


def _entry(vc: dict[str, Any], purpose: str) -> dict[str, Any]:
    return next(e for e in vc["credentialStatus"] if e["statusPurpose"] == purpose)


def test_racing_revoke_suspend_reinstate_leave_revocation_final(factory: Factory) -> None:
    caller = factory.caller()
    _enable_suspension(factory, caller.org)
    for _ in range(ROUNDS):
        vc = factory.issue(caller)
        uuid = _uuid(vc)
        assert _post(factory, caller, uuid, "suspend").status_code == 200
        answers = _together(
            *[partial(_code, factory, caller, uuid, a) for a in ("revoke", "reinstate", "suspend")]
        )
        assert answers[0] == 200, answers  # nothing else revokes: the revocation happens
        assert all(code in (200, 409) for code in answers), answers
        record = factory.client.get(f"/api/v1/credentials/{uuid}", headers=caller.headers)
        assert record.json()["status"] == "revoked"
        assert _bit(factory, _entry(vc, "revocation")) == 1
        assert _bit(factory, _entry(vc, "suspension")) == 0  # revocation cleared it
        assert _events(factory, uuid, "revoked") == 1
        for action in ("reinstate", "suspend", "revoke"):
            assert _post(factory, caller, uuid, action).status_code == 409


def test_ten_parallel_revokes_make_one_event(factory: Factory) -> None:
    caller = factory.caller()
    uuid = _uuid(factory.issue(caller))
    answers = _together(*[partial(_code, factory, caller, uuid, "revoke")] * 10)
    assert sorted(answers) == [200] + [409] * 9, answers
    assert _events(factory, uuid, "revoked") == 1


def test_revoke_racing_reissue_lets_exactly_one_win(factory: Factory) -> None:
    caller = factory.caller()
    for _ in range(ROUNDS // 2):
        uuid = _uuid(factory.issue(caller))
        revoked, reissued = _together(
            partial(_code, factory, caller, uuid, "revoke"),
            partial(_code, factory, caller, uuid, "reissue"),
        )
        assert sorted([revoked, reissued]) in ([200, 409], [201, 409]), (revoked, reissued)
        assert _events(factory, uuid, "revoked") == 1
        assert (
            factory.client.post(
                f"/api/v1/credentials/{uuid}/reissue", json={}, headers=caller.headers
            ).status_code
            == 409
        )


def test_a_claim_racing_a_revocation_never_launders_it(factory: Factory) -> None:
    """Either the revocation comes first (the claim is refused) or the claim does (and the
    revocation's cascade revokes the copy): never an active copy of a revoked award."""
    services = factory.services
    caller = factory.caller()
    org = caller.org
    for _ in range(ROUNDS // 2):
        vc = factory.issue(caller)
        holder = subject_did(vc) or "did:example:holder"
        with session_scope(services.engine) as session:
            opened, _ = services.wallet.create_offer(session, org, _uuid(vc))
            offer_id = opened.record.id

        claimed, revoked = _together(
            partial(_claim, services, offer_id, holder), partial(_revoke, services, _uuid(vc))
        )
        assert revoked == "revoked"
        with Session(services.engine) as session:
            copies = session.exec(
                select(IssuedCredential).where(col(IssuedCredential.uuid) == claimed)
            ).all()
            assert all(copy.status == "revoked" for copy in copies), claimed
        with session_scope(services.engine) as session:  # and no new offer of it
            try:
                services.wallet.create_offer(session, org, _uuid(vc))
                raise AssertionError("an offer of a revoked credential was made")
            except AppError as exc:
                assert exc.status in (409, 410, 422), exc
