"""CSRF tokens for the learner's forms: the synchronizer token pattern (OWASP CSRF Prevention
Cheat Sheet). Each session has one random token; every state-changing form carries it in the
``csrf_token`` field and the server compares it in constant time. SameSite=Lax on the session
cookie is the second line, not the only one."""

from __future__ import annotations

import hmac

from app.accounts.errors import CsrfRefused
from app.accounts.sessions import SignedInLearner

#: The form field every learner form carries.
CSRF_FIELD = "csrf_token"


def check_csrf(learner: SignedInLearner, submitted: object) -> None:
    """Refuse (403) a form whose token is missing or not this session's."""
    if not isinstance(submitted, str) or not hmac.compare_digest(
        submitted.encode("utf-8"), learner.csrf_token.encode("utf-8")
    ):
        raise CsrfRefused(
            "the form's CSRF token is missing or does not belong to this session; reload "
            "the page and try again",
            field=CSRF_FIELD,
        )
