"""Errors of the wallet flows.

The VC-API exchange and the pages answer with problem details (``AppError``); the OID4VCI
endpoints answer with OAuth 2.0 error JSON (RFC 6749 §5.2, RFC 6750 §3, OID4VCI 1.0 §8.3.1),
which ``OAuthError`` carries.
"""

from __future__ import annotations

import re
from typing import Any

from app.errors import AppError, Conflict, Forbidden, NotFound


class OfferNotFound(NotFound):
    code = "offer-not-found"
    title = "No such wallet offer"


class OfferGone(AppError):
    """The offer can no longer be claimed: used, expired or withdrawn (``reason`` says which)."""

    status = 410
    code = "offer-gone"
    title = "Wallet offer no longer valid"

    def __init__(self, detail: str, reason: str) -> None:
        super().__init__(detail, field="offer", reason=reason)
        self.reason = reason


class HolderMismatch(Forbidden):
    code = "holder-mismatch"
    title = "Bound to another holder"


class CredentialUnavailable(Conflict):
    """The awarded credential cannot be copied into a wallet (revoked, suspended, not yet out)."""

    code = "credential-unavailable"
    title = "Credential unavailable"


class PresentationRejected(AppError):
    """The DID-authentication presentation did not prove control of the holder DID."""

    status = 400
    code = "invalid-presentation"
    title = "Presentation rejected"


#: OID4VCI 1.0 §8.3.1.2 / RFC 6749 §5.2: error_description is ASCII without " and \.
_UNSAFE = re.compile(r"[^\x20-\x21\x23-\x5b\x5d-\x7e]")


def safe_description(text: str) -> str:
    """``text`` in the characters an OAuth ``error_description`` may hold (RFC 6749 §5.2)."""
    return _UNSAFE.sub("'", text.replace('"', "'"))


class OAuthError(Exception):
    """An OAuth 2.0 / OID4VCI error answer: ``{"error": ..., "error_description": ...}``."""

    def __init__(
        self,
        error: str,
        description: str,
        *,
        status: int = 400,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(description)
        self.error = error
        self.description = safe_description(description)
        self.status = status
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.description, **self.extra}

    def headers(self) -> dict[str, str]:
        headers = {"Cache-Control": "no-store"}
        if self.status == 401:
            # RFC 6750 §3: the challenge names the error.
            headers["WWW-Authenticate"] = (
                f'Bearer realm="laurel", error="{self.error}", '
                f'error_description="{self.description}"'
            )
        return headers
