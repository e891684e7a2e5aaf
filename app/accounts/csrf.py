"""CSRF tokens for the learner's forms: the synchronizer token pattern (OWASP CSRF Prevention
Cheat Sheet). Each session has one random token; every state-changing form carries it in the
``csrf_token`` field and the server compares it in constant time. SameSite=Lax on the session
cookie is the second line, not the only one."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

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


class SignInForms:
    """CSRF for the forms shown before anyone is signed in (the "Sign in with ..." buttons):
    the signed double-submit cookie (OWASP). The browser holds a random ``laurel_signin``
    cookie; the form carries an HMAC of it under the instance key, which another site can
    neither read nor compute. The same cookie binds the sign-in under way to this browser."""

    _LABEL = b"laurel/signin-form\x00"

    def __init__(self, key: Callable[[], bytes]) -> None:
        self._load = key
        self._key: bytes | None = None

    def token_for(self, browser_secret: str) -> str:
        if self._key is None:
            self._key = self._load()
        mac = hmac.new(self._key, self._LABEL + browser_secret.encode("utf-8"), hashlib.sha256)
        return mac.hexdigest()

    def check(self, browser_secret: str | None, submitted: object) -> None:
        if (
            not browser_secret
            or not isinstance(submitted, str)
            or not hmac.compare_digest(
                submitted.encode("utf-8"), self.token_for(browser_secret).encode("utf-8")
            )
        ):
            raise CsrfRefused(
                "the sign-in form is missing its CSRF token or comes from another page; "
                "reload the sign-in page and try again",
                field=CSRF_FIELD,
            )
