"""Who may try a client secret now (POST /oauth/token).

Each attempt costs a scrypt hash (~70 ms of CPU), so attempts are limited per client address
and per client id, and a client id with too many wrong secrets is locked for a while. Known
and unknown client ids are treated alike (no way to tell which exist).
"""

from __future__ import annotations

import hashlib

from app.http.rate_limit import Limiter, Rate, RateLimited


def _key(kind: str, value: str) -> str:
    # Attacker-chosen values of any length: a fixed-size key.
    return f"token:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


class TokenThrottle:
    def __init__(
        self, limiter: Limiter, per_minute: int, failures: int, lockout_seconds: int
    ) -> None:
        self.limiter = limiter
        self.requests = Rate(per_minute, 60.0)
        self.failures = Rate(failures, float(lockout_seconds))

    def admit(self, address: str, client_id: str) -> None:
        """Before the secret is hashed: refused while the client id is locked (the longest
        wait, so it comes first and costs no token), or over either request rate."""
        wait = self.limiter.wait(_key("fail", client_id), self.failures)
        if wait:
            raise RateLimited(
                "too many wrong secrets for this client: it is locked for a while",
                wait,
                field="client_id",
            )
        wait = self.limiter.take(_key("addr", address), self.requests)
        if wait:
            raise RateLimited("too many token requests from this address", wait)
        wait = self.limiter.take(_key("client", client_id), self.requests)
        if wait:
            raise RateLimited("too many token requests for this client", wait, field="client_id")

    def failed(self, client_id: str) -> None:
        """A wrong secret (or unknown id): one step closer to the lockout."""
        self.limiter.take(_key("fail", client_id), self.failures)
