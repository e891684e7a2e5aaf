"""A status position another issuer took first: the single issue redraws and stores once.

No savepoint surrounds the store (app/credentials/issuance.py ``issue``): on PostgreSQL the
credential, its status entries and its ``issued`` event go in as one statement that skips
what a unique constraint refuses, on SQLite as three statements; either way what a taken
position let in must be taken back, and the next try draw again in the slots already claimed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import Session, col, func, select

from app.container import Services
from app.credentials.issuance import IssuanceService, IssueOptions
from app.credentials.status_lists import StatusListService
from app.db import session_scope
from app.errors import Conflict
from app.issuers.keys.keyring import KeyClash
from app.issuers.organizations import create_organization, organization
from app.models import IssuedCredential, StatusEntry, StatusEvent, StatusList
from tests.factories import open_badge


def _position(session: Session, uuid: str) -> int:
    entry = session.exec(select(StatusEntry).where(StatusEntry.credential_uuid == uuid)).one()
    return entry.position


def _count(session: Session, model: Any) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def _one_issued(services: Services) -> tuple[int, IssuedCredential, int]:
    """An organization with one credential issued: its id, the credential, the position the
    credential took (the one the tests make a later draw clash with)."""
    with session_scope(services.engine) as session:
        org = create_organization(session, services.keyring, slug="clash", name="Clash U")
        first = services.issuance.issue(session, org, open_badge(), IssueOptions())
        org_id = org.id
    with Session(services.engine) as session:
        taken = _position(session, first.uuid)
    return org_id, first, taken


def _never_alone(*args: Any) -> Any:
    raise AssertionError("the batch fell back to one item at a time")


def test_a_taken_position_is_redrawn_and_nothing_is_stored_twice(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    org_id, first, taken = _one_issued(services)

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

    # The clash, then (SQLite: a new careful allocation; PostgreSQL: a redraw in the slot
    # already claimed) a draw among free positions.
    assert draws[0] is False and all(draws[1:])
    with Session(services.engine) as session:
        assert _position(session, second.uuid) != taken
        # The slot counter counts the credentials, not the tries: a clash counted as a used
        # slot would close every list early (by about a fifth of its size, filled at random).
        allocated = session.exec(select(StatusList.allocated)).all()
        assert allocated == [2]
        assert _count(session, IssuedCredential) == 2
        assert _count(session, StatusEntry) == 2
        events = session.exec(
            select(StatusEvent.credential_uuid).where(col(StatusEvent.action) == "issued")
        ).all()
        assert sorted(events) == sorted([first.uuid, second.uuid])


def test_a_batch_redraws_only_the_items_whose_position_was_taken(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two parallel batches drew the same index for one item: that item alone gets a new
    index and a new proof; the others are stored together, as signed, never one by one."""
    org_id, _, taken = _one_issued(services)

    draws: list[int] = []
    real = StatusListService._free_positions

    def clashing(
        self: StatusListService, session: Session, status_list: Any, count: int
    ) -> list[int]:
        draws.append(count)
        positions = real(self, session, status_list, count)
        return [taken, *positions[1:]] if len(draws) == 1 else positions

    signed: list[str] = []
    real_finish = IssuanceService._finish

    def finishing(self: IssuanceService, item: Any, *args: Any) -> None:
        signed.append(item.storage_uuid)
        real_finish(self, item, *args)

    monkeypatch.setattr(StatusListService, "_free_positions", clashing)
    monkeypatch.setattr(IssuanceService, "_finish", finishing)
    monkeypatch.setattr(IssuanceService, "_store_alone", _never_alone)
    items = [(open_badge(f"Course {n}"), IssueOptions()) for n in range(5)]
    with session_scope(services.engine) as session:
        results = services.issuance.issue_batch(session, organization(session, org_id), items)

    assert all(isinstance(r, IssuedCredential) for r in results), results
    assert draws[0] == 5  # the batch drew once; the item that lost its index drew again alone
    assert len(signed) == 6 and len(set(signed)) == 5  # one item signed twice
    with Session(services.engine) as session:
        positions = {r.uuid: _position(session, r.uuid) for r in results}  # type: ignore[union-attr]
        assert taken not in positions.values() and len(set(positions.values())) == 5
        for record in results:
            stored = session.get(IssuedCredential, record.uuid)  # type: ignore[union-attr]
            assert stored is not None
            document = json.loads(stored.document)
            assert int(document["credentialStatus"]["statusListIndex"]) == positions[stored.uuid]
        assert _count(session, IssuedCredential) == 6
        assert _count(session, StatusEntry) == 6


