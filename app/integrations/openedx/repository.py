"""All queries of the Open edX integration: connections, course organization codes, usernames
and the LMS's word on each certificate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, false, func, insert, or_, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.db import WouldWait, transaction_apart
from app.models import (
    Course,
    CourseGrade,
    IssuedCredential,
    Learner,
    OpenEdxCertificate,
    OpenEdxConnection,
    OpenEdxCourseOrg,
    OpenEdxUser,
    Organization,
)

# -- connections ------------------------------------------------------------------------------


def connection_of_org(session: Session, org_id: int) -> OpenEdxConnection | None:
    stmt = select(OpenEdxConnection).where(OpenEdxConnection.org_id == org_id)
    return session.exec(stmt).first()


def connection_for_code(
    session: Session, code: str
) -> tuple[OpenEdxConnection, Organization] | None:
    stmt = (
        select(OpenEdxConnection, Organization)
        .join(OpenEdxCourseOrg, col(OpenEdxCourseOrg.connection_id) == col(OpenEdxConnection.id))
        .join(Organization, col(Organization.id) == col(OpenEdxConnection.org_id))
        .where(OpenEdxCourseOrg.code == code)
    )
    row = session.exec(stmt).first()
    return (row[0], row[1]) if row is not None else None


def connections_for_codes(
    session: Session, codes: Sequence[str]
) -> dict[str, tuple[OpenEdxConnection, Organization]]:
    """``connection_for_code`` for many codes in one query."""
    if not codes:
        return {}
    stmt = (
        select(OpenEdxCourseOrg.code, OpenEdxConnection, Organization)
        .join(OpenEdxConnection, col(OpenEdxCourseOrg.connection_id) == col(OpenEdxConnection.id))
        .join(Organization, col(Organization.id) == col(OpenEdxConnection.org_id))
        .where(col(OpenEdxCourseOrg.code).in_(list(codes)))
    )
    return {code: (connection, org) for code, connection, org in session.exec(stmt)}


def courses_by_keys(
    session: Session, org_keys: set[tuple[int, str]]
) -> dict[tuple[int, str], Course]:
    """Course runs by (organization id, run key), in one query."""
    if not org_keys:
        return {}
    stmt = select(Course).where(
        col(Course.org_id).in_({k[0] for k in org_keys}),
        col(Course.key).in_({k[1] for k in org_keys}),
    )
    found = {(c.org_id, c.key): c for c in session.exec(stmt)}
    return {k: course for k, course in found.items() if k in org_keys}


def connections_for_issuer(session: Session, issuer: str) -> list[OpenEdxConnection]:
    stmt = (
        select(OpenEdxConnection)
        .where(OpenEdxConnection.jwt_issuer == issuer)
        .order_by(col(OpenEdxConnection.id))
    )
    return list(session.exec(stmt))


def all_connections(session: Session) -> list[tuple[OpenEdxConnection, Organization]]:
    stmt = (
        select(OpenEdxConnection, Organization)
        .join(Organization, col(Organization.id) == col(OpenEdxConnection.org_id))
        .order_by(col(Organization.slug))
    )
    return [(c, o) for c, o in session.exec(stmt)]


def codes_of(session: Session, connection_id: int) -> list[str]:
    stmt = (
        select(OpenEdxCourseOrg.code)
        .where(OpenEdxCourseOrg.connection_id == connection_id)
        .order_by(col(OpenEdxCourseOrg.code))
    )
    return list(session.exec(stmt))


def code_owners(session: Session, code: str) -> list[OpenEdxCourseOrg]:
    """Every claim of ``code`` in any letter case: ownership is case-blind (``Acme`` and
    ``acme`` are one organization to a person), while course keys match as the LMS sends them."""
    stmt = select(OpenEdxCourseOrg).where(func.lower(OpenEdxCourseOrg.code) == code.lower())
    return list(session.exec(stmt).all())


def replace_codes(session: Session, connection: OpenEdxConnection, codes: Sequence[str]) -> None:
    session.exec(
        delete(OpenEdxCourseOrg).where(col(OpenEdxCourseOrg.connection_id) == connection.id)
    )
    for code in codes:
        session.add(
            OpenEdxCourseOrg(connection_id=connection.id, org_id=connection.org_id, code=code)
        )


# -- usernames --------------------------------------------------------------------------------


def user_by_username(session: Session, org_id: int, username: str) -> OpenEdxUser | None:
    stmt = select(OpenEdxUser).where(OpenEdxUser.org_id == org_id, OpenEdxUser.username == username)
    return session.exec(stmt).first()


def user_by_lms_user_id(session: Session, org_id: int, lms_user_id: str) -> OpenEdxUser | None:
    stmt = select(OpenEdxUser).where(
        OpenEdxUser.org_id == org_id, OpenEdxUser.lms_user_id == lms_user_id
    )
    return session.exec(stmt).first()


def learners_named(session: Session, org_ids: Sequence[int], username: str) -> list[int]:
    """The learner ids an LMS username stands for, in the given organizations."""
    stmt = select(OpenEdxUser.learner_id).where(
        col(OpenEdxUser.org_id).in_(list(org_ids)), OpenEdxUser.username == username
    )
    return list(session.exec(stmt))


# -- certificates -----------------------------------------------------------------------------


def certificate(
    session: Session, org_id: int, learner_id: int, credential_key: str
) -> OpenEdxCertificate | None:
    stmt = select(OpenEdxCertificate).where(
        OpenEdxCertificate.org_id == org_id,
        OpenEdxCertificate.learner_id == learner_id,
        OpenEdxCertificate.credential_key == credential_key,
    )
    return session.exec(stmt).first()


def set_certificate_if_newer(
    session: Session, cert_id: int, status: str, lms_time: datetime, values: dict[str, Any]
) -> bool:
    """Compare-and-set in one statement: the LMS's newer word wins; at the same instant a
    revocation wins over an award (the safe side); the same word again changes nothing."""
    stored = col(OpenEdxCertificate.lms_time)
    tie = (
        and_(stored == lms_time, col(OpenEdxCertificate.status) != status)
        if status == "revoked"
        else false()
    )
    newer = or_(stored < lms_time, tie)
    stmt = (
        update(OpenEdxCertificate)
        .where(col(OpenEdxCertificate.id) == cert_id, newer)
        .values(status=status, lms_time=lms_time, **values)
        .execution_options(synchronize_session=False)
    )
    return session.exec(stmt).rowcount == 1


def set_certificate_credential(session: Session, cert_id: int, credential_uuid: str) -> None:
    session.exec(
        update(OpenEdxCertificate)
        .where(col(OpenEdxCertificate.id) == cert_id)
        .values(credential_uuid=credential_uuid)
        .execution_options(synchronize_session=False)
    )


def certificates_page(
    session: Session,
    org_ids: Sequence[int],
    *,
    learner_ids: Sequence[int] | None,
    status: str | None,
    type_: str | None,
    program_uuid: str | None,
    program_runs: Sequence[str] | None,
    visible_at: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[OpenEdxCertificate, OpenEdxUser | None]], int]:
    """Certificates with a username of their learner, oldest first. ``program_uuid``: the
    program's certificates and its runs' (``program_runs``) course certificates. ``visible_at``:
    only those whose credential is public then (no credential: not listed)."""
    stmt = (
        select(OpenEdxCertificate, OpenEdxUser)
        .join(
            OpenEdxUser,
            and_(
                col(OpenEdxUser.learner_id) == col(OpenEdxCertificate.learner_id),
                col(OpenEdxUser.org_id) == col(OpenEdxCertificate.org_id),
            ),
            isouter=True,
        )
        .where(col(OpenEdxCertificate.org_id).in_(list(org_ids)))
    )
    if learner_ids is not None:
        stmt = stmt.where(col(OpenEdxCertificate.learner_id).in_(list(learner_ids)))
    if status is not None:
        stmt = stmt.where(OpenEdxCertificate.status == status)
    if type_ is not None:
        stmt = stmt.where(OpenEdxCertificate.type == type_)
    if program_uuid is not None:
        stmt = stmt.where(
            or_(
                col(OpenEdxCertificate.program_uuid) == program_uuid,
                col(OpenEdxCertificate.course_run_key).in_(list(program_runs or [])),
            )
        )
    if visible_at is not None:
        stmt = stmt.join(
            IssuedCredential,
            col(IssuedCredential.uuid) == col(OpenEdxCertificate.credential_uuid),
        ).where(
            or_(
                col(IssuedCredential.public_from).is_(None),
                col(IssuedCredential.public_from) <= visible_at,
            )
        )
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(
        stmt.order_by(col(OpenEdxCertificate.created_at), col(OpenEdxCertificate.id))
        .limit(limit)
        .offset(offset)
    )
    return [(c, u) for c, u in rows], total


def run_keys_of_courses(session: Session, org_id: int, course_keys: set[str]) -> list[str]:
    if not course_keys:
        return []
    stmt = select(Course.key).where(
        Course.org_id == org_id, col(Course.course_key).in_(sorted(course_keys))
    )
    return list(session.exec(stmt))


def course_certificates_of(
    session: Session, learner_id: int
) -> list[tuple[OpenEdxCertificate, Course, CourseGrade | None]]:
    """A learner's course-run certificates with their run and stored grade."""
    stmt = (
        select(OpenEdxCertificate, Course, CourseGrade)
        .join(
            Course,
            and_(
                col(Course.org_id) == col(OpenEdxCertificate.org_id),
                col(Course.key) == col(OpenEdxCertificate.course_run_key),
            ),
        )
        .join(
            CourseGrade,
            and_(
                col(CourseGrade.course_id) == col(Course.id),
                col(CourseGrade.learner_id) == col(OpenEdxCertificate.learner_id),
            ),
            isouter=True,
        )
        .where(OpenEdxCertificate.learner_id == learner_id, OpenEdxCertificate.type == "course-run")
        .order_by(col(OpenEdxCertificate.id))
    )
    return [(c, course, g) for c, course, g in session.exec(stmt)]


