"""The Open edX LMS as the credentials service sees it: JWTs minted the way edx-platform's
``create_jwt_for_user`` mints them, and the calls its Celery tasks make, byte for byte where
it matters (form-encoded grades with Python ``str()`` values, the three credential shapes,
pagination followed while ``next`` is truthy, 429 retried)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import datetime
from typing import Any

import httpx
import jwt
from fastapi.testclient import TestClient

from tests.integrations.openedx.conftest import AUDIENCE, ISSUER, SECRET, SERVICE_USER

CREDENTIALS = "/api/v2/credentials/"
GRADES = "/api/v2/grades/"
COURSE_CERTIFICATES = "/api/v2/course_certificates/"
LEARNER_STATUS = "/api/credentials/v1/learner_cert_status/"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(
    username: str,
    *,
    administrator: bool,
    iss: str = ISSUER,
    aud: str = AUDIENCE,
    expires_in: int = 3600,
    user_id: int = 3,
) -> dict[str, Any]:
    """``_create_jwt`` with the default scopes (email, profile), as the LMS's tasks call it."""
    now = int(time.time())
    return {
        "aud": aud,
        "exp": now + expires_in,
        "grant_type": "",
        "iat": now,
        "iss": iss,
        "preferred_username": username,
        "scopes": ["email", "profile"],
        "version": "1.2.0",
        "sub": hashlib.md5(f"anon-{user_id}".encode()).hexdigest(),
        "filters": [],
        "is_restricted": False,
        "email_verified": True,
        "email": f"{username}@lms.example.org",
        "name": None if administrator else username.title(),
        "family_name": "",
        "given_name": "",
        "administrator": administrator,
        "superuser": False,
    }


def pyjwkest_hs256(payload: dict[str, Any], secret: str) -> str:
    """Older releases (pyjwkest): the header is exactly ``{"alg":"HS256"}``, no ``typ``."""
    header = _b64(b'{"alg":"HS256"}')
    signing_input = f"{header}.{_b64(json.dumps(payload).encode())}"
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def pyjwt_hs256(payload: dict[str, Any], secret: str) -> str:
    """Current releases (PyJWT over a ``{"kty": "oct"}`` JWK of the secret)."""
    return jwt.encode(payload, secret, algorithm="HS256")


def service_token(secret: str = SECRET, **kw: Any) -> str:
    return pyjwkest_hs256(claims(SERVICE_USER, administrator=True, **kw), secret)


def learner_token(username: str, secret: str = SECRET, **kw: Any) -> str:
    return pyjwt_hs256(claims(username, administrator=False, **kw), secret)


class LmsClient:
    """The LMS's ``get_credentials_api_client``: a session sending ``Authorization: JWT``."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client = client
        self.token = token

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"JWT {self.token}"}

    def post_json(self, path: str, body: Any) -> httpx.Response:
        return self.client.post(path, json=body, headers=self.headers)

    def post_form(self, path: str, data: dict[str, Any]) -> httpx.Response:
        """``requests.post(url, data=...)``: None values dropped, the rest ``str()``."""
        form = {k: str(v) for k, v in data.items() if v is not None}
        return self.client.post(path, data=form, headers=self.headers)

    def get(self, path: str, params: dict[str, Any]) -> httpx.Response:
        return self.client.get(path, params=params, headers=self.headers)

    # -- the tasks ----------------------------------------------------------------------------

    def post_course_certificate(
        self,
        username: str,
        run: str,
        mode: str = "verified",
        status: str = "awarded",
        date_override: datetime | None = None,
        visible_date: str | None = None,
    ) -> httpx.Response:
        body: dict[str, Any] = {
            "username": username,
            "status": status,
            "credential": {"course_run_key": run, "mode": mode, "type": "course-run"},
            "date_override": {"date": date_override.strftime("%Y-%m-%dT%H:%M:%SZ")}
            if date_override
            else None,
        }
        if visible_date is not None:  # older releases
            body["attributes"] = [{"name": "visible_date", "value": visible_date}]
        return self.post_json(CREDENTIALS, body)

    def award_program(self, username: str, user_id: int, program_uuid: str) -> httpx.Response:
        return self.post_json(
            CREDENTIALS,
            {
                "username": username,
                "lms_user_id": user_id,
                "credential": {"type": "program", "program_uuid": program_uuid},
            },
        )

    def revoke_program(self, username: str, program_uuid: str) -> httpx.Response:
        return self.post_json(
            CREDENTIALS,
            {
                "username": username,
                "status": "revoked",
                "credential": {"type": "program", "program_uuid": program_uuid},
            },
        )

    def send_grade(
        self,
        username: str,
        run: str,
        letter_grade: str | None,
        percent_grade: float,
        verified: bool,
        last_updated: datetime | None,
    ) -> httpx.Response:
        return self.post_form(
            GRADES,
            {
                "username": username,
                "course_run": run,
                "letter_grade": letter_grade,
                "percent_grade": percent_grade,
                "verified": verified,
                "lms_last_updated_at": last_updated,
            },
        )

    def get_credentials(self, username: str, credential_type: str = "program") -> list[Any]:
        """``get_credentials``: page 1, then ``page=2, 3...`` while ``next`` is truthy."""
        query: dict[str, Any] = {
            "username": username,
            "status": "awarded",
            "only_visible": "True",
            "type": credential_type,
        }
        results: list[Any] = []
        page = 1
        while True:
            response = self.get(CREDENTIALS, {**query, **({"page": page} if page > 1 else {})})
            response.raise_for_status()
            data = response.json()
            results += data["results"]
            if not data["next"]:
                return results
            page += 1

    def with_retries(self, call: Any, attempts: int = 5) -> httpx.Response:
        """A Celery task's retry on 429: wait as ``Retry-After`` says, then call again."""
        for _ in range(attempts):
            response: httpx.Response = call()
            if response.status_code != 429:
                return response
            time.sleep(float(response.headers["Retry-After"]))
        return response
