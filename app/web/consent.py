"""The authorization endpoint of the OB 3.0 / CLR 2.0 API (RFC 6749 §3.1, §4.1.1; OB 3.0
§7.1.3): the signed-in learner sees which application asks for what, and allows or denies.

GET shows the consent page (a browser not signed in is sent to sign in first and comes back);
POST carries the session's CSRF token and answers with a 303 to the application's registered
redirect URI: ``code`` and ``state``, or ``error=access_denied``. An unknown client or
redirect URI is told to the person, never redirected to (RFC 6749 §4.1.2.1).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.accounts import oauth_server
from app.accounts.oauth_server import AuthorizationRequest, AuthorizeRefused, RedirectError
from app.accounts.sessions import SignedInLearner
from app.deps import CurrentLearner, FormLearner, SessionDep
from app.http.guard import GuardedRoute
from app.web.context import WebContext, WebDep
from app.web.i18n import current
from app.web.security_headers import PAGE_DIRECTIVES

router = APIRouter(include_in_schema=False, route_class=GuardedRoute)
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


def _redirect(uri: str, params: dict[str, str]) -> RedirectResponse:
    joiner = "&" if urlsplit(uri).query else "?"
    return RedirectResponse(uri + joiner + urlencode(params), status_code=303, headers=NO_STORE)


def _refused(web: WebContext, message: str) -> HTMLResponse:
    html = web.render(
        ["accounts/consent.html"],
        theme=web.themes.for_org(None),
        refused=message,
        request=None,
        learner=None,
        csrf_token="",
    )
    return HTMLResponse(html, status_code=400, headers=NO_STORE)


def _policy(redirect_uri: str) -> str:
    """The page policy, with the application's origin allowed as a form target: browsers
    apply ``form-action`` to the redirect that follows the form (CSP Level 3 §6.3.1)."""
    parts = urlsplit(redirect_uri)
    origin = f"{parts.scheme}://{parts.netloc}"
    directives = [f"{d} {origin}" if d.startswith("form-action") else d for d in PAGE_DIRECTIVES]
    return "; ".join(directives)


def _page(web: WebContext, request: AuthorizationRequest, learner: SignedInLearner) -> Response:
    html = web.render(
        ["accounts/consent.html"],
        theme=web.themes.for_org(None),
        refused=None,
        request=request,
        client=request.client,
        scopes=request.scope_descriptions(),
        params=request.params(),
        learner=learner,
        csrf_token=learner.csrf_token,
        signed_in=True,
    )
    headers = {**NO_STORE, "Content-Security-Policy": _policy(request.redirect_uri)}
    return HTMLResponse(html, headers=headers)


def _params(source: Any) -> dict[str, Any]:
    return {name: source.get(name) for name in PARAMS if source.get(name) is not None}


@router.get("/oauth2/authorize", response_class=HTMLResponse)
def authorize_page(
    request: Request, learner: CurrentLearner, session: SessionDep, web: WebDep
) -> Response:
    try:
        checked = oauth_server.check_authorization(session, _params(request.query_params))
    except AuthorizeRefused as exc:
        return _refused(web, str(exc))
    except RedirectError as exc:
        return _redirect(exc.redirect_uri, exc.params())
    return _page(web, checked, learner)


@router.post("/oauth2/authorize")
async def authorize_decision(
    request: Request, learner: FormLearner, session: SessionDep, web: WebDep
) -> Response:
    form = await request.form()
    try:
        checked = oauth_server.check_authorization(session, _params(form))
    except AuthorizeRefused as exc:
        return _refused(web, str(exc))
    except RedirectError as exc:
        return _redirect(exc.redirect_uri, exc.params())
    state = {"state": checked.state} if checked.state is not None else {}
    if form.get("decision") != "allow":
        denied = {"error": "access_denied", "error_description": "the learner said no"}
        return _redirect(checked.redirect_uri, denied | state)
    code = oauth_server.issue_code(session, checked, learner.account_id)
    return _redirect(checked.redirect_uri, {"code": code} | state)


@router.post("/me/apps/{client_id}/disconnect")
def disconnect_app(client_id: str, learner: FormLearner, session: SessionDep) -> Response:
    """The learner withdraws an application's access (a CSRF-protected form on /me)."""
    oauth_server.disconnect(session, learner.account_id, client_id)
    return RedirectResponse(f"/me{current().chosen}#apps", status_code=303, headers=NO_STORE)
