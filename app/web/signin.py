"""Signing in with the organization's OpenID Connect provider, and out.

- ``GET /signin``: one button per organization that has a provider. Sets the ``laurel_signin``
  cookie (random; binds the sign-in to this browser and signs its forms' CSRF token).
- ``POST /signin/{org}``: starts the authorization code flow (app/accounts/oidc.py) and sends
  the browser to the provider.
- ``GET /signin/callback``: the provider's answer. It writes (the sign-in under way is used up,
  a session starts): the one GET that does, because OAuth 2.0 redirects are GETs (RFC 6749
  §4.1.2).
- ``POST /signout``: ends the server-side session and clears the cookie (a form with the
  session's CSRF token: a GET would let any page sign the learner out).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from app.accounts import audit, providers
from app.accounts.csrf import CSRF_FIELD
from app.accounts.errors import SignInFailed
from app.accounts.service import finish_sign_in
from app.accounts.sessions import end_session
from app.config import Settings
from app.container import Services
from app.deps import FormLearner, OptionalLearner, ServicesDep, SessionDep
from app.http.guard import GuardedRoute
from app.issuers.organizations import organization_by_slug
from app.web.context import WebDep
from app.web.security_headers import PAGE_DIRECTIVES, policy
from app.web.session_cookie import clear_session_cookie, is_secure, set_session_cookie
from app.web.themes import DEFAULT_THEME

router = APIRouter(include_in_schema=False, route_class=GuardedRoute)

#: The pre-sign-in cookie (HttpOnly, SameSite=Lax): binds a sign-in under way to this browser.
SIGNIN_COOKIE = "laurel_signin"
_NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return origin if _ORIGIN.match(origin) else None


def sign_in_form_policy(services: Services, issuers: Iterable[str]) -> str:
    """The page policy, with the providers' origins allowed as form targets: a sign-in form
    posts here and is redirected there, and browsers apply ``form-action`` to the redirect
    too (CSP Level 3 §6.3.1.1)."""
    origins: set[str] = set()
    for issuer in issuers:
        urls = [issuer]
        known = services.oidc.discovery.cached_metadata(issuer)
        if known is not None:
            urls.append(known.authorization_endpoint)
        origins.update(o for o in map(_origin, urls) if o)
    directives = [
        " ".join(["form-action 'self'", *sorted(origins)]) if d.startswith("form-action") else d
        for d in PAGE_DIRECTIVES
    ]
    return policy(directives)


def safe_return_to(value: str | None) -> str:
    """Only a path on this site (never ``//host`` or a scheme): no open redirect."""
    if (
        not value
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(ord(c) < 0x21 for c in value)
        or len(value) > 500
    ):
        return "/me"
    return value


def _browser_secret(request: Request) -> str | None:
    value = request.cookies.get(SIGNIN_COOKIE)
    return value if value and 20 <= len(value) <= 100 else None


def set_browser_cookie(response: Response, value: str, settings: Settings) -> None:
    response.set_cookie(
        SIGNIN_COOKIE,
        value,
        max_age=3600,
        path="/",
        secure=is_secure(settings),
        httponly=True,
        samesite="lax",
    )


@router.get("/signin", response_class=HTMLResponse)
def sign_in_page(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: WebDep,
    learner: OptionalLearner,
    next: str | None = None,
) -> Response:
    browser = _browser_secret(request) or secrets.token_urlsafe(32)
    enabled = providers.sign_in_choices(session)
    choices = [{"slug": org.slug, "name": org.name} for _, org in enabled]
    html = web.render(
        ["me/signin.html"],
        theme=DEFAULT_THEME,
        root="",
        choices=choices,
        next=safe_return_to(next),
        csrf_token=services.signin_forms.token_for(browser),
        csrf_field=CSRF_FIELD,
        learner=learner,
        signed_in=learner is not None,
    )
    csp = sign_in_form_policy(services, [provider.issuer for provider, _ in enabled])
    response = HTMLResponse(html, headers={**_NO_STORE, "Content-Security-Policy": csp})
    set_browser_cookie(response, browser, services.settings)
    return response


@router.post("/signin/{org}")
def start_sign_in(
    org: str,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    csrf_token: Annotated[str | None, Form()] = None,
    next: Annotated[str | None, Form()] = None,
) -> RedirectResponse:
    browser = _browser_secret(request)
    services.signin_forms.check(browser, csrf_token)
    assert browser is not None
    organization = organization_by_slug(session, org)
    if organization is None:
        raise SignInFailed(f'no organization "{org}"', field="org")
    provider = providers.provider_of(session, organization)
    if not provider.enabled:
        raise SignInFailed(f"sign-in with {organization.name} is turned off", field="org")
    url = services.oidc.begin(session, provider, browser, safe_return_to(next))
    return RedirectResponse(url, status_code=303, headers=_NO_STORE)


@router.get("/signin/callback", response_class=HTMLResponse)
def sign_in_callback(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: WebDep,
    learner: OptionalLearner,
) -> Response:
    params = {k: v for k, v in request.query_params.items() if isinstance(v, str)}
    try:
        verified = services.oidc.complete(session, params, _browser_secret(request))
        done = finish_sign_in(
            session, verified, learner, services.settings.learner_session_ttl_seconds
        )
    except SignInFailed as exc:
        # The used-up sign-in stays used up: this answer is committed, the error shown.
        html = web.render(
            ["me/signin_error.html"],
            theme=DEFAULT_THEME,
            root="",
            detail=exc.detail,
            # "No record yet" is told in the reader's language; other failures are technical.
            org_name=exc.extra.get("org_name"),
        )
        return HTMLResponse(html, status_code=exc.status, headers=_NO_STORE)
    response = RedirectResponse(done.return_to, status_code=303, headers=_NO_STORE)
    set_session_cookie(response, done.token, services.settings)
    response.delete_cookie(SIGNIN_COOKIE, path="/", secure=is_secure(services.settings))
    return response


@router.post("/signout")
def sign_out(learner: FormLearner, session: SessionDep, services: ServicesDep) -> RedirectResponse:
    end_session(session, learner.session_id)
    for ref in learner.learners:
        audit.record(
            session,
            org_id=ref.org_id,
            account_id=learner.account_id,
            action="signed_out",
            learner_lms_id=ref.lms_id,
        )
    response = RedirectResponse("/", status_code=303, headers=_NO_STORE)
    clear_session_cookie(response, services.settings)
    return response
