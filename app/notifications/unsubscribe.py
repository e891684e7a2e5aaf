"""One-click unsubscribe links (RFC 8058): a signed (learner, kind) pair, nothing stored.

The token is ``<learner id>.<kind>.<mac>``, the MAC an HMAC-SHA256 under a key derived from
the instance's nonce key (app.wallet.nonces), so a link cannot be forged for another learner
or kind, and it works for as long as the key does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable

from app.models.enums import MailKind

_PURPOSE = b"laurel mail unsubscribe v1"


class UnsubscribeTokens:
    def __init__(self, key: Callable[[], bytes]) -> None:
        self._load = key
        self._key: bytes | None = None

    def _mac(self, payload: str) -> str:
        if self._key is None:  # first use: the key file may be made now
            self._key = hmac.new(self._load(), _PURPOSE, hashlib.sha256).digest()
        mac = hmac.new(self._key, payload.encode(), hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def token(self, learner_id: int, kind: str) -> str:
        payload = f"{learner_id}.{kind}"
        return f"{payload}.{self._mac(payload)}"

    def open(self, token: str) -> tuple[int, MailKind] | None:
        """The learner and kind a genuine token names; None for anything else."""
        parts = token.split(".")
        if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 18:
            return None
        learner, kind, mac = parts
        if kind not in MailKind.__members__.values():
            return None
        if not hmac.compare_digest(mac, self._mac(f"{learner}.{kind}")):
            return None
        return int(learner), MailKind(kind)
