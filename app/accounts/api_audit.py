"""What hosts do with the OB 3.0 / CLR 2.0 API goes into the learner's audit trail
(app/accounts/audit.py): approvals, credentials they add, revocations, and replays that
revoked a grant. One event per organization the person has a learner in, since each
organization reads its own trail."""

from __future__ import annotations

from sqlmodel import Session

from app.accounts import audit
from app.accounts import repository as accounts

APPROVED = "api-approved"
UPSERTED = "api-upserted"
REVOKED = "api-revoked"
REPLAYED = "api-replayed"
#: The learner withdrew a host's access on /me.
DISCONNECTED = "api-disconnect"


def record(session: Session, account_id: int, action: str, reason: str) -> None:
    for learner in accounts.linked_learners(session, account_id):
        audit.record(
            session,
            org_id=learner.org_id,
            account_id=account_id,
            action=action,
            learner_lms_id=learner.lms_id,
            reason=reason,
        )
