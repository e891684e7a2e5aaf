"""A reviewer's batches against ``POST /grades:batch``: each must leave what the same events
one at a time leave (answers, programs, learners, credential contents), on SQLite and
PostgreSQL."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from tests.awards.test_grade_batch import _outcome, _state
from tests.factories import Factory
from tests.lms import RUN, Lms

OTHER = "course-v1:Acme+OTHER+1"


def _subject(lms: Lms, item: dict[str, Any]) -> Any:
    """The learner facts a credential carries (name, identifiers), free of ids and times."""
    outcome = item.get("outcome") or {}
    credential = outcome.get("credential")
    if not credential:
        return None
    subject = lms.document(credential["uuid"])["credentialSubject"]
    return sorted(
        (i["identityType"], i["identityHash"] if not i["hashed"] else "hashed")
        for i in subject.get("identifier", [])
    )


def _programs(item: dict[str, Any]) -> Any:
    outcome = item.get("outcome") or {}
    return sorted((p["program"], p["status"]) for p in outcome.get("programs", []))


def _compare(factory: Factory, setup: Any, events_of: Any) -> None:
    grouped, alone = Lms(factory, factory.caller("acme")), Lms(factory, factory.caller("beta"))
    for lms in (grouped, alone):
        setup(lms)
    events = events_of(grouped)
    response = grouped.post("/grades:batch", {"events": events})
    assert response.status_code == 200, response.text
    batch = response.json()["results"]
    one_by_one = []
    for body in events:
        answer = alone.post("/grades", body)
        item = {"status": answer.status_code}
        item["outcome" if answer.status_code < 300 else "error"] = answer.json()
        one_by_one.append(item)
    assert _free([_outcome(b) for b in batch]) == _free([_outcome(o) for o in one_by_one])
    assert [_programs(b) for b in batch] == [_programs(o) for o in one_by_one]
    assert [_subject(grouped, b) for b in batch] == [_subject(alone, o) for o in one_by_one]
    assert _free(_state(grouped)) == _free(_state(alone))


def _free(value: Any) -> str:
    """Credential ids (in renewal reasons) differ between the two organizations."""
    return re.sub(r"urn:uuid:[0-9a-f-]+", "urn:uuid:X", repr(value))


def test_a_credential_carries_the_learner_facts_of_its_own_event(factory: Factory) -> None:
    """One learner passes two runs, renamed in between: one at a time, the first credential
    names the learner as the first event did; the batch must not name it by the later event."""

    def setup(lms: Lms) -> None:
        lms.course()
        lms.course(OTHER)

    def events(lms: Lms) -> list[Any]:
        return [
            lms.grade_event(learner="ren", grade=0.9, minute=1, name="Ann Old", event_id="r1"),
            lms.grade_event(
                learner="ren", run=OTHER, grade=0.9, minute=2, name="Ann New", event_id="r2"
            ),
        ]

    _compare(factory, setup, events)


def test_a_program_completes_on_the_event_that_completes_it(factory: Factory) -> None:
    """A program of two runs: the event that completes it one at a time reports the program
    award. The batch leaves (learner, RUN) to the one-event path (it recurs) and applies the
    other run first: the program must not be reported on another event than one at a time."""

    def setup(lms: Lms) -> None:
        lms.course()
        lms.course(OTHER)
        lms.program("both", ["Acme+CS101", "Acme+OTHER"])

    def events(lms: Lms) -> list[Any]:
        return [
            lms.grade_event(learner="prog", grade=0.9, minute=1, event_id="g1"),
            lms.grade_event(learner="prog", run=OTHER, grade=0.9, minute=1, event_id="g2"),
            lms.grade_event(learner="prog", grade=0.95, minute=2, event_id="g3"),
        ]

    _compare(factory, setup, events)


def test_learner_facts_of_equal_times_land_in_event_order(factory: Factory) -> None:
    """Two events of one learner at the same time with other names: one at a time, the later
    one wins (equal times bring news). The batch applies the grouped event before the one
    left alone, so it must still end with the later event's name."""

    def setup(lms: Lms) -> None:
        lms.course()
        lms.course(OTHER)

    def events(lms: Lms) -> list[Any]:
        return [
            lms.grade_event(learner="tie", grade=0.2, minute=3, name="First Name", event_id="t1"),
            lms.grade_event(
                learner="tie", run=OTHER, grade=0.2, minute=3, name="Second Name", event_id="t2"
            ),
            lms.grade_event(learner="tie", grade=0.3, minute=1, name="Old Name", event_id="t3"),
        ]

    _compare(factory, setup, events)


