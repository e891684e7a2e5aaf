"""Batches of status changes and issues that do not queue behind each other on a list's row.

Event-bus consumers apply hundreds of entries in one transaction, two of them in parallel:
``deferred_signing`` re-signs each changed list once at the end instead of locking and
signing it per revocation, and on PostgreSQL a batch claims its slots in a transaction of its
own. The concurrency tests run two transactions on two connections of one thread; the second
one sets ``lock_timeout``, so waiting for the first is an error rather than a hang (and no
test measures time).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from app.credentials import repository as credentials
from app.credentials.issuance import IssueOptions
from app.db import session_scope
from app.models import IssuedCredential, Organization, StatusEntry, StatusList
from tests.credentials.test_status_lists import _bit, _list_of, _uuid
from tests.factories import Factory, open_badge


def _signings(factory: Factory, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of the lists signed from now on, in order (a spy on the real signing)."""
    lists = factory.services.status_lists
    signed: list[int] = []
    real = lists._sign

    def sign(session: Session, status_list: StatusList) -> None:
        signed.append(status_list.id)
        real(session, status_list)

    monkeypatch.setattr(lists, "_sign", sign)
    return signed


def _revoke(factory: Factory, session: Session, vc: dict[str, Any]) -> None:
    record = credentials.by_uuid(session, _uuid(vc))
    assert record is not None
    factory.services.credential_status.revoke(session, record, "batch", "test")


def _stored_list(factory: Factory, entry: dict[str, Any]) -> StatusList:
    public_id = entry["statusListCredential"].rsplit("/", 1)[-1]
    with Session(factory.services.engine) as session:
        found = session.exec(select(StatusList).where(StatusList.public_id == public_id)).one()
        session.expunge(found)
        return found


def _assert_published(factory: Factory, session: Session, entry: dict[str, Any]) -> None:
    """The stored signature is current and the list, as served, verifies."""
    stored = _stored_list(factory, entry)
    assert stored.signed_version == stored.version
    report = factory.services.verifier.verify(session, _list_of(factory, entry))
    assert report.verified, report.to_json()


def _postgres_only(factory: Factory) -> None:
    if factory.services.engine.dialect.name != "postgresql":
        pytest.skip("parallel writers need PostgreSQL (SQLite has one writer at a time)")


def _never_wait(session: Session) -> None:
    """Waiting for a lock in this transaction becomes an error (the other one stays open)."""
    session.execute(text("SET LOCAL lock_timeout = '2s'"))


def _batch(factory: Factory, session: Session, org: Organization, n: int) -> list[IssuedCredential]:
    items: list[tuple[Any, IssueOptions]] = [(open_badge(), IssueOptions()) for _ in range(n)]
    issued = factory.services.issuance.issue_batch(session, org, items)
    assert all(isinstance(r, IssuedCredential) for r in issued), issued
    return issued  # type: ignore[return-value]


def _positions(factory: Factory) -> list[tuple[int, int]]:
    with Session(factory.services.engine) as session:
        return [(e.list_id, e.position) for e in session.exec(select(StatusEntry))]


# -- deferred signing ----------------------------------------------------------------------