def learner(session: Session, learner_id: int) -> Learner | None:
    return session.get(Learner, learner_id)


# -- many at once (the event bus's batches) -----------------------------------------------------


def users_by_usernames(
    session: Session, org_id: int, usernames: Sequence[str]
) -> dict[str, OpenEdxUser]:
    if not usernames:
        return {}
    stmt = select(OpenEdxUser).where(
        OpenEdxUser.org_id == org_id, col(OpenEdxUser.username).in_(list(usernames))
    )
    return {user.username: user for user in session.exec(stmt)}


def users_by_lms_user_ids(
    session: Session, org_id: int, lms_user_ids: Sequence[str]
) -> dict[str, OpenEdxUser]:
    if not lms_user_ids:
        return {}
    stmt = select(OpenEdxUser).where(
        OpenEdxUser.org_id == org_id, col(OpenEdxUser.lms_user_id).in_(list(lms_user_ids))
    )
    return {user.lms_user_id: user for user in session.exec(stmt) if user.lms_user_id}


def learners_by_ids(session: Session, ids: Sequence[int]) -> dict[int, Learner]:
    if not ids:
        return {}
    stmt = select(Learner).where(col(Learner.id).in_(list(ids)))
    return {learner.id: learner for learner in session.exec(stmt)}


def lock_learners(session: Session, ids: set[int]) -> None:
    """Row locks on these learners, taken in id order (PostgreSQL; SQLite has one writer and
    no row locks). A parallel batch about any of them (a revocation of a learner another
    consumer is awarding) is waited for here, once, before this one reads their words and
    decides, instead of being met at a unique constraint after the decisions were made,
    which would undo the whole round.

    FOR NO KEY UPDATE, not FOR UPDATE: every transaction that stores a row naming a learner
    (a grade, a certificate, an award) holds FOR KEY SHARE on it until it commits (the
    foreign key), and FOR UPDATE would wait for that: a grade batch that stored one of the
    round's learners' grades and then stores another's would close a cycle with the round.
    Rounds, and writers of the learner's own row, still exclude each other."""
    if ids:
        stmt = (
            select(Learner.id)
            .where(col(Learner.id).in_(sorted(ids)))
            .order_by(col(Learner.id))
            .with_for_update(key_share=True)
        )
        session.exec(stmt).all()


