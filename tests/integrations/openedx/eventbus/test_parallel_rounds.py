"""Two consumers' batches about one learner (PostgreSQL): the later batch waits for the
earlier one once, at the start of its round (the learners' row locks), and then decides on
what the earlier one committed. Without the lock it would decide first, collide with the
earlier batch's rows at a unique constraint when that batch commits, and redo the whole round
(the signing included)."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from app.db import session_scope
from app.integrations.openedx import certificate_batch, repository
from app.integrations.openedx.eventbus.avro import AvroCodec
from app.integrations.openedx.eventbus.dispatch import Dispatcher
from app.integrations.openedx.eventbus.envelope import BusEntry, stream_name
from app.integrations.openedx.eventbus.payloads import CERTIFICATE_CREATED, CERTIFICATE_REVOKED
from app.models import IssuedCredential
from app.models.enums import CredentialStatus
from tests.integrations.openedx.conftest import Site
from tests.integrations.openedx.eventbus.conftest import TOPIC
from tests.integrations.openedx.eventbus.test_grouped import T0, _cert


def _entry(codec: AvroCodec, event_type: str, record: dict[str, Any], minutes: int) -> BusEntry:
    return BusEntry(
        entry_id=f"{minutes + 1}-0",
        type=event_type,
        id=str(uuid.uuid1()),
        source="openedx/lms/web",
        time=T0 + timedelta(minutes=minutes),
        minorversion=0,
        sourcehost="lms",
        sourcelib="10.5.0",
        event_data=codec.encode(event_type, record),
    )


def test_a_revocation_waits_for_the_batch_awarding_its_learner(
    site: Site, codec: AvroCodec, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = site.services.engine
    if engine.dialect.name == "sqlite":
        pytest.skip("parallel writers need PostgreSQL (SQLite has one writer)")
    dispatcher = Dispatcher(codec, site.services.openedx, stream_name(TOPIC, "p"), grouped=True)
    award = [
        _entry(codec, CERTIFICATE_CREATED, _cert("Acme", "A", n, f"u{n}", "downloadable"), n)
        for n in (1, 2, 3)
    ]
    revoke = [
        _entry(codec, CERTIFICATE_REVOKED, _cert("Acme", "A", 2, "u2", "notpassing"), 10),
        _entry(codec, CERTIFICATE_CREATED, _cert("Acme", "A", 4, "u4", "downloadable"), 11),
    ]

    with session_scope(engine) as session:  # the run exists (no batch waits on its creation)
        earlier = _cert("Acme", "A", 9, "u9", "downloadable")
        assert dispatcher(session, [_entry(codec, CERTIFICATE_CREATED, earlier, 0)]) == ["awarded"]

    rounds: dict[str, int] = {}
    real = certificate_batch.apply_words

    def counting(*args: Any, **kwargs: Any) -> Any:
        name = threading.current_thread().name
        rounds[name] = rounds.get(name, 0) + 1
        return real(*args, **kwargs)

    monkeypatch.setattr(certificate_batch, "apply_words", counting)
    awarded, release = threading.Event(), threading.Event()
    outcomes: dict[str, list[Any]] = {}

    def first() -> None:
        with session_scope(engine) as session:
            outcomes["first"] = dispatcher(session, award)
            awarded.set()
            release.wait(30)  # the batch stays open: its learners stay locked

    def second() -> None:
        with session_scope(engine) as session:
            outcomes["second"] = dispatcher(session, revoke)

    one = threading.Thread(target=first, name="first")
    one.start()
    assert awarded.wait(30)
    two = threading.Thread(target=second, name="second")
    two.start()
    two.join(1.0)
    assert two.is_alive(), "the revocation did not wait for the open batch"
    release.set()
    one.join(30)
    two.join(30)

    assert outcomes["first"] == ["awarded"] * 3
    assert outcomes["second"] == ["revoked", "awarded"]
    assert rounds == {"first": 1, "second": 1}  # decided once: no round undone and redone
    with Session(engine) as session:
        statuses = sorted(r.status for r in session.exec(select(IssuedCredential)))
    assert statuses.count(CredentialStatus.REVOKED) == 1
    assert len(statuses) == 5


def _known_learners(site: Site, codec: AvroCodec, dispatcher: Dispatcher) -> None:
    """u1 and u2 known (u1 the lower id), named at T0, with a certificate of run B; runs A
    and C exist (no batch waits on another's creation of a run)."""
    with session_scope(site.services.engine) as session:
        words = [_cert("Acme", "B", n, f"u{n}", "downloadable") for n in (1, 2)]
        entries = [_entry(codec, CERTIFICATE_CREATED, word, 0) for word in words]
        assert dispatcher(session, entries) == ["awarded"] * 2
        for run in ("A", "C"):
            word = _cert("Acme", run, 9, "u9", "downloadable")
            assert dispatcher(session, [_entry(codec, CERTIFICATE_CREATED, word, 0)]) == ["awarded"]


def _run_both(first: Any, second: Any) -> dict[str, BaseException]:
    """Two threads; the exceptions they raised, by name (a deadlock victim's among them)."""
    failures: dict[str, BaseException] = {}

    def guarded(name: str, work: Any) -> Any:
        def run() -> None:
            try:
                work()
            except BaseException as exc:  # reported by the test
                failures[name] = exc

        return threading.Thread(target=run, name=name)

    threads = [guarded("first", first), guarded("second", second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive(), "a batch never finished"
    return failures


def test_a_round_does_not_deadlock_with_a_batch_storing_grades_of_its_learners(
    site: Site, codec: AvroCodec
) -> None:
    """Storing a grade holds its learner's row FOR KEY SHARE (the foreign key) until the
    batch commits. A round's learner locks must not conflict with that: a grade batch that
    stored u2's grade and then stores u1's, while a round awards both, would otherwise close
    a cycle (the round holds u1 and waits for u2), and PostgreSQL undoes one of the batches."""
    engine = site.services.engine
    if engine.dialect.name == "sqlite":
        pytest.skip("parallel writers need PostgreSQL (SQLite has one writer)")
    dispatcher = Dispatcher(codec, site.services.openedx, stream_name(TOPIC, "p"), grouped=True)
    _known_learners(site, codec, dispatcher)
    graded, rounding = threading.Event(), threading.Event()
    key = "course-v1:Acme+A+2026"

    def grades() -> None:
        with session_scope(engine) as session:
            openedx = site.services.openedx
            openedx.record_grade(session, key, None, 2, 0.9, "A", T0 + timedelta(minutes=1))
            graded.set()
            rounding.wait(30)
            time.sleep(0.5)  # the round is under way (and, with FOR UPDATE, waits for u2)
            openedx.record_grade(session, key, None, 1, 0.9, "A", T0 + timedelta(minutes=1))

    def certificates() -> None:
        assert graded.wait(30)
        rounding.set()
        awards = [_cert("Acme", "A", n, f"u{n}", "downloadable") for n in (1, 2)]
        with session_scope(engine) as session:
            entries = [_entry(codec, CERTIFICATE_CREATED, word, 2) for word in awards]
            assert dispatcher(session, entries) == ["awarded"] * 2

    assert _run_both(grades, certificates) == {}


def test_rounds_that_renamed_learners_before_locking_them_do_not_deadlock(
    site: Site, codec: AvroCodec, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An award names its learner (an UPDATE of the learner's row, held to the commit). Were
    the names written before the round's learners are locked in id order, two rounds that
    each renamed one learner and then lock both would wait for each other."""
    engine = site.services.engine
    if engine.dialect.name == "sqlite":
        pytest.skip("parallel writers need PostgreSQL (SQLite has one writer)")
    dispatcher = Dispatcher(codec, site.services.openedx, stream_name(TOPIC, "p"), grouped=True)
    _known_learners(site, codec, dispatcher)
    both = threading.Barrier(2, timeout=10)
    met: set[str] = set()
    real = repository.lock_learners

    def meeting(session: Session, ids: set[int]) -> None:
        name = threading.current_thread().name
        if name not in met:  # both rounds reach their first learner lock before either locks
            met.add(name)
            with contextlib.suppress(threading.BrokenBarrierError):
                both.wait()
        real(session, ids)

    monkeypatch.setattr(repository, "lock_learners", meeting)

    def batch(award: int, revoke: int, run: str) -> Any:
        def apply() -> None:
            entries = [
                _entry(codec, CERTIFICATE_CREATED,
                       _cert("Acme", run, award, f"u{award}", "downloadable"), 5),
                _entry(codec, CERTIFICATE_REVOKED,
                       _cert("Acme", run, revoke, f"u{revoke}", "notpassing"), 5),
            ]  # fmt: skip
            with session_scope(engine) as session:
                assert dispatcher(session, entries) == ["awarded", "revoked"]

        return apply

    assert _run_both(batch(1, 2, "A"), batch(2, 1, "C")) == {}