def test_revocations_in_deferred_signing_sign_their_list_once(
    factory: Factory, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    caller = factory.caller()
    vcs = [factory.issue(caller) for _ in range(6)]
    entry = vcs[0]["credentialStatus"]
    assert {vc["credentialStatus"]["statusListCredential"] for vc in vcs} == {
        entry["statusListCredential"]
    }
    before = _stored_list(factory, entry)
    lists = factory.services.status_lists
    signings = _signings(factory, monkeypatch)
    with session_scope(factory.services.engine) as batch, lists.deferred_signing(batch):
        for vc in vcs:
            _revoke(factory, batch, vc)
        assert signings == []  # nothing signed, no version bumped, no lock taken yet
    assert signings == [before.id]
    after = _stored_list(factory, entry)
    assert after.version == before.version + 1
    assert all(_bit(factory, vc["credentialStatus"]) == 1 for vc in vcs)
    _assert_published(factory, session, entry)
    report = factory.services.verifier.verify(session, vcs[-1])
    assert [c.code for c in report.checks if c.name == "revocation"] == ["REVOKED"]


def test_outside_the_block_each_revocation_signs_its_list(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    caller = factory.caller()
    vcs = [factory.issue(caller) for _ in range(3)]
    signings = _signings(factory, monkeypatch)
    with session_scope(factory.services.engine) as batch:
        for vc in vcs:
            _revoke(factory, batch, vc)
    assert len(signings) == 3


def test_nested_blocks_sign_when_the_outermost_ends(
    factory: Factory, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    caller = factory.caller()
    first, second = factory.issue(caller), factory.issue(caller)
    lists = factory.services.status_lists
    signings = _signings(factory, monkeypatch)
    with session_scope(factory.services.engine) as batch, lists.deferred_signing(batch):
        with lists.deferred_signing(batch):
            _revoke(factory, batch, first)
        assert signings == []
        _revoke(factory, batch, second)
    assert len(signings) == 1
    assert _bit(factory, first["credentialStatus"]) == 1
    assert _bit(factory, second["credentialStatus"]) == 1
    _assert_published(factory, session, first["credentialStatus"])


def test_an_error_in_the_block_signs_nothing_and_changes_nothing(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    vc = factory.issue(factory.caller())
    before = _stored_list(factory, vc["credentialStatus"])
    lists = factory.services.status_lists
    signings = _signings(factory, monkeypatch)
    engine = factory.services.engine
    with (
        pytest.raises(RuntimeError),
        session_scope(engine) as batch,
        lists.deferred_signing(batch),
    ):
        _revoke(factory, batch, vc)
        raise RuntimeError("the batch fails")
    assert signings == []
    assert _stored_list(factory, vc["credentialStatus"]).version == before.version
    assert _bit(factory, vc["credentialStatus"]) == 0
    with session_scope(factory.services.engine) as batch:  # the session is usable again
        _revoke(factory, batch, vc)
    assert signings == [before.id]


def test_a_commit_inside_the_block_signs_first(factory: Factory, session: Session) -> None:
    caller = factory.caller()
    first, second = factory.issue(caller), factory.issue(caller)
    lists = factory.services.status_lists
    with Session(factory.services.engine) as batch:
        with lists.deferred_signing(batch):
            _revoke(factory, batch, first)
            batch.commit()
            assert _bit(factory, first["credentialStatus"]) == 1
            _assert_published(factory, session, first["credentialStatus"])
            _revoke(factory, batch, second)
        batch.commit()
    assert _bit(factory, second["credentialStatus"]) == 1
    _assert_published(factory, session, second["credentialStatus"])


# -- parallel writers on PostgreSQL ------------------------------------------------------------


def test_a_deferred_batch_does_not_hold_its_list_against_another_writer(
    factory: Factory, session: Session
) -> None:
    """T1 revokes inside ``deferred_signing`` and stays open; T2 revokes on the same list and
    issues a batch into it without waiting; T1's re-sign at the end publishes both bits."""
    _postgres_only(factory)
    caller = factory.caller()
    mine, theirs = factory.issue(caller), factory.issue(caller)
    entry = mine["credentialStatus"]
    assert theirs["credentialStatus"]["statusListCredential"] == entry["statusListCredential"]
    engine = factory.services.engine
    lists = factory.services.status_lists
    with Session(engine, expire_on_commit=False) as t1:
        with lists.deferred_signing(t1):
            _revoke(factory, t1, mine)
            with Session(engine, expire_on_commit=False) as t2:
                _never_wait(t2)
                _revoke(factory, t2, theirs)
                issued = _batch(factory, t2, caller.org, 5)
                t2.commit()
            assert _bit(factory, theirs["credentialStatus"]) == 1
            assert _bit(factory, entry) == 0  # T1 has not committed
        t1.commit()
    assert _bit(factory, entry) == 1 and _bit(factory, theirs["credentialStatus"]) == 1
    _assert_published(factory, session, entry)
    assert {_stored_list(factory, entry).id} == {e[0] for e in _positions(factory)}
    assert len(issued) == 5


def test_two_deferred_batches_on_one_list_both_publish(factory: Factory, session: Session) -> None:
    """T2 re-signs and commits while T1's change is uncommitted; T1 re-signs after it."""
    _postgres_only(factory)
    caller = factory.caller()
    mine, theirs = factory.issue(caller), factory.issue(caller)
    engine = factory.services.engine
    lists = factory.services.status_lists
    with Session(engine) as t1:
        with lists.deferred_signing(t1):
            _revoke(factory, t1, mine)
            with Session(engine) as t2:
                _never_wait(t2)
                with lists.deferred_signing(t2):
                    _revoke(factory, t2, theirs)
                t2.commit()
        t1.commit()
    assert _bit(factory, mine["credentialStatus"]) == 1
    assert _bit(factory, theirs["credentialStatus"]) == 1
    _assert_published(factory, session, mine["credentialStatus"])


def test_a_batch_claim_does_not_wait_for_another_batch_to_commit(factory: Factory) -> None:
    """T1 issues a batch and stays open; T2's batch into the same list goes through."""
    _postgres_only(factory)
    caller = factory.caller()
    factory.issue(caller)  # the list exists, committed
    engine = factory.services.engine
    with Session(engine, expire_on_commit=False) as t1:
        _batch(factory, t1, caller.org, 4)
        with Session(engine, expire_on_commit=False) as t2:
            _never_wait(t2)
            _batch(factory, t2, caller.org, 4)
            t2.commit()
        t1.commit()
    positions = _positions(factory)
    assert len(positions) == 9 and len(set(positions)) == 9
    assert len({list_id for list_id, _ in positions}) == 1


def test_a_rolled_back_batch_leaves_its_claim_counted_on_postgresql(factory: Factory) -> None:
    """On PostgreSQL the claim was committed apart: the counter, a fullness hint, keeps it
    (positions are guarded by the unique constraint, not by the counter). SQLite: undone."""
    caller = factory.caller()
    entry = factory.issue(caller)["credentialStatus"]
    with Session(factory.services.engine) as batch:
        _batch(factory, batch, caller.org, 3)
        batch.rollback()
    postgres = factory.services.engine.dialect.name == "postgresql"
    assert _stored_list(factory, entry).allocated == (4 if postgres else 1)


def test_a_batch_after_a_change_in_the_same_transaction_claims_there(factory: Factory) -> None:
    """The transaction already holds the list's row (a revocation signed it): a claim on
    another connection would wait for this very transaction, so it claims in it."""
    caller = factory.caller()
    vc = factory.issue(caller)
    with Session(factory.services.engine) as batch:
        _revoke(factory, batch, vc)
        _batch(factory, batch, caller.org, 3)
        batch.rollback()
    assert _stored_list(factory, vc["credentialStatus"]).allocated == 1


def test_batches_in_the_transaction_that_opened_a_list_fill_it(factory: Factory) -> None:
    """No other connection can see a list before its transaction commits: a second batch in
    that transaction still claims in it instead of opening yet another list."""
    caller = factory.caller()
    with session_scope(factory.services.engine) as batch:
        _batch(factory, batch, caller.org, 3)
        _batch(factory, batch, caller.org, 3)
    positions = _positions(factory)
    assert len(set(positions)) == 6
    assert len({list_id for list_id, _ in positions}) == 1
    with Session(factory.services.engine) as session:
        [status_list] = session.exec(select(StatusList).where(col(StatusList.allocated) > 0))
        assert status_list.allocated == 6
