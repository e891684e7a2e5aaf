"""VC-JWT: Open Badges 3.0 §8.2 JWT proofs and W3C VC-JOSE-COSE §3.1 (``vc+jwt``).

OB 3.0 form: JOSE header only ``alg``, ``kid`` (or ``jwk``) and ``typ`` ``JWT`` (§8.2.3); the
payload is the credential plus ``iss`` = issuer id, ``jti`` = credential id, ``nbf`` =
validFrom, ``sub`` = credentialSubject.id and ``exp`` = validUntil (§8.2.4). Verifiers check
each claim against the credential (§8.2.6.1).

VC-JOSE-COSE form: ``typ`` ``vc+jwt``, ``cty`` ``vc``; the payload *is* the credential (§3.1.1).

Only asymmetric algorithms are accepted: ``none`` and every ``HS*`` are refused before any
key is looked up, so a public key can never be used as an HMAC secret.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

OB_PROFILE = "ob"  # typ JWT, claims added (OB 3.0 §8.2)
VC_JOSE_PROFILE = "vc+jwt"  # typ vc+jwt, payload = credential (VC-JOSE-COSE §3.1)

ALGORITHMS = ("RS256", "ES256", "EdDSA")

JWT_ALG_ERROR = "JWT_ALGORITHM_ERROR"
JWT_MALFORMED = "JWT_MALFORMED"
JWT_SIGNATURE_ERROR = "JWT_SIGNATURE_ERROR"
JWT_CLAIM_MISMATCH = "JWT_CLAIM_MISMATCH"
KEY_NOT_FOUND = "KEY_NOT_FOUND"

#: The key types of ``ALGORITHMS``: RS256, ES256 (P-256) and EdDSA (Ed25519).
JwsPrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
JwsPublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey

#: (kid, protected header) -> public key; raises LookupError when the key cannot be found.
JwtKeyResolver = Callable[[str | None, Mapping[str, Any]], PublicKeyTypes]


class JwtSigningError(ValueError):
    """The credential or key cannot be turned into a VC-JWT."""


def algorithm_for(key: PrivateKeyTypes | PublicKeyTypes) -> str:
    """The one JWS algorithm we use with each key type."""
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return "EdDSA"
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) and isinstance(
        key.curve, ec.SECP256R1
    ):
        return "ES256"
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        if key.key_size < 2048:
            raise JwtSigningError("RSA keys must be at least 2048 bits")
        return "RS256"
    raise JwtSigningError(f"no JWS algorithm for {type(key).__name__}")


def _epoch(value: Any, name: str) -> int:
    if not isinstance(value, str):
        raise JwtSigningError(f'"{name}" must be a date-time string')
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


def _issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, Mapping) else issuer


def _subject_id(credential: Mapping[str, Any]) -> str | None:
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    return subject.get("id") if isinstance(subject, Mapping) else None


def ob_claims(credential: Mapping[str, Any]) -> dict[str, Any]:
    """The registered claims OB 3.0 §8.2.4 derives from a (VC 2.0 or 1.1) credential."""
    claims: dict[str, Any] = {}
    issuer = _issuer_id(credential)
    if issuer:
        claims["iss"] = issuer
    if isinstance(credential.get("id"), str):
        claims["jti"] = credential["id"]
    start = credential.get("validFrom") or credential.get("issuanceDate")
    if start:
        claims["nbf"] = _epoch(start, "validFrom")
    subject = _subject_id(credential)
    if subject:
        claims["sub"] = subject
    end = credential.get("validUntil") or credential.get("expirationDate")
    if end:
        claims["exp"] = _epoch(end, "validUntil")
    return claims


def sign_vc_jwt(
    credential: Mapping[str, Any],
    private_key: JwsPrivateKey,
    kid: str,
    *,
    profile: str = OB_PROFILE,
) -> str:
    """A compact JWS of ``credential`` (which may already carry an embedded proof, §8.2.2)."""
    alg = algorithm_for(private_key)
    if profile == OB_PROFILE:
        payload = {**credential, **ob_claims(credential)}
        headers = {"kid": kid, "typ": "JWT"}
    elif profile == VC_JOSE_PROFILE:
        payload = dict(credential)
        headers = {"kid": kid, "typ": "vc+jwt", "cty": "vc"}
    else:
        raise JwtSigningError(f'unknown VC-JWT profile "{profile}"')
    return jwt.encode(payload, private_key, algorithm=alg, headers=headers)


@dataclass
class JwtVerification:
    """Invalid is an answer: ``verified`` False with a stable ``code`` and a sentence."""

    verified: bool
    message: str
    code: str | None = None
    credential: dict[str, Any] | None = None
    header: dict[str, Any] = field(default_factory=dict)
    profile: str | None = None
    #: The verified JWT claims (set when the signature verified).
    payload: dict[str, Any] | None = None


def _fail(code: str, message: str, **extra: Any) -> JwtVerification:
    return JwtVerification(False, message, code, **extra)


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload, without checking anything (for routing and display only)."""
    header = jwt.get_unverified_header(token)
    payload = jwt.decode(token, options={"verify_signature": False})
    return header, payload