def test_an_item_drawn_again_alone_is_drawn_among_free_positions(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one item of a batch that lost its index is drawn again alone: among positions
    known free (as ``issue`` redraws after a clash), not blindly, which in a list some
    tenths full would often hit a taken one again and, after three tries, store the whole
    batch one item at a time."""
    org_id, _, taken = _one_issued(services)

    real_batch = StatusListService._free_positions
    real_positions = StatusListService._positions

    def clashing(
        self: StatusListService, session: Session, status_list: Any, count: int
    ) -> list[int]:
        return [taken, *real_batch(self, session, status_list, count)[1:]]

    def unlucky(self: StatusListService, session: Session, *args: Any) -> list[int]:
        count, careful = args[-2], args[-1]
        if count == 1 and not careful:
            return [taken]  # a blind draw that hits the taken position (likely in a fuller list)
        return real_positions(self, session, *args)

    monkeypatch.setattr(StatusListService, "_free_positions", clashing)
    monkeypatch.setattr(StatusListService, "_positions", unlucky)
    monkeypatch.setattr(IssuanceService, "_store_alone", _never_alone)
    items = [(open_badge(f"Course {n}"), IssueOptions()) for n in range(3)]
    with session_scope(services.engine) as session:
        results = services.issuance.issue_batch(session, organization(session, org_id), items)

    assert all(isinstance(r, IssuedCredential) for r in results), results
    with Session(services.engine) as session:
        positions = {_position(session, r.uuid) for r in results}  # type: ignore[union-attr]
    assert taken not in positions and len(positions) == 3


def test_an_id_another_request_stored_first_is_a_conflict_and_the_transaction_goes_on(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race the duplicate check cannot see (both requests checked before either
    stored): a 409 that writes nothing, and the caller's transaction stays usable (the store
    runs without a savepoint: on PostgreSQL it must not fail as a statement)."""
    org_id, _, _ = _one_issued(services)
    monkeypatch.setattr(IssuanceService, "_refuse_duplicate", staticmethod(lambda *a: None))
    chosen = {**open_badge(), "id": "urn:uuid:7d2b5d4e-9a0a-4c49-a1c9-6b4f1f3a5b10"}
    with session_scope(services.engine) as session:
        org = organization(session, org_id)
        services.issuance.issue(session, org, dict(chosen), IssueOptions())
        with pytest.raises(Conflict):
            services.issuance.issue(session, org, dict(chosen), IssueOptions())
        services.issuance.issue(session, org, open_badge("Another"), IssueOptions())

    with Session(services.engine) as session:
        assert _count(session, IssuedCredential) == 3
        assert _count(session, StatusEntry) == 3
        assert _count(session, StatusEvent) == 3
        # The refused try's slot stays counted (no savepoint undoes its claim): the counter
        # is a fullness hint, so such a race costs one slot of the list's capacity.
        assert session.exec(select(StatusList.allocated)).all() == [4]


def test_a_credential_with_two_entries_that_loses_one_position_keeps_neither(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Suspension on: two entries per credential. Only the revocation position is taken: the
    suspension entry the statement did write is taken back with the credential and its
    event, and the credential is stored once with two fresh positions."""
    with session_scope(services.engine) as session:
        org = create_organization(session, services.keyring, slug="two", name="Two U")
        org.suspension_enabled = True
        first = services.issuance.issue(session, org, open_badge(), IssueOptions())
        org_id = org.id
    with Session(services.engine) as session:
        taken = {
            (e.list_id, e.position)
            for e in session.exec(
                select(StatusEntry).where(StatusEntry.credential_uuid == first.uuid)
            )
        }
    revocation_taken = min(taken)  # the revocation list was opened first: the lower id

    real = StatusListService._positions
    calls: list[int] = []

    def clashing(self: StatusListService, session: Session, status_list: Any, *args: Any) -> Any:
        calls.append(status_list.id)
        if len(calls) == 1:
            assert status_list.id == revocation_taken[0]
            return [revocation_taken[1]]
        return real(self, session, status_list, *args)

    monkeypatch.setattr(StatusListService, "_positions", clashing)
    with session_scope(services.engine) as session:
        second = services.issuance.issue(
            session, organization(session, org_id), open_badge(), IssueOptions()
        )

    with Session(services.engine) as session:
        entries = session.exec(select(StatusEntry)).all()
        assert len(entries) == 4 and len({(e.list_id, e.position) for e in entries}) == 4
        mine = [e for e in entries if e.credential_uuid == second.uuid]
        assert len(mine) == 2 and revocation_taken not in {(e.list_id, e.position) for e in mine}
        assert _count(session, IssuedCredential) == 2
        assert _count(session, StatusEvent) == 2
        assert sorted(session.exec(select(StatusList.allocated)).all()) == [2, 2]
        document = json.loads(session.get(IssuedCredential, second.uuid).document)  # type: ignore[union-attr]
        stored = {int(s["statusListIndex"]) for s in document["credentialStatus"]}
        assert stored == {e.position for e in mine}  # signed with the positions it holds


def test_a_first_key_another_request_made_meanwhile_is_signed_with(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two first issues of a new organization both make its first key; the loser's insert is
    undone (``KeyClash``) and its issue tries again with the winner's key: 201, not 409."""
    org_id, _, _ = _one_issued(services)
    services.issuance.signer._contexts.clear()  # build the context again: look for the key
    real = services.keyring.ensure_active_key
    clashes: list[str] = []

    def lost_the_race(session: Session, owner: int | None, key_type: str = "Ed25519") -> Any:
        if not clashes:
            clashes.append(key_type)
            raise KeyClash(key_type)
        return real(session, owner, key_type)

    monkeypatch.setattr(services.keyring, "ensure_active_key", lost_the_race)
    with session_scope(services.engine) as session:
        record = services.issuance.issue(
            session, organization(session, org_id), open_badge(), IssueOptions()
        )
    assert clashes and record.uuid
    with Session(services.engine) as session:
        assert _count(session, IssuedCredential) == 2
