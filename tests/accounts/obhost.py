"""An OB 3.0 / CLR 2.0 host (a wallet or backpack), talking to Laurel as §6-7 describe:
discovery, dynamic registration, authorization with PKCE, tokens, the resource API."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from app.accounts import api_scopes
from tests.accounts.clr_setup import learner_row, learner_with_program
from tests.accounts.signin import SignedInBrowser, sign_in
from tests.lms import Lms

REDIRECT = "https://host.example/callback"
ALL_OB = " ".join(api_scopes.OB_SCOPES)


def metadata(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_name": "Example Backpack",
        "client_uri": "https://host.example/",
        "logo_uri": "https://host.example/logo.png",
        "tos_uri": "https://host.example/tos",
        "policy_uri": "https://host.example/privacy",
        "software_id": "c4b7e0c1-backpack",
        "software_version": "1.0",
        "redirect_uris": [REDIRECT],
        "scope": " ".join(api_scopes.OB_SCOPES + api_scopes.CLR_SCOPES),
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@dataclass
class Host:
    """A registered host. ``client`` carries no cookies: it is the host's server."""

    client: TestClient
    client_id: str
    secret: str
    discovery: dict[str, Any]

    @classmethod
    def register(cls, client: TestClient, api: str = "ob", **overrides: Any) -> Host:
        base = "/ims/ob/v3p0" if api == "ob" else "/ims/clr/v2p0"
        discovery = client.get(f"{base}/discovery").json()
        scheme = discovery["components"]["securitySchemes"]["OAuth2ACG"]
        response = client.post(scheme["x-imssf-registrationUrl"], json=metadata(**overrides))
        assert response.status_code == 201, response.text
        body = response.json()
        return cls(client, body["client_id"], body["client_secret"], discovery)

    @property
    def flow(self) -> dict[str, Any]:
        scheme = self.discovery["components"]["securitySchemes"]["OAuth2ACG"]
        return scheme["flows"]["authorizationCode"]  # type: ignore[no-any-return]

    def authorize_params(self, scope: str = ALL_OB, **overrides: str) -> tuple[dict[str, str], str]:
        verifier, challenge = pkce()
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": REDIRECT,
            "scope": scope,
            "state": secrets.token_urlsafe(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        params.update(overrides)
        return params, verifier

    def token(self, form: dict[str, str], secret: str | None = None) -> Any:
        return self.client.post(
            self.flow["tokenUrl"], data=form, auth=(self.client_id, secret or self.secret)
        )

    def exchange(self, code: str, verifier: str) -> Any:
        return self.token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "code_verifier": verifier,
            }
        )

    def revoke(self, token: str) -> Any:
        revoke_url = self.flow["x-imssf-revocationUrl"]
        return self.client.post(
            revoke_url, data={"token": token}, auth=(self.client_id, self.secret)
        )


def approve(browser: TestClient, params: dict[str, str], csrf_token: str) -> str:
    """The signed-in learner opens the consent page and allows; returns the redirect URL."""
    page = browser.get("/oauth2/authorize", params=params)
    assert page.status_code == 200, page.text
    form = {**params, "csrf_token": csrf_token, "decision": "allow"}
    answer = browser.post("/oauth2/authorize", data=form)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]  # type: ignore[no-any-return]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Setup:
    host: Host
    browser: TestClient
    signed: SignedInBrowser
    uuids: dict[str, str]


def make_setup(lms: Lms, new_browser: Callable[[], TestClient]) -> Setup:
    """Grace earned a program at Acme, signed in in her browser; a host registered."""
    uuids = learner_with_program(lms)
    browser = new_browser()
    signed = sign_in(lms.services, browser, learner_row(lms))
    return Setup(Host.register(new_browser()), browser, signed, uuids)


def connect(s: Setup, scope: str = " ".join(api_scopes.OB_SCOPES)) -> dict[str, str]:
    params, verifier = s.host.authorize_params(scope)
    location = approve(s.browser, params, s.signed.csrf_token)
    answer = query_of(location)
    assert location.startswith(REDIRECT + "?")
    assert answer["state"] == params["state"]
    response = s.host.exchange(answer["code"], verifier)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()  # type: ignore[no-any-return]


def audit_actions(setup: Setup) -> list[str]:
    """The api-* actions in the learner's audit trail, oldest first."""
    from sqlmodel import Session, col, select

    from app.models import AuditEvent

    services = setup.host.client.app.state.services  # type: ignore[attr-defined]
    with Session(services.engine) as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.kind == "account").order_by(col(AuditEvent.id))
        ).all()
    account = f"learner:{setup.signed.learner.account_id}"
    return [e.action for e in events if e.actor == account and e.action.startswith("api-")]
