"""Errors of learner accounts, rendered like every AppError (problem+json, or a page)."""

from __future__ import annotations

from app.errors import AppError, Forbidden, Unauthorized


class SignInRequired(Unauthorized):
    """No signed-in learner: browsers are sent to the sign-in page (app/web/signin.py)."""

    code = "sign-in-required"
    title = "Sign in required"


class CsrfRefused(Forbidden):
    """A form without this session's CSRF token (OWASP: synchronizer token pattern)."""

    code = "csrf-refused"
    title = "Form expired or forged"


class SignInFailed(AppError):
    """The provider's answer could not sign anyone in; ``detail`` says why."""

    status = 400
    code = "sign-in-failed"
    title = "Sign-in failed"