def insert_users(session: Session, rows: list[dict[str, Any]]) -> None:
    """New username rows in one executemany; one a concurrent unit made first raises
    ``IntegrityError`` (the caller undoes the batch)."""
    if rows:
        session.connection().execute(insert(OpenEdxUser.__table__), rows)  # type: ignore[attr-defined]


def certificates_for(
    session: Session, org_id: int, keys: set[tuple[int, str]], *, lock: bool = False
) -> dict[tuple[int, str], OpenEdxCertificate]:
    """The stored words on (learner id, credential key) pairs, as stored now (not as this
    session last saw them). ``lock``: under their row locks, taken in id order (PostgreSQL;
    SQLite has a single writer), so a decision made on them stands until the commit."""
    if not keys:
        return {}
    stmt = (
        select(OpenEdxCertificate)
        .where(
            OpenEdxCertificate.org_id == org_id,
            col(OpenEdxCertificate.learner_id).in_({k[0] for k in keys}),
            col(OpenEdxCertificate.credential_key).in_({k[1] for k in keys}),
        )
        .order_by(col(OpenEdxCertificate.id))
        .execution_options(populate_existing=True)
    )
    if lock:
        stmt = stmt.with_for_update()
    found = {(c.learner_id, c.credential_key): c for c in session.exec(stmt)}
    return {key: cert for key, cert in found.items() if key in keys}


