"""Many words of the LMS on course certificates (granted, revoked), applied together: an
event-bus batch. The decisions of ``OpenEdxService.award_course_certificate`` and
``revoke_course_certificate``, with the writes grouped.

A course-end wave is mostly first certificates of learners Laurel has not seen, with some
repeats and revocations: one event at a time costs some twenty-five statements each, which
this groups into a few multi-row statements per batch and one batch issuance:

- learners never seen are created together, known ones read together; one named
  ambiguously (no username, a rename, a user id that changes hands) is resolved by
  ``learner_for``, one at a time;
- the round's learners are locked as soon as they are known (``SELECT ... FOR NO KEY
  UPDATE`` in id order), before their names are written: a parallel batch about one of them
  (another consumer awarding a learner this batch revokes) is waited for once, before
  anything is read, instead of colliding with it at a unique constraint after the round's
  decisions, which would undo the round;
- the stored words are read under their row locks (``SELECT ... FOR UPDATE`` in id order on
  PostgreSQL; SQLite has one writer) and compared in Python by the rule of the one-event
  compare-and-set (``set_certificate_if_newer``): the LMS's newer word wins, at the same
  instant a revocation wins over an award;
- first awards are issued as one batch; a re-award after a revocation (a new credential in
  place of the revoked one) goes through ``award_decided``; revocations through
  ``CredentialStatusService.revoke``, each under its credential's row lock.

Each call takes at most one word per learner and run (the caller splits repeats into later
calls, in order). Call it inside a savepoint and undo that savepoint on any exception: a
concurrent writer (a unique constraint) or a refused item means the words must go one at a
time, which answers each on its own. The caller evaluates programs afterwards
(``after_awards``).
"""

from __future__ import annotations

import uuid
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.awards import repository as awards
from app.awards.plans import AwardPlan, brings_news, has_facts
from app.awards.schemas import LearnerRef
from app.catalog import repository as catalog
from app.credentials import repository as credentials
from app.db import as_utc, is_sqlite, utcnow
from app.errors import AppError
from app.integrations.openedx import repository
from app.integrations.openedx.course_keys import CourseKey, parse_course_key
from app.integrations.openedx.service import (
    AWARDED,
    COURSE_RUN,
    REVOKED,
    OpenEdxService,
    certificate_reason,
    learner_ref,
)
from app.models import Course, IssuedCredential, Learner, OpenEdxCertificate, Organization
from app.models.enums import CredentialKind, CredentialStatus

#: The organization and run of each course key of a batch (None: not connected).
Runs = dict[str, tuple[Organization, Course] | None]


@dataclass(frozen=True)
class CertificateWord:
    """The LMS granted (``awarded``) or revoked a learner's course certificate."""

    status: str
    course_key: str
    username: str | None
    lms_user_id: int | str | None
    lms_time: datetime
    name: str | None = None
    email: str | None = None
    mode: str | None = None
    title: str | None = None
    event_id: str | None = None
    actor: str | None = None
    #: Why, for a revocation (the credential's status reason and the audit trail).
    reason: str | None = None

    @property
    def uid(self) -> str | None:
        return str(self.lms_user_id).strip() if self.lms_user_id not in (None, "") else None

    @property
    def login(self) -> str | None:
        return (self.username or "").strip() or None


@dataclass(frozen=True)
class WordOutcome:
    """As one word at a time answers: ``awarded``, ``already_awarded``, ``revoked``,
    ``already_revoked`` or ``stale``."""

    status: str
    org: Organization
    course: Course
    learner_id: int
    word: CertificateWord


@dataclass
class _Item:
    index: int
    word: CertificateWord
    course: Course
    learner: Learner | None = None
    stored: OpenEdxCertificate | None = None
    credential_uuid: str | None = None


def course_runs(service: OpenEdxService, session: Session, words: list[CertificateWord]) -> Runs:
    """The organization and run of each course key the words name, created on first sight
    (titled by the first award that has a title, as one word at a time does); None for a
    key no organization connected (or malformed). Call it outside the rounds' savepoints: a
    run created in a savepoint that is undone would be gone for the later rounds."""
    titles: dict[str, str | None] = {}
    for word in words:
        if word.status == AWARDED and word.title and not titles.get(word.course_key):
            titles[word.course_key] = word.title
        titles.setdefault(word.course_key, None)
    parsed: dict[str, CourseKey] = {}
    for key in titles:
        with suppress(AppError):  # a malformed key: one word at a time says why
            parsed[key] = parse_course_key(key)
    connected = repository.connections_for_codes(session, sorted({k.code for k in parsed.values()}))
    wanted = {(connected[k.code][1].id, k.key) for k in parsed.values() if k.code in connected}
    known = repository.courses_by_keys(session, wanted)
    runs: Runs = {}
    # In key order: parallel batches creating the same new runs (a wave's first entries)
    # would otherwise deadlock on their unique index.
    for key, title in sorted(titles.items()):
        if key not in parsed or parsed[key].code not in connected:
            runs[key] = None
            continue
        org = connected[parsed[key].code][1]
        course = known.get((org.id, parsed[key].key))
        if course is not None and not (title and course.title == course.key):
            runs[key] = (org, course)
            continue
        try:  # first sight of the run (or its first title): created, as one word does
            runs[key] = service.course_run_for(session, key, title)
        except AppError:
            runs[key] = None
    return runs


