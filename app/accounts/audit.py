"""The audit trail of what learners do themselves: sign-ins, links, hiding, names, shares,
wallet offers. Same table as the awards' trail (``audit_events``), ``kind`` "account" and the
actor ``learner:<account id>``, so one query shows an organization everything about a
learner."""

from __future__ import annotations

from sqlmodel import Session

from app.models import AuditEvent

KIND = "account"


def record(
    session: Session,
    *,
    org_id: int,
    account_id: int,
    action: str,
    learner_lms_id: str | None = None,
    credential_uuid: str | None = None,
    reason: str | None = None,
) -> None:
    session.add(
        AuditEvent(
            org_id=org_id,
            actor=f"learner:{account_id}",
            action=action,
            kind=KIND,
            learner_lms_id=learner_lms_id,
            credential_uuid=credential_uuid,
            reason=reason[:1000] if reason else None,
        )
    )
