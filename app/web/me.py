"""``/me``: the signed-in learner's own page and its forms.

Every form posts with the session's CSRF token (``FormLearner``) and answers 303 back to
``/me`` (post/redirect/get); the decisions and the ownership checks are in
app/accounts/me.py.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse

from app.accounts import oauth_server, providers
from app.accounts.csrf import CSRF_FIELD
from app.deps import CurrentLearner, FormLearner, ServicesDep, SessionDep
from app.errors import NotFound
from app.http.guard import GuardedRoute
from app.issuers.organizations import organization_by_slug
from app.web.context import WebDep
from app.web.i18n import N_, current
from app.web.signin import set_browser_cookie, sign_in_form_policy
from app.web.themes import DEFAULT_THEME

router = APIRouter(include_in_schema=False, route_class=GuardedRoute)

_PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
_STATUS = {"active": N_("Active"), "revoked": N_("Revoked"), "suspended": N_("Suspended")}


def _back(anchor: str = "") -> RedirectResponse:
    # A language picked with ?lang= (kept on the forms' actions) stays picked after the form.
    return RedirectResponse("/me" + current().chosen + anchor, status_code=303, headers=_PRIVATE)


@router.get("/me", response_class=HTMLResponse)
def my_page(
    learner: CurrentLearner, session: SessionDep, services: ServicesDep, web: WebDep
) -> HTMLResponse:
    page = services.learner_pages.page(session, learner)
    mine = {o.org.id for o in page.organizations}
    enabled = providers.sign_in_choices(session)
    others = [{"slug": org.slug, "name": org.name} for _, org in enabled if org.id not in mine]
    html = web.render(
        ["me/me.html"],
        theme=DEFAULT_THEME,
        root="",
        page=page,
        others=others,
        statuses=_STATUS,
        csrf_field=CSRF_FIELD,
        csrf_token=learner.csrf_token,
        signed_in=True,
        # Credentials hosts added through the OB 3.0 / CLR 2.0 API: "from {issuer}".
        received=services.obapi.received_views(session, learner.account_id),
        apps=oauth_server.connected_apps(session, learner.account_id),
    )
    csp = sign_in_form_policy(services, [p.issuer for p, org in enabled if org.id not in mine])
    return HTMLResponse(html, headers={**_PRIVATE, "Content-Security-Policy": csp})


@router.post("/me/credentials/{uuid}/visibility")
def set_visibility(
    uuid: str,
    learner: FormLearner,
    session: SessionDep,
    services: ServicesDep,
    hidden: Annotated[bool, Form()],
) -> RedirectResponse:
    services.learner_pages.set_hidden(session, learner, uuid, hidden)
    return _back(f"#credential-{uuid.lower()}")


@router.post("/me/name")
def choose_name(
    learner: FormLearner,
    session: SessionDep,
    services: ServicesDep,
    name: Annotated[str, Form(max_length=300)] = "",
) -> RedirectResponse:
    services.learner_pages.choose_name(session, learner, name or None)
    return _back("#name")


@router.post("/me/shares")
def create_share(
    learner: FormLearner,
    session: SessionDep,
    services: ServicesDep,
    learner_id: Annotated[int, Form(alias="learner")],
    label: Annotated[str, Form(max_length=200)] = "",
) -> RedirectResponse:
    services.learner_pages.create_share(session, learner, learner_id, label)
    return _back("#shares")


@router.post("/me/shares/{share_id}/revoke")
def revoke_share(
    share_id: str, learner: FormLearner, session: SessionDep, services: ServicesDep
) -> RedirectResponse:
    services.learner_pages.revoke_share(session, learner, share_id)
    return _back("#shares")


@router.post("/me/credentials/{uuid}/wallet")
def wallet_offer(
    uuid: str, learner: FormLearner, session: SessionDep, services: ServicesDep
) -> RedirectResponse:
    """A one-time offer for the learner's own wallet: on to its "Add to wallet" page."""
    opened = services.learner_pages.wallet_offer(session, learner, uuid)
    return RedirectResponse(opened.page_url, status_code=303, headers=_PRIVATE)


@router.post("/me/link/{org}")
def link_account(
    org: str, learner: FormLearner, session: SessionDep, services: ServicesDep
) -> RedirectResponse:
    """Add the person's account at another organization: sign in with its provider; the
    callback links that learner to this account (app/accounts/service.py)."""
    organization = organization_by_slug(session, org)
    if organization is None:
        raise NotFound(f'no organization "{org}"', field="org")
    provider = providers.provider_of(session, organization)
    browser = secrets.token_urlsafe(32)
    url = services.oidc.begin(session, provider, browser, "/me", link_account_id=learner.account_id)
    response = RedirectResponse(url, status_code=303, headers=_PRIVATE)
    set_browser_cookie(response, browser, services.settings)
    return response
