"""JWK thumbprints (RFC 7638): the ``kid`` and DID URL fragment of every key we publish."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from app.core.did.document import b64url_encode, jwk_from_public_key

__all__ = ["public_jwk", "thumbprint"]

public_jwk = jwk_from_public_key

_THUMBPRINT_MEMBERS = {
    "OKP": ("crv", "kty", "x"),
    "EC": ("crv", "kty", "x", "y"),
    "RSA": ("e", "kty", "n"),
}


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 §3: SHA-256 over the required members, sorted, no whitespace."""
    members = _THUMBPRINT_MEMBERS[jwk["kty"]]
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return b64url_encode(hashlib.sha256(canonical.encode()).digest())
