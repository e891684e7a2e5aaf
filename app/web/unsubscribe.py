"""One-click unsubscribe (RFC 8058): ``POST /mail/unsubscribe/{token}`` with the body
``List-Unsubscribe=One-Click`` (what mail clients send), and a page with a button for people
who open the link (a GET must not unsubscribe: link scanners follow links)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from app.deps import ServicesDep, SessionDep
from app.http.guard import GuardedRoute
from app.web.context import WebContext, WebDep
from app.web.i18n import N_
from app.web.i18n import gettext as _
from app.web.themes import DEFAULT_THEME

router = APIRouter(include_in_schema=False, route_class=GuardedRoute)

_KIND_NAMES = {
    "earned": N_("credential award e-mails"),
    "program": N_("program completion e-mails"),
    "revoked": N_("revocation notices"),
    "expiry": N_("expiry reminders"),
}
_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def _page(web: WebContext, heading: str, kind: str, done: bool) -> HTMLResponse:
    html = web.render(
        ["unsubscribe.html"],
        theme=DEFAULT_THEME,
        heading=heading,
        kind=_(_KIND_NAMES[kind]),
        done=done,
    )
    return HTMLResponse(html, headers=_HEADERS)


@router.get("/mail/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(
    token: str, session: SessionDep, services: ServicesDep, web: WebDep
) -> HTMLResponse:
    _token, kind = services.notifier.check_token(session, token)
    return _page(web, _("Unsubscribe"), kind, done=False)


@router.post("/mail/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe(
    token: str, session: SessionDep, services: ServicesDep, web: WebDep
) -> HTMLResponse:
    _token, kind = services.notifier.unsubscribe(session, token)
    return _page(web, _("Unsubscribed"), kind, done=True)