def update_certificates(session: Session, rows: list[dict[str, Any]]) -> None:
    """Changed words (``b_id`` names the row) in one executemany."""
    if rows:
        table = OpenEdxCertificate.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                status=bindparam("b_status"),
                lms_time=bindparam("b_lms_time"),
                mode=bindparam("b_mode"),
                credential_uuid=bindparam("b_credential_uuid"),
                modified_at=bindparam("b_modified_at"),
            ),
            [{f"b_{k}" if not k.startswith("b_") else k: v for k, v in r.items()} for r in rows],
        )


def insert_certificates(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(insert(OpenEdxCertificate.__table__), rows)  # type: ignore[attr-defined]


def create_learners_apart(
    engine: Engine,
    org_id: int,
    learners: list[dict[str, Any]],
    usernames: dict[str, tuple[str, str | None]],
    lock_timeout: str = "2s",
) -> set[str] | None:
    """New learners and their username rows in a transaction of their own, committed at
    once (PostgreSQL): a parallel consumer that meets the same learner finds the committed
    row instead of waiting for this consumer's whole batch to commit. Returns the LMS ids
    this call created (one a parallel writer created first is left as it is, and so is its
    username row); None when a row lock kept it waiting past ``lock_timeout`` (the caller's
    own transaction may hold it: the caller creates them in its transaction instead).

    ``usernames``: per LMS id, the (username, LMS user id) its username row gets."""
    learner_table = Learner.__table__  # type: ignore[attr-defined]
    user_table = OpenEdxUser.__table__  # type: ignore[attr-defined]
    try:
        with transaction_apart(engine, lock_timeout) as conn:
            made = set(
                conn.execute(
                    postgresql.insert(learner_table)
                    .on_conflict_do_nothing(index_elements=["org_id", "lms_id"])
                    .returning(learner_table.c.lms_id),
                    learners,
                ).scalars()
            )
            if made:
                ids = dict(
                    conn.execute(
                        select(learner_table.c.lms_id, learner_table.c.id).where(
                            learner_table.c.org_id == org_id,
                            learner_table.c.lms_id.in_(sorted(made)),
                        )
                    ).all()
                )
                conn.execute(
                    postgresql.insert(user_table).on_conflict_do_nothing(
                        index_elements=["org_id", "username"]
                    ),
                    [
                        {"org_id": org_id, "username": login, "lms_user_id": uid,
                         "learner_id": ids[lms_id]}
                        for lms_id, (login, uid) in sorted(usernames.items())
                        if lms_id in made
                    ],
                )  # fmt: skip
    except WouldWait:
        return None
    return made
