"""A learner's name and e-mail from the LMS user API, when the LMS's calls do not carry them.

The LMS's certificate calls name learners by username only. With the organization's LMS URL
and an OAuth2 client (``client_credentials``, a staff service user in the LMS), Laurel asks
``GET {lms}/api/user/v1/accounts/{username}`` with a JWT from ``POST {lms}/oauth2/access_token``.
This must never block an award: short timeouts, every failure is "unknown", and after a
failure the LMS is left alone for a while (the award goes ahead without the name).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from app.models import OpenEdxConnection

log = logging.getLogger("laurel.openedx")

TIMEOUT = httpx.Timeout(2.0, connect=1.0)
#: After a failure, the LMS user API is not asked again for this long (per connection).
BACKOFF_SECONDS = 60.0


@dataclass(frozen=True)
class LmsUser:
    name: str | None
    email: str | None


class LmsUserApi:
    def __init__(self, transport: httpx.BaseTransport | None = None) -> None:
        self._transport = transport
        self._tokens: dict[int, tuple[float, str]] = {}
        self._failed_until: dict[int, float] = {}
        self._lock = threading.Lock()

    @staticmethod
    def configured(connection: OpenEdxConnection) -> bool:
        return bool(
            connection.lms_url and connection.lms_client_id and connection.lms_client_secret
        )

    def user(self, connection: OpenEdxConnection, username: str) -> LmsUser | None:
        """The learner's name and e-mail, or None (not configured, unknown, or any failure)."""
        if not self.configured(connection):
            return None
        now = time.monotonic()
        with self._lock:
            if self._failed_until.get(connection.id, 0.0) > now:
                return None
        try:
            with httpx.Client(timeout=TIMEOUT, transport=self._transport) as client:
                token = self._token(client, connection)
                base = (connection.lms_url or "").rstrip("/")
                response = client.get(
                    f"{base}/api/user/v1/accounts/{quote(username, safe='')}",
                    headers={"Authorization": f"JWT {token}"},
                )
                if response.status_code == 404:
                    return None
                response.raise_for_status()
                data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("LMS user API unavailable (%s); awarding without it", type(exc).__name__)
            with self._lock:
                self._failed_until[connection.id] = now + BACKOFF_SECONDS
                self._tokens.pop(connection.id, None)
            return None
        return LmsUser(name=_text(data, "name"), email=_text(data, "email"))

    def _token(self, client: httpx.Client, connection: OpenEdxConnection) -> str:
        now = time.monotonic()
        with self._lock:
            cached = self._tokens.get(connection.id)
        if cached is not None and cached[0] > now:
            return cached[1]
        base = (connection.lms_url or "").rstrip("/")
        response = client.post(
            f"{base}/oauth2/access_token",
            data={
                "grant_type": "client_credentials",
                "client_id": connection.lms_client_id or "",
                "client_secret": connection.lms_client_secret or "",
                "token_type": "jwt",
            },
        )
        response.raise_for_status()
        body = response.json()
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ValueError("the LMS gave no access token")
        expires_in = body.get("expires_in", 300)
        ttl = float(expires_in) if isinstance(expires_in, (int, float)) else 300.0
        with self._lock:
            self._tokens[connection.id] = (now + max(0.0, ttl - 30.0), token)
        return token


def _text(data: Any, name: str) -> str | None:
    value = data.get(name) if isinstance(data, dict) else None
    return (value.strip() or None) if isinstance(value, str) else None