COMP = "course-v1:Acme+COMP+1"
NOPE = "course-v1:Acme+NOPE+1"
DAY = 60 * 24


def _mixed_setup(lms: Lms) -> None:
    lms.course(grade_bands=[{"name": "Pass", "min_grade": 0.7}, {"name": "Top", "min_grade": 0.9}])
    lms.course(OTHER, validity="P6M", renewal_window="P30D")
    lms.course(
        COMP, certifies_on="completion", certificate_modes=["audit", "verified"], passing_grade=0
    )
    lms.program("both", ["Acme+CS101", "Acme+OTHER"])
    for learner in ("b", "c"):  # awards that a later event renews (validity) or finds
        lms.grade(learner=learner, run=OTHER, grade=0.9, minute=0, event_id=f"s-{learner}")
    lms.grade(learner="d", grade=0.5, minute=10, event_id="s-d")


@pytest.mark.parametrize("seed", range(6))
def test_random_mixed_batches_decide_as_one_at_a_time(factory: Factory, seed: int) -> None:
    """Learners once or several times, runs with bands, validity and renewal windows, a
    completion-certified run, a program, unknown runs, future times, audit mode, repeated
    event ids, malformed items."""
    rng = random.Random(seed)

    def events(lms: Lms) -> list[Any]:
        out: list[Any] = []
        for n in range(rng.randint(8, 30)):
            learner = rng.choice("abcdefghijkl")
            event = lms.grade_event(
                learner=learner,
                run=rng.choice([RUN, RUN, OTHER, OTHER, COMP, NOPE]),
                grade=rng.choice([0.2, 0.75, 0.95]),
                mode=rng.choice(["verified", "verified", "audit"]),
                minute=rng.choice([1, 20, 200 * DAY, 30 * 365 * DAY]),
                name=rng.choice([f"Name {learner}", f"Other {learner}"]),
                event_id=f"e{seed}-{rng.randint(0, 12) if rng.random() < 0.3 else n + 100}",
            )
            if rng.random() < 0.08:
                event["percent_grade"] = 7
            out.append(event)
        return out

    _compare(factory, _mixed_setup, events)


