"""Who is looking at a public credential URL: a credential its learner hid answers 404 to
everyone but its signed-in owner (app/credentials/visibility.py), and the owner's view of it
is never stored by a shared cache."""

from __future__ import annotations

from sqlmodel import Session
from starlette.responses import Response

from app.accounts.sessions import SignedInLearner
from app.credentials.visibility import is_hidden
from app.models import IssuedCredential


def viewer_account(learner: SignedInLearner | None) -> int | None:
    return learner.account_id if learner is not None else None


def private_if_hidden(session: Session, record: IssuedCredential, response: Response) -> Response:
    if is_hidden(session, record):
        response.headers["Cache-Control"] = "private, no-store"
    return response