def apply_words(
    service: OpenEdxService,
    session: Session,
    words: list[CertificateWord],
    runs: Runs,
) -> list[WordOutcome]:
    """Each word's outcome, in order (at most one word per learner and run; every run
    connected, from ``course_runs``). Raises (anything) when the words must go one at a
    time: the caller's savepoint is undone."""
    by_org: dict[int, list[_Item]] = {}
    orgs: dict[int, Organization] = {}
    for index, word in enumerate(words):
        run = runs[word.course_key]
        assert run is not None, "words of unconnected runs go one at a time"
        org, course = run
        orgs[org.id] = org
        by_org.setdefault(org.id, []).append(_Item(index, word, course))
    outcomes: dict[int, WordOutcome] = {}
    for org_id, items in by_org.items():
        outcomes.update(_apply_in_org(service, session, orgs[org_id], items))
    return [outcomes[i] for i in range(len(words))]


def after_awards(
    service: OpenEdxService,
    session: Session,
    outcomes: list[WordOutcome],
    named: dict[tuple[int, str], bool],
) -> None:
    """Programs naming an awarded course, each in its own unit (as one word at a time
    does); a run no program names costs one query per batch (``named``: whether programs
    name each (organization, course), kept by the caller for the batch)."""
    for outcome in outcomes:
        if outcome.status not in (AWARDED, "already_awarded"):
            continue
        key = (outcome.org.id, outcome.course.course_key)
        if key not in named:
            named[key] = bool(catalog.programs_with_course(session, *key))
        if named[key]:
            service.grading.after_course_award(
                session, outcome.org, outcome.learner_id, outcome.course,
                outcome.word.actor, outcome.word.event_id,
            )  # fmt: skip


def _apply_in_org(
    service: OpenEdxService, session: Session, org: Organization, items: list[_Item]
) -> dict[int, WordOutcome]:
    learners = _learners(service, session, org, items)  # locked
    for item in items:
        item.learner = learners[item.index]
    stored = repository.certificates_for(
        session, org.id, {(_learner(i).id, _key(i)) for i in items}, lock=True
    )
    outcomes: dict[int, WordOutcome] = {}
    fresh: list[_Item] = []
    for item in items:
        item.stored = stored.get((_learner(item).id, _key(item)))
        if item.stored is None or _newer(item.word, item.stored):
            fresh.append(item)
            continue
        status = item.word.status
        answer = f"already_{status}" if item.stored.status == status else "stale"
        outcomes[item.index] = WordOutcome(answer, org, item.course, _learner(item).id, item.word)
    pairs = {(_learner(i).id, i.course.id) for i in fresh}
    standing = awards.course_awards_for_pairs(session, org.id, pairs)
    current = credentials.by_uuids(session, [a.credential_uuid for a in standing.values()])
    grades = awards.grades_for_pairs(session, pairs)
    planned: dict[str | None, list[tuple[_Item, AwardPlan]]] = {}
    revoking: dict[str | None, list[tuple[_Item, IssuedCredential]]] = {}
    for item in fresh:
        learner, word = _learner(item), item.word
        award = standing.get((learner.id, item.course.id))
        record = current.get(award.credential_uuid) if award is not None else None
        item.credential_uuid = item.stored.credential_uuid if item.stored is not None else None
        if word.status == REVOKED:
            if record is not None and record.status != CredentialStatus.REVOKED:
                revoking.setdefault(word.actor, []).append((item, record))
            status = REVOKED
        elif award is None:
            facts = service.facts_of(item.course, grades.get((learner.id, item.course.id)),
                                     word.lms_time)  # fmt: skip
            reason = _award_reason(word)
            plan = AwardPlan(item.course, learner, facts, word.mode, word.event_id, reason)
            planned.setdefault(word.actor, []).append((item, plan))
            continue
        elif record is not None and record.status != CredentialStatus.REVOKED:
            item.credential_uuid, status = record.uuid, "already_awarded"
        else:  # the award's credential was revoked: a new one replaces it
            facts = service.facts_of(item.course, grades.get((learner.id, item.course.id)),
                                     word.lms_time)  # fmt: skip
            issued, _ = service.grading.award_decided(
                session, org, item.course, learner, facts, mode=word.mode,
                event_id=word.event_id, actor=word.actor, reason=_award_reason(word),
            )  # fmt: skip
            item.credential_uuid, status = issued.uuid, AWARDED
        outcomes[item.index] = WordOutcome(status, org, item.course, learner.id, word)
    for actor, plans in planned.items():
        records = service.grading.award_many(session, org, [plan for _, plan in plans], actor)
        for (item, plan), issued_record in zip(plans, records, strict=True):
            item.credential_uuid = issued_record.uuid
            outcomes[item.index] = WordOutcome(
                AWARDED, org, item.course, plan.learner.id, item.word
            )
    _store_words(session, org, fresh)
    _revoke(service, session, org, revoking)
    return outcomes