def test_two_batches_with_overlapping_learners_award_each_once(lms: Lms) -> None:
    """Two batches at once sharing half their learners (and one racing single event each):
    no 500, every learner awarded once, one credential per award, answers agree."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlmodel import Session, func, select

    from app.models import CourseAward, IssuedCredential

    lms.course()
    first = [lms.grade_event(learner=f"o{n}", grade=0.9) for n in range(0, 30)]
    second = [lms.grade_event(learner=f"o{n}", grade=0.95) for n in range(15, 45)]
    singles = [lms.grade_event(learner=f"o{n}", grade=0.8) for n in (5, 20, 40)]

    def post(body: dict[str, Any]) -> tuple[int, Any]:
        path = "/grades:batch" if "events" in body else "/grades"
        response = lms.post(path, body)
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(post, [{"events": first}, {"events": second}, *singles]))
    assert all(status in (200, 201) for status, _ in answers), answers
    for _, body in answers[:2]:
        assert {i["status"] for i in body["results"]} <= {200, 201}, body
    uuids: dict[str, set[str]] = {}
    for _, body in answers[:2]:
        for item in body["results"]:
            uuids.setdefault(item["outcome"]["learner"], set()).add(
                item["outcome"]["credential"]["uuid"]
            )
    for _, body in answers[2:]:
        uuids.setdefault(body["learner"], set()).add(body["credential"]["uuid"])
    assert all(len(found) == 1 for found in uuids.values()), uuids
    with Session(lms.services.engine) as session:
        awards = session.exec(select(func.count()).select_from(CourseAward)).one()
        issued = session.exec(select(func.count()).select_from(IssuedCredential)).one()
    assert awards == issued == 45


def test_a_thousand_items_with_one_event_id_repeated(lms: Lms) -> None:
    """1000 items: 500 learners once, one event id repeated on many items of one learner,
    future times and malformed items mixed in: each answered, the learners awarded once."""
    lms.course()
    events: list[Any] = []
    for n in range(1000):
        if n % 10 == 0:
            events.append(lms.grade_event(learner="dup", grade=0.9, event_id="same", minute=1))
        elif n % 10 == 1:
            events.append(lms.grade_event(learner=f"f{n}", minute=30 * 365 * DAY))
        elif n % 10 == 2:
            events.append({**lms.grade_event(learner=f"m{n}"), "percent_grade": "x"})
        else:
            events.append(lms.grade_event(learner=f"k{n}", grade=0.9))
    response = lms.post("/grades:batch", {"events": events})
    assert response.status_code == 200, response.text[:500]
    results = response.json()["results"]
    assert len(results) == 1000
    assert {r["status"] for r in results} <= {200, 201, 422}
    dup = [r["outcome"]["status"] for r in results if r["event_id"] == "same"]
    assert dup == ["awarded"] + ["already_awarded"] * 99
    assert response.json()["summary"]["awarded"] == 701


@pytest.mark.parametrize("seed", range(3))
def test_a_batch_undone_late_leaves_what_one_at_a_time_leaves(
    factory: Factory, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """The grouped writes all done (learners, grades, renewals, first awards, audit rows),
    then a failure at the very end: the savepoint must undo every one of them, and the events
    one at a time must leave exactly what they leave alone (nothing half-written, nothing
    twice)."""
    from app.awards.service import GradingService

    real = GradingService.award_many

    def award_then_fail(self: GradingService, *args: Any, **kwargs: Any) -> Any:
        real(self, *args, **kwargs)
        raise RuntimeError("late failure")

    monkeypatch.setattr(GradingService, "award_many", award_then_fail)
    rng = random.Random(100 + seed)

    def events(lms: Lms) -> list[Any]:
        return [
            lms.grade_event(
                learner=learner,
                run=rng.choice([RUN, OTHER, COMP]),
                grade=rng.choice([0.2, 0.75, 0.95]),
                minute=rng.choice([1, 200 * DAY]),
                event_id=f"u{seed}-{n}",
            )
            for n, learner in enumerate("abcdefgh")
        ]

    _compare(factory, _mixed_setup, events)


def test_grouped_records_carry_kind_and_public_date_as_one_at_a_time(factory: Factory) -> None:
    """issue_batch's ``kind``/``columns``: a course credential issued in a batch is a course
    credential, public from the run's certificate date, as one issued alone."""
    from datetime import UTC, datetime, timedelta

    from sqlmodel import Session, select

    from app.models import IssuedCredential

    future = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)

    def setup(lms: Lms) -> None:
        lms.course(certificate_available_date=future.isoformat())

    def events(lms: Lms) -> list[Any]:
        return [lms.grade_event(learner=f"p{n}", grade=0.9, event_id=f"p{n}") for n in range(4)]

    _compare(factory, setup, events)
    with Session(factory.services.engine) as session:
        rows = session.exec(
            select(IssuedCredential.org_id, IssuedCredential.kind, IssuedCredential.public_from)
        ).all()
    per_org = {}
    for org_id, kind, public_from in rows:
        per_org.setdefault(org_id, set()).add(
            (kind, public_from.replace(tzinfo=None) if public_from else None)
        )
    assert len(per_org) == 2 and all(len(v) == 1 for v in per_org.values()), per_org
    assert len({frozenset(v) for v in per_org.values()}) == 1, per_org
