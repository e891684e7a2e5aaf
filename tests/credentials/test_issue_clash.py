"""A status position another issuer took first: the single issue redraws and stores once.

On PostgreSQL the credential, its status entry and its ``issued`` event go in as one
statement (app/credentials/repository.py ``insert_issued_at_once``); a taken position must
undo all three and the unit be redone with a careful draw, as on SQLite where they are three
statements in the unit's savepoint.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, col, func, select

from app.container import Services
from app.credentials.issuance import IssueOptions
from app.credentials.status_lists import StatusListService
from app.db import session_scope
from app.issuers.organizations import create_organization, organization
from app.models import IssuedCredential, StatusEntry, StatusEvent
from tests.factories import open_badge


def _position(session: Session, uuid: str) -> int:
    entry = session.exec(select(StatusEntry).where(StatusEntry.credential_uuid == uuid)).one()
    return entry.position


def _count(session: Session, model: Any) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def test_a_taken_position_is_redrawn_and_nothing_is_stored_twice(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(services.engine) as session:
        org = create_organization(session, services.keyring, slug="clash", name="Clash U")
        first = services.issuance.issue(session, org, open_badge(), IssueOptions())
        org_id = org.id
    with Session(services.engine) as session:
        taken = _position(session, first.uuid)

    draws: list[bool] = []
    real = StatusListService._positions

    def clashing(self: StatusListService, session: Session, *args: Any) -> list[int]:
        careful = args[-1]
        draws.append(careful)
        return real(self, session, *args) if careful else [taken]

    monkeypatch.setattr(StatusListService, "_positions", clashing)
    with session_scope(services.engine) as session:
        second = services.issuance.issue(
            session, organization(session, org_id), open_badge(), IssueOptions()
        )

    assert draws == [False, True]  # the clash, then a draw among free positions
    with Session(services.engine) as session:
        assert _position(session, second.uuid) != taken
        assert _count(session, IssuedCredential) == 2
        assert _count(session, StatusEntry) == 2
        events = session.exec(
            select(StatusEvent.credential_uuid).where(col(StatusEvent.action) == "issued")
        ).all()
        assert sorted(events) == sorted([first.uuid, second.uuid])
