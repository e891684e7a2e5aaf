"""Two consumers' batches about one learner (PostgreSQL): the later batch waits for the
earlier one once, at the start of its round (the learners' row locks), and then decides on
what the earlier one committed. Without the lock it would decide first, collide with the
earlier batch's rows at a unique constraint when that batch commits, and redo the whole round
(the signing included)."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from app.db import session_scope
from app.integrations.openedx import certificate_batch
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
