"""The OpenID Connect Relying Party: the authorization code flow with PKCE (OIDC Core 1.0
§3.1, RFC 7636), on authlib.

``begin`` stores what the callback must check (state, nonce, PKCE verifier, the browser that
started it) and returns the provider's authorization URL. ``complete`` takes that row back
once (a replayed or foreign ``state`` finds nothing), redeems the code with the verifier,
and validates the ID token (§3.1.3.7): signature by a key of the provider's JWKS, ``iss``
equal to the configured issuer, ``aud`` containing our client id (and ``azp`` when present),
``exp`` in the future, ``nonce`` ours. authlib's ``CodeIDToken`` does the claim rules;
joserfc checks the signature. authlib also builds the authorization and token requests;
the HTTP calls are plain httpx (authlib's httpx integration is being moved to another
package).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast
from urllib.parse import quote

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import (
    ClaimError,
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet
from sqlmodel import Session

from app.accounts import repository
from app.accounts.errors import SignInFailed
from app.accounts.oidc_discovery import Discovery, ProviderMetadata
from app.db import as_utc, utcnow
from app.models import OidcLogin, OidcProvider

#: A sign-in must come back from the provider within this time.
LOGIN_TTL = timedelta(minutes=10)
#: Clock skew allowed for ``exp``/``iat`` (seconds).
LEEWAY = 60


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class VerifiedSignIn:
    """A sign-in the provider vouched for: the organization, the LMS user id, the claims."""

    org_id: int
    user_id: str
    subject: str
    name: str | None
    return_to: str
    link_account_id: int | None
    claims: Mapping[str, Any]


@dataclass
class RelyingParty:
    discovery: Discovery
    #: ``{base}/signin/callback``: the one redirect URI every provider registers.
    redirect_uri: str

    def _auth(self, provider: OidcProvider) -> httpx.Auth | httpx._client.UseClientDefault:
        """client_secret_basic, the default of OIDC Core §9, with the RFC 6749 §2.3.1
        form-encoding of id and secret."""
        if not provider.client_secret:
            return httpx.USE_CLIENT_DEFAULT  # a public client: client_id in the body
        return httpx.BasicAuth(
            quote(provider.client_id, safe=""), quote(provider.client_secret, safe="")
        )

    def begin(
        self,
        session: Session,
        provider: OidcProvider,
        browser_secret: str,
        return_to: str,
        link_account_id: int | None = None,
    ) -> str:
        """Record the sign-in under way; the URL to send the browser to."""
        metadata = self.discovery.metadata(provider.issuer)
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)  # 86 characters: RFC 7636 §4.1 asks 43-128
        session.add(
            OidcLogin(
                id=_sha256(state),
                org_id=provider.org_id,
                browser_hash=_sha256(browser_secret),
                nonce=nonce,
                code_verifier=verifier,
                return_to=return_to,
                link_account_id=link_account_id,
                expires_at=utcnow() + LOGIN_TTL,
            )
        )
        session.flush()
        return str(
            prepare_grant_uri(
                metadata.authorization_endpoint,
                client_id=provider.client_id,
                response_type="code",
                redirect_uri=self.redirect_uri,
                scope=provider.scopes,
                state=state,
                nonce=nonce,
                code_challenge=create_s256_code_challenge(verifier),
                code_challenge_method="S256",
            )
        )

    def complete(
        self, session: Session, params: Mapping[str, str], browser_secret: str | None
    ) -> VerifiedSignIn:
        """Check the provider's answer at the callback; raises ``SignInFailed`` with why."""
        state = params.get("state")
        if not state:
            raise SignInFailed('the answer has no "state"', field="state")
        login = repository.take_login(session, _sha256(state))
        if login is None:
            raise SignInFailed(
                "this sign-in is unknown or was already used; start again", field="state"
            )
        if browser_secret is None or not secrets.compare_digest(
            login.browser_hash, _sha256(browser_secret)
        ):
            raise SignInFailed("this sign-in was started in another browser", field="state")
        if as_utc(login.expires_at) <= utcnow():
            raise SignInFailed("this sign-in took too long; start again", field="state")
        if error := params.get("error"):
            raise SignInFailed(
                f"the provider refused: {error} {params.get('error_description', '')}".strip(),
                field="error",
            )
        code = params.get("code")
        if not code:
            raise SignInFailed('the answer has no "code"', field="code")
        provider = repository.provider_of(session, login.org_id)
        if provider is None or not provider.enabled:
            raise SignInFailed("this organization's sign-in is no longer configured")
        if "iss" in params and params["iss"] != provider.issuer:  # RFC 9207 §2.4: mix-up
            raise SignInFailed("the answer comes from another issuer", field="iss")
        metadata = self.discovery.metadata(provider.issuer)
        token = self._redeem(provider, metadata, code, login.code_verifier)
        claims = self._validate_id_token(provider, metadata, token, login.nonce)
        user_id = claims.get(provider.user_id_claim)
        if user_id is None and metadata.userinfo_endpoint:
            user_id = self._userinfo_claim(provider, metadata, token, claims)
        if not isinstance(user_id, str | int) or isinstance(user_id, bool) or user_id == "":
            raise SignInFailed(
                f'the provider sent no "{provider.user_id_claim}" claim (the LMS user id)',
                field="user_id_claim",
            )
        name = claims.get("name")
        return VerifiedSignIn(
            org_id=login.org_id,
            user_id=str(user_id),
            subject=str(claims["sub"]),
            name=name if isinstance(name, str) and name.strip() else None,
            return_to=login.return_to,
            link_account_id=login.link_account_id,
            claims=claims,
        )

    def _redeem(
        self, provider: OidcProvider, metadata: ProviderMetadata, code: str, verifier: str
    ) -> dict[str, Any]:
        """The token request (RFC 6749 §4.1.3 with the PKCE ``code_verifier``)."""
        extra = {} if provider.client_secret else {"client_id": provider.client_id}
        body = prepare_token_request(
            "authorization_code",
            code=code,
            redirect_uri=self.redirect_uri,
            code_verifier=verifier,
            **extra,
        )
        try:
            with self.discovery.client() as client:
                response = client.post(
                    metadata.token_endpoint,
                    content=body,
                    auth=self._auth(provider),
                    headers={
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Accept": "application/json",
                    },
                )
            token = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SignInFailed(f"the provider's token endpoint failed ({exc})") from None
        if response.status_code != 200 or not isinstance(token, dict) or "error" in token:
            error = token.get("error", response.status_code) if isinstance(token, dict) else ""
            detail = token.get("error_description", "") if isinstance(token, dict) else ""
            raise SignInFailed(
                f"the provider refused the code: {error} {detail}".strip(), field="code"
            )
        if not isinstance(token, dict) or not isinstance(token.get("id_token"), str):
            raise SignInFailed("the provider answered without an ID token", field="id_token")
        return dict(token)

    def _validate_id_token(
        self, provider: OidcProvider, metadata: ProviderMetadata, token: dict[str, Any], nonce: str
    ) -> dict[str, Any]:
        """OIDC Core 1.0 §3.1.3.7."""
        raw = token["id_token"]
        algorithms = list(metadata.id_token_algs) or ["RS256"]
        try:
            try:
                decoded = jwt.decode(raw, _key_set(self.discovery.jwks(metadata)), algorithms)
            except InvalidKeyIdError:  # the provider rotated its keys: read them again
                keys = _key_set(self.discovery.jwks(metadata, force=True))
                decoded = jwt.decode(raw, keys, algorithms)
            claims = CodeIDToken(
                decoded.claims,
                decoded.header,
                {
                    "iss": {"essential": True, "value": provider.issuer},
                    "aud": {"essential": True, "value": provider.client_id},
                },
                {
                    "nonce": nonce,
                    "client_id": provider.client_id,
                    "access_token": token.get("access_token"),
                },
            )
            claims.validate(leeway=LEEWAY)
        except ExpiredTokenError:
            raise SignInFailed("the ID token has expired", field="id_token") from None
        except (InvalidClaimError, MissingClaimError) as exc:
            raise SignInFailed(_claim_problem(exc), field="id_token") from None
        except ClaimError as exc:
            raise SignInFailed(
                f"the ID token is not acceptable ({exc})", field="id_token"
            ) from None
        except (JoseError, ValueError) as exc:
            raise SignInFailed(
                f"the ID token's signature does not verify with the provider's keys ({exc})",
                field="id_token",
            ) from None
        return dict(claims)

    def _userinfo_claim(
        self,
        provider: OidcProvider,
        metadata: ProviderMetadata,
        token: dict[str, Any],
        claims: Mapping[str, Any],
    ) -> Any:
        """The claim from the UserInfo endpoint (OIDC Core §5.3), whose ``sub`` must be the
        ID token's (§5.3.2)."""
        assert metadata.userinfo_endpoint is not None
        url = self.discovery.check_url(metadata.userinfo_endpoint, "userinfo endpoint")
        try:
            with self.discovery.client() as client:
                response = client.get(
                    url,
                    headers={
                        "Authorization": f"Bearer {token.get('access_token', '')}",
                        "Accept": "application/json",
                    },
                )
            info = response.json() if response.status_code == 200 else {}
        except (httpx.HTTPError, ValueError):  # no UserInfo is the same as no claim there
            return None
        if not isinstance(info, dict) or info.get("sub") != claims.get("sub"):
            return None
        return info.get(provider.user_id_claim)


def _key_set(jwks: dict[str, Any]) -> KeySet:
    keys = jwks.get("keys")
    if not isinstance(keys, list):
        raise SignInFailed('the provider\'s JWKS has no "keys"', field="id_token")
    return KeySet.import_key_set(cast(Any, {"keys": keys}))


def _claim_problem(exc: ClaimError) -> str:
    names = {
        "aud": "is not for this client (audience)",
        "iss": "comes from another issuer",
        "nonce": "does not answer this sign-in (nonce)",
        "azp": "was issued to another client (azp)",
        "iat": "has a bad issue time",
        "sub": "names no subject",
        "at_hash": "does not match the access token (at_hash)",
    }
    missing = isinstance(exc, MissingClaimError)
    reason = names.get(exc.claim, f'has a bad "{exc.claim}" claim')
    if missing:
        return f'the ID token lacks the "{exc.claim}" claim'
    return f"the ID token {reason}"
