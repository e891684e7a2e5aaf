"""``Authorization: JWT <token>`` as the Open edX LMS sends it to the credentials service.

The LMS mints the token itself (edx-platform ``create_jwt_for_user``): HS256 with its
``JWT_AUTH['JWT_SECRET_KEY']`` (header ``{"alg":"HS256"}``, with or without ``typ``), or,
when asymmetric JWTs are forced, RS256/ES256 with its private signing JWK (we fetch the
public keys from the organization's JWKS URL). Claims: ``iss``, ``aud``, ``exp``, ``iat``,
``preferred_username``, ``administrator`` (``user.is_staff``), ``scopes``, ``sub`` (a hash),
``grant_type`` ("" here), ``name`` (null for service users), ``version``, ``filters``...

A token is accepted by every connection whose issuer, audience and key it satisfies (one
LMS may serve several Laurel organizations, each owning some course organization codes).
Wrong signature, issuer, audience or an expired token: 401. The secret is never logged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from jwt import PyJWK, PyJWKSet
from sqlmodel import Session

from app.errors import Forbidden, InvalidInput, Unauthorized
from app.integrations.openedx import repository
from app.models import OpenEdxConnection
from app.verification.fetch import FETCH_REFUSED, Fetcher, FetchError

log = logging.getLogger("laurel.openedx")

ASYMMETRIC = ("RS256", "ES256")
#: edx-drf-extensions verifies with a small leeway too; clocks of two servers drift.
LEEWAY_SECONDS = 30
_REQUIRED = ["exp", "iss", "aud"]


class JwtUnauthorized(Unauthorized):
    """A 401 whose challenge names the scheme the LMS uses (as edx-drf-extensions does)."""

    challenge = 'JWT realm="api"'


@dataclass(frozen=True)
class LmsCaller:
    """Who is calling: the LMS user the JWT names, and the connections that accepted it."""

    username: str
    administrator: bool
    connections: tuple[OpenEdxConnection, ...]
    claims: dict[str, Any] = field(default_factory=dict)

    @property
    def org_ids(self) -> list[int]:
        return [c.org_id for c in self.connections]

    @property
    def writer_of(self) -> list[int]:
        """Organizations this caller may write to: its service user, staff in the LMS."""
        return [
            c.org_id
            for c in self.connections
            if self.administrator and self.username == c.service_user
        ]

    @property
    def restricted(self) -> bool:
        """A token minted for a restricted OAuth application (``is_restricted``, limited by
        its ``scopes``/``filters``): edx-drf-extensions' ``NotJwtRestrictedApplication``
        refuses it on every view that does not opt in, and no write view here opts in."""
        return self.claims.get("is_restricted") is True

    def require_writer(self) -> None:
        if self.restricted:
            raise Forbidden("a restricted application's JWT may not write", field="Authorization")
        if not self.writer_of:
            raise Forbidden(
                "only the LMS's credentials service user (administrator) may write",
                field="Authorization",
            )

    def may_read_user(self, username: str | None) -> bool:
        """Staff read anyone's credentials; a learner only their own (DRF's permission)."""
        if self.administrator:
            return True
        return username is not None and username.lower() == self.username.lower()

    @property
    def actor(self) -> str:
        return f"openedx:{self.username}"[:100]


class JwksCache:
    """Public keys per JWKS URL, fetched on first use and again after ``ttl`` seconds or
    when a token names a key id not in the cached set (at most once per ``min_refetch``).

    The URL is set by a tenant, so fetching goes through the verifier's SSRF-safe
    ``Fetcher`` (https and public hosts only, unless in ``LAUREL_FETCH_ALLOWED_HOSTS``), and
    a slow or failing URL must not hold request threads: one fetch per URL is in flight at a
    time (other requests use the keys at hand or fail at once), and a failure is remembered
    for a backoff (``min_refetch`` doubling up to ``ttl``) before the URL is tried again."""

    def __init__(
        self,
        fetcher: Fetcher | None = None,
        ttl: float = 300.0,
        min_refetch: float = 10.0,
    ) -> None:
        self._fetcher = fetcher
        self._fetch: Callable[[str], Any] = fetcher.get_json if fetcher else _fetch_jwks
        self.ttl = ttl
        self.min_refetch = min_refetch
        self._keys: dict[str, tuple[float, list[PyJWK]]] = {}
        self._tried: dict[str, float] = {}  # last fetch attempt per URL (success or not)
        self._failures: dict[str, tuple[float, float]] = {}  # URL -> (retry after, backoff)
        self._in_flight: set[str] = set()
        self._lock = threading.Lock()

    def keys(self, url: str, kid: str | None) -> list[PyJWK]:
        now = time.monotonic()
        with self._lock:
            cached = self._keys.get(url)
            failed = self._failures.get(url)
            tried = self._tried.get(url, -1e18)
            stale = cached is None or now - cached[0] > self.ttl
            unknown_kid = (
                cached is not None
                and kid is not None
                and all(k.key_id != kid for k in cached[1])
                and now - tried > self.min_refetch
            )
            backing_off = failed is not None and now < failed[0]
            fetch = (stale or unknown_kid) and not backing_off and url not in self._in_flight
            if fetch:
                self._in_flight.add(url)
                self._tried[url] = now
        if fetch:
            cached = self._refresh(url, cached, failed)
        if cached is None:
            raise JwtUnauthorized(SIGNATURE_FAILS, field="Authorization")
        keys = cached[1]
        if kid is not None:
            named = [k for k in keys if k.key_id == kid]
            return named or keys
        return keys

    def check_url(self, url: str) -> None:
        """Refuse (422) a JWKS URL the fetch policy forbids, when it is set (connect time):
        not https, or a host resolving to a non-public address, unless the host is in
        ``LAUREL_FETCH_ALLOWED_HOSTS``. A host that does not resolve now is let through."""
        if self._fetcher is None:
            return
        try:
            self._fetcher.check(url)
        except FetchError as exc:
            if exc.code == FETCH_REFUSED:
                raise InvalidInput(f'"jwks_url": {exc}', field="jwks_url") from None

    def _refresh(
        self,
        url: str,
        cached: tuple[float, list[PyJWK]] | None,
        failed: tuple[float, float] | None,
    ) -> tuple[float, list[PyJWK]] | None:
        try:
            data = self._fetch(url)
            if not isinstance(data, dict):
                raise ValueError("a JWKS is a JSON object")
            found = (time.monotonic(), _parse_jwks(data))
        except (FetchError, httpx.HTTPError, ValueError, jwt.PyJWTError) as exc:
            backoff = min(self.ttl, failed[1] * 2) if failed else self.min_refetch
            log.warning("JWKS at %s unavailable (%s); next try in %.0f s", url,
                        type(exc).__name__, backoff)  # fmt: skip
            with self._lock:
                self._failures[url] = (time.monotonic() + backoff, backoff)
                self._in_flight.discard(url)
            return cached
        with self._lock:
            self._keys[url] = found
            self._failures.pop(url, None)
            self._in_flight.discard(url)
        return found


#: One message for a key that could not be fetched and a signature that does not verify:
#: a tenant who sets the JWKS URL must not learn whether an internal address answered.
SIGNATURE_FAILS = "the JWT's signature does not verify"


def _fetch_jwks(url: str) -> dict[str, Any]:
    raise FetchError(url, "no fetcher configured for JWKS", FETCH_REFUSED)


def _parse_jwks(data: dict[str, Any]) -> list[PyJWK]:
    usable = [
        k
        for k in data.get("keys", [])
        if isinstance(k, dict) and k.get("kty") in ("RSA", "EC") and k.get("use", "sig") == "sig"
    ]
    return list(PyJWKSet.from_dict({"keys": usable}).keys) if usable else []


class LmsJwtVerifier:
    def __init__(self, jwks: JwksCache | None = None) -> None:
        self.jwks = jwks or JwksCache()

    def caller(self, session: Session, authorization: str | None) -> LmsCaller:
        """The verified caller of ``Authorization: JWT <token>``, or 401."""
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.upper() != "JWT" or not token:
            raise JwtUnauthorized('an "Authorization: JWT <token>" header is required')
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise JwtUnauthorized("the JWT is malformed", field="Authorization") from None
        alg = header.get("alg")
        issuer = unverified.get("iss")
        if alg != "HS256" and alg not in ASYMMETRIC:
            raise JwtUnauthorized(f'JWT algorithm "{str(alg)[:20]}" is not accepted')
        if not isinstance(issuer, str):
            raise JwtUnauthorized('the JWT has no "iss"', field="Authorization")
        accepted: list[OpenEdxConnection] = []
        claims: dict[str, Any] = {}
        reason = "the JWT's issuer is not a connected Open edX site"
        for connection in repository.connections_for_issuer(session, issuer):
            try:
                claims = self._verify(token, alg, header.get("kid"), connection)
            except jwt.ExpiredSignatureError:
                reason = "the JWT has expired"
            except jwt.InvalidAudienceError:
                reason = "the JWT's audience is not accepted"
            except jwt.MissingRequiredClaimError as exc:
                # raised only after the signature verified: naming the claim reveals nothing
                reason = f"the JWT is missing claim {exc.claim}"
            except (jwt.ImmatureSignatureError, jwt.InvalidIssuedAtError):
                reason = "the JWT is not yet valid"
            except jwt.PyJWTError:
                reason = SIGNATURE_FAILS
            else:
                accepted.append(connection)
        if not accepted:
            raise JwtUnauthorized(reason, field="Authorization")
        username = claims.get("preferred_username") or claims.get("username")
        if not isinstance(username, str) or not username.strip():
            raise JwtUnauthorized('the JWT names no user ("preferred_username")')
        return LmsCaller(
            username=username.strip(),
            administrator=claims.get("administrator") is True,
            connections=tuple(accepted),
            claims=claims,
        )

    def _verify(
        self, token: str, alg: str, kid: Any, connection: OpenEdxConnection
    ) -> dict[str, Any]:
        options: dict[str, Any] = {"require": _REQUIRED}
        common: dict[str, Any] = {
            "algorithms": [alg],
            "audience": connection.jwt_audience,
            "issuer": connection.jwt_issuer,
            "leeway": LEEWAY_SECONDS,
            "options": options,
        }
        if alg == "HS256":
            if not connection.jwt_secret:
                raise jwt.InvalidSignatureError("no HS256 secret for this connection")
            return dict(jwt.decode(token, connection.jwt_secret, **common))
        if not connection.jwks_url:
            raise jwt.InvalidSignatureError("no JWKS for this connection")
        last: jwt.PyJWTError = jwt.InvalidSignatureError("no key of the JWKS fits")
        for key in self.jwks.keys(connection.jwks_url, kid if isinstance(kid, str) else None):
            if key.key_type != _KTY[alg]:
                continue
            try:
                return dict(jwt.decode(token, key.key, **common))
            except (jwt.InvalidSignatureError, jwt.DecodeError) as exc:
                last = exc  # not this key: try the next
            except jwt.PyJWTError:
                raise  # the signature verified; the claims are wrong
        raise last


_KTY = {"RS256": "RSA", "ES256": "EC"}