def _revoke(
    service: OpenEdxService,
    session: Session,
    org: Organization,
    revoking: dict[str | None, list[tuple[_Item, IssuedCredential]]],
) -> None:
    """The credentials the LMS's revocations take, revoked together, each audited."""
    audits: list[dict[str, Any]] = []
    for actor, pairs in revoking.items():
        why = {item.index: item.word.reason or "revoked by the LMS (Open edX)" for item, _ in pairs}
        revoked = service.credential_status.revoke_many(
            session, [(record, why[item.index]) for item, record in pairs], actor
        )
        done = {record.uuid for record in revoked}
        audits.extend(
            _audit_row(org, _learner(item), item, why[item.index], record.uuid)
            for item, record in pairs
            if record.uuid in done
        )
    awards.insert_audit_events(session, audits)


def _store_words(session: Session, org: Organization, fresh: list[_Item]) -> None:
    """The LMS's word on each fresh item: new rows together, changed rows together."""
    now = utcnow()
    new_rows: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for item in fresh:
        word = item.word
        if item.stored is None:
            new_rows.append(
                {
                    "uuid": str(uuid.uuid4()), "org_id": org.id, "learner_id": _learner(item).id,
                    "credential_key": _key(item), "type": COURSE_RUN,
                    "course_run_key": item.course.key, "program_uuid": None, "mode": word.mode,
                    "status": word.status, "lms_time": word.lms_time, "visible_date": None,
                    "date_override": None, "credential_uuid": item.credential_uuid,
                    "created_at": now, "modified_at": now,
                }
            )  # fmt: skip
        else:
            changed.append(
                {
                    "b_id": item.stored.id, "status": word.status, "lms_time": word.lms_time,
                    "mode": word.mode if word.mode is not None else item.stored.mode,
                    "credential_uuid": item.credential_uuid, "modified_at": now,
                }
            )  # fmt: skip
    new_rows.sort(key=lambda row: (row["learner_id"], row["credential_key"]))  # one order
    repository.insert_certificates(session, new_rows)
    repository.update_certificates(session, changed)


def _newer(word: CertificateWord, stored: OpenEdxCertificate) -> bool:
    """``set_certificate_if_newer``'s rule: the LMS's newer word wins; at the same instant a
    revocation wins over an award; the same word again changes nothing."""
    stored_time = as_utc(stored.lms_time)
    if stored_time < word.lms_time:
        return True
    return word.status == REVOKED and stored_time == word.lms_time and stored.status != REVOKED


def _award_reason(word: CertificateWord) -> str:
    return certificate_reason(word.mode, word.event_id)


def _audit_row(
    org: Organization, learner: Learner, item: _Item, why: str, credential_uuid: str
) -> dict[str, Any]:
    return {
        "org_id": org.id, "at": utcnow(), "actor": item.word.actor, "action": REVOKED,
        "kind": CredentialKind.COURSE, "learner_lms_id": learner.lms_id,
        "course_run": item.course.key, "program_slug": None,
        "credential_uuid": credential_uuid, "event_id": item.word.event_id,
        "reason": why[:1000],
    }  # fmt: skip


def _learner(item: _Item) -> Learner:
    assert item.learner is not None
    return item.learner


def _key(item: _Item) -> str:
    return f"{COURSE_RUN}:{item.course.key}"


