"""The learner session cookie's attributes, in one place: ``HttpOnly`` (no script reads it),
``SameSite=Lax`` (other sites' forms do not carry it), ``Secure`` when the public base URL is
https, ``Path=/`` (RFC 6265bis §4.1)."""

from __future__ import annotations

from starlette.responses import Response

from app.accounts.sessions import SESSION_COOKIE
from app.config import Settings


def is_secure(settings: Settings) -> bool:
    return settings.public_base_url().startswith("https://")


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.learner_session_ttl_seconds,
        path="/",
        secure=is_secure(settings),
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=is_secure(settings), httponly=True, samesite="lax"
    )