def credential_of(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The credential inside a JWT payload: the payload itself, or the VC 1.1 ``vc`` claim."""
    if isinstance(payload.get("vc"), Mapping) and "@context" not in payload:
        credential = dict(payload["vc"])
        # VC-JWT 1.1 §6.3.1: registered claims stand in for the credential's own properties.
        if "iss" in payload and "issuer" not in credential:
            credential["issuer"] = payload["iss"]
        if "jti" in payload and "id" not in credential:
            credential["id"] = payload["jti"]
        return credential
    reserved = {"iss", "jti", "nbf", "sub", "exp", "iat", "aud"}
    return {k: v for k, v in payload.items() if k not in reserved}


def verify_jws(token: str, resolve_key: JwtKeyResolver) -> JwtVerification:
    """Verify a compact JWS's signature (asymmetric algorithms only); no claim is judged."""
    try:
        header, payload = decode_unverified(token)
    except jwt.PyJWTError as exc:
        return _fail(JWT_MALFORMED, f"not a compact JWS: {exc}")
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        return _fail(
            JWT_ALG_ERROR,
            f'JWS algorithm "{alg}" is not accepted (only {", ".join(ALGORITHMS)})',
            header=header,
        )
    kid = header.get("kid")
    try:
        key = resolve_key(kid if isinstance(kid, str) else None, header)
    except LookupError as exc:
        return _fail(KEY_NOT_FOUND, str(exc) or f'key "{kid}" not found', header=header)
    try:
        if not isinstance(key, JwsPublicKey):
            raise JwtSigningError(f"no JWS algorithm for {type(key).__name__}")
        if algorithm_for(key) != alg:
            return _fail(JWT_ALG_ERROR, f'key "{kid}" cannot be used with "{alg}"', header=header)
        jwt.decode(
            token,
            key,
            algorithms=[alg],
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": False,
            },
        )
    except JwtSigningError as exc:
        return _fail(JWT_ALG_ERROR, str(exc), header=header)
    except jwt.InvalidSignatureError:
        return _fail(JWT_SIGNATURE_ERROR, "the JWT signature does not verify", header=header)
    except jwt.PyJWTError as exc:
        return _fail(JWT_MALFORMED, f"the JWT cannot be verified: {exc}", header=header)
    return JwtVerification(
        True, f"JWT signature verifies ({alg}, key {kid})", None, header=header, payload=payload
    )


def verify_vc_jwt(
    token: str, resolve_key: JwtKeyResolver, *, now: datetime | None = None
) -> JwtVerification:
    """Verify a VC-JWT's signature and its claims against the credential it carries.

    Validity dates are *not* judged here (the caller reports them as its own check); only the
    consistency of ``nbf``/``exp`` with ``validFrom``/``validUntil`` is (OB 3.0 §8.2.6.1).
    """
    outcome = verify_jws(token, resolve_key)
    if not outcome.verified or outcome.payload is None:
        return outcome
    header, payload = outcome.header, outcome.payload
    credential = credential_of(payload)
    profile = VC_JOSE_PROFILE if header.get("typ") == "vc+jwt" else OB_PROFILE
    mismatch = _claim_mismatch(payload, credential) if profile == OB_PROFILE else None
    if mismatch:
        return _fail(
            JWT_CLAIM_MISMATCH, mismatch, header=header, credential=credential, profile=profile
        )
    return JwtVerification(True, outcome.message, None, credential, header, profile, payload)


def presentation_of(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The presentation inside a JWT payload: the payload itself (VC-JOSE-COSE §3.2 ``vp+jwt``)
    or the VC-JWT 1.1 ``vp`` claim, with ``iss`` standing in for ``holder`` (§6.3.1)."""
    if isinstance(payload.get("vp"), Mapping) and "@context" not in payload:
        presentation = dict(payload["vp"])
        if isinstance(payload.get("iss"), str) and "holder" not in presentation:
            presentation["holder"] = payload["iss"]
        if isinstance(payload.get("jti"), str) and "id" not in presentation:
            presentation["id"] = payload["jti"]
        return presentation
    reserved = {"iss", "jti", "nbf", "sub", "exp", "iat", "aud", "nonce"}
    return {k: v for k, v in payload.items() if k not in reserved}


def _claim_mismatch(payload: Mapping[str, Any], credential: Mapping[str, Any]) -> str | None:
    """OB 3.0 §8.2.6.1: each registered claim present must match the credential."""
    try:
        expected = ob_claims(credential)
    except (JwtSigningError, ValueError) as exc:
        return f"credential dates are malformed: {exc}"
    for claim in ("iss", "jti", "sub", "nbf", "exp"):
        if claim in payload and claim in expected and payload[claim] != expected[claim]:
            return (
                f'JWT claim "{claim}" ({json.dumps(payload[claim])}) does not match the '
                f"credential ({json.dumps(expected[claim])})"
            )
    if "iss" not in payload and payload.get("vc") is None and "@context" not in payload:
        return 'JWT has neither "iss" nor a credential'
    return None