def _learners(
    service: OpenEdxService, session: Session, org: Organization, items: list[_Item]
) -> dict[int, Learner]:
    """Each word's learner, locked (``lock_learners``). Learners never seen (no username row,
    no user id row, no learner of that LMS id) are created together; known ones are read
    together; anything else is resolved one at a time by ``learner_for``, after the group, in
    order.

    The group's learners are locked, in id order, before any of their rows is written (a
    newer name, an e-mail): a round that wrote one learner's row and then waited for another
    round's learner, while that round waited for this one, would be a deadlock. Those
    resolved one at a time (rare) are locked after them."""
    words = [(item.index, item.word) for item in items]
    logins = Counter(w.login for _, w in words if w.login)
    uids = Counter(w.uid for _, w in words if w.uid)
    users = repository.users_by_usernames(session, org.id, list(logins))
    by_uid = repository.users_by_lms_user_ids(session, org.id, list(uids))
    lms_ids = [w.uid or w.login for _, w in words if w.login and w.login not in users]
    known = awards.learners_by_lms_ids(session, org.id, [i for i in lms_ids if i])
    found: dict[int, int] = {}
    create: dict[int, CertificateWord] = {}
    alone: list[tuple[int, CertificateWord]] = []
    for index, word in words:
        login, uid = word.login, word.uid
        if login is None or logins[login] > 1 or (uid is not None and uids[uid] > 1):
            alone.append((index, word))
        elif login in users:
            user = users[login]
            if uid is None or user.lms_user_id == uid:
                found[index] = user.learner_id
            else:
                alone.append((index, word))  # the user id changes hands: one at a time
        elif (uid is not None and uid in by_uid) or (uid or login) in known:
            alone.append((index, word))  # a renamed user, or a learner of our own API
        else:
            create[index] = word
    refs = {i: learner_ref(w.uid or w.login or "", w.name, w.email) for i, w in create.items()}
    refs = dict(sorted(refs.items(), key=lambda item: item[1].id))  # parallel batches: one order
    learners = _create(session, org, create, refs, found, alone)
    repository.lock_learners(session, {*found.values(), *(made.id for made in learners.values())})
    read = repository.learners_by_ids(session, list(set(found.values())))
    for index, word in words:
        if index not in found:
            continue
        learner = read[found[index]]
        if word.name or word.email:
            ref = learner_ref(learner.lms_id, word.name, word.email)
            if brings_news(ref, learner, word.lms_time):
                learner = service.grading.upsert_learner(session, org, ref, word.lms_time)
        learners[index] = learner
    for index, word in sorted(alone, key=lambda pair: pair[0]):
        learners[index] = service.learner_for(
            session, org, word.username, word.lms_user_id, word.name, word.email, word.lms_time
        )
    repository.lock_learners(session, {learners[index].id for index, _ in alone})
    return learners


def _create(
    session: Session,
    org: Organization,
    create: dict[int, CertificateWord],
    refs: dict[int, LearnerRef],
    found: dict[int, int],
    alone: list[tuple[int, CertificateWord]],
) -> dict[int, Learner]:
    """The learners never seen, created: on PostgreSQL in a transaction of their own,
    committed at once (``create_learners_apart``), so that a parallel consumer meeting them
    reads them instead of waiting for this batch. Returns those this batch created; one a
    parallel writer created first joins ``found`` (its facts are then applied as for any
    known learner), and one whose username row is not its own goes ``alone``."""
    now = utcnow()
    rows = [
        {
            "org_id": org.id, "lms_id": ref.id, "name": ref.name or "", "email": ref.email,
            "holder_did": None,
            "info_timestamp": create[i].lms_time if has_facts(ref) else None,
            "created_at": now, "updated_at": now,
        }
        for i, ref in refs.items()
    ]  # fmt: skip
    usernames = {ref.id: (create[i].login or "", create[i].uid) for i, ref in refs.items()}
    engine = session.get_bind().engine
    made = None
    if rows and not is_sqlite(engine):
        made = repository.create_learners_apart(engine, org.id, rows, usernames)
    if made is None:  # SQLite (one writer), or it would have waited: in this transaction
        awards.insert_learners(session, rows)
        made = {ref.id for ref in refs.values()}
        inserted = awards.learners_by_lms_ids(session, org.id, sorted(made))
        repository.insert_users(
            session,
            [
                {"org_id": org.id, "username": login, "lms_user_id": uid,
                 "learner_id": inserted[lms_id].id}
                for lms_id, (login, uid) in usernames.items()
            ],
        )  # fmt: skip
    created = awards.learners_by_lms_ids(session, org.id, [ref.id for ref in refs.values()])
    owners = repository.users_by_usernames(
        session, org.id, [w.login or "" for w in create.values()]
    )
    learners: dict[int, Learner] = {}
    for index, word in create.items():
        learner = created.get(refs[index].id)
        owner = owners.get(word.login or "")
        if learner is None or owner is None or owner.learner_id != learner.id:
            alone.append((index, word))  # a parallel writer named them otherwise
        elif refs[index].id in made:
            learners[index] = learner
        else:
            found[index] = learner.id  # a parallel writer created them first
    return learners
