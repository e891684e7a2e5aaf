"""OpenID4VCI 1.0, pre-authorized code flow, played by a wallet over real HTTP.

offer link → credential_offer_uri → metadata → token (+ tx_code) → nonce → credential with a
``jwt`` key proof, in the 1.0 request shape and in the draft-13 shape many wallets still send.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import update
from sqlmodel import Session

from app.core.did.did_jwk import jwk_from_did_jwk
from app.core.did.document import jwk_from_public_key
from app.db import utcnow
from app.models import WalletOffer
from tests.lms import Lms
from tests.wallet.conftest import LiveLaurel, TestWallet, award, make_offer

LDP = "OpenBadgeCredential_ldp_vc"
JWT = "OpenBadgeCredential_jwt_vc_json"


def _oauth_error(response: Any, status: int, error: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error"] == error, body
    assert "no-store" in response.headers["cache-control"]
    return body["error_description"]  # type: ignore[no-any-return]


def _start(lms: Lms, wallet: TestWallet, uuid: str | None = None, **offer: Any) -> dict[str, Any]:
    created = make_offer(lms, uuid or award(lms), **offer)
    found = wallet.fetch_offer(created["links"]["openid_credential_offer"])
    return {"created": created, "offer": found, "issuer": found["credential_issuer"]}


def _token(wallet: TestWallet, offer: dict[str, Any], tx_code: str | None = None) -> str:
    response = wallet.token(offer, tx_code)
    assert response.status_code == 200, response.text
    assert "no-store" in response.headers["cache-control"]
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    return body["access_token"]  # type: ignore[no-any-return]


def _request(config: str, proof: str) -> dict[str, Any]:
    return {"credential_configuration_id": config, "proofs": {"jwt": [proof]}}


def test_metadata_offer_and_the_1_0_flow_in_both_formats(
    live: LiveLaurel, lms: Lms, wallet: TestWallet
) -> None:
    started = _start(lms, wallet, credential_configuration_ids=[JWT, LDP])
    offer, issuer = started["offer"], started["issuer"]
    assert issuer == live.base_url
    assert offer["credential_configuration_ids"] == [LDP, JWT]  # the LMS asked for both
    grant = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    assert "tx_code" not in grant
    metadata = live.http.get("/.well-known/openid-credential-issuer").json()
    assert metadata["credential_issuer"] == issuer
    ldp, jwt_config = (metadata["credential_configurations_supported"][c] for c in (LDP, JWT))
    assert ldp["format"] == "ldp_vc" and jwt_config["format"] == "jwt_vc_json"
    assert "OpenBadgeCredential" in ldp["credential_definition"]["type"]
    assert ldp["credential_definition"]["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert ldp["credential_metadata"]["display"][0]["name"]
    assert "EdDSA" in ldp["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"]
    assert "did:key" in ldp["cryptographic_binding_methods_supported"]
    server = live.http.get("/.well-known/oauth-authorization-server").json()
    assert server["issuer"] == issuer
    assert server["pre-authorized_grant_anonymous_access_supported"] is True
    before = live.count_credentials()

    access_token = _token(wallet, offer)
    proof = wallet.key_proof(issuer, wallet.nonce(issuer))
    response = wallet.credential(issuer, access_token, _request(LDP, proof))

    assert response.status_code == 200, response.text
    assert "no-store" in response.headers["cache-control"]
    (item,) = response.json()["credentials"]
    credential = item["credential"]
    assert isinstance(credential, dict)
    assert credential["credentialSubject"]["id"] == wallet.did
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"  # no legacy proof here
    assert live.verify(credential)["verified"] is True
    assert live.count_credentials() == before + 1

    # The same holder, with the same token, may take the same credential as a VC-JWT.
    proof = wallet.key_proof(issuer, wallet.nonce(issuer))
    response = wallet.credential(issuer, access_token, _request(JWT, proof))
    assert response.status_code == 200, response.text
    token = response.json()["credentials"][0]["credential"]
    assert isinstance(token, str)
    payload = jwt.decode(token, options={"verify_signature": False})
    assert payload["sub"] == wallet.did and payload["jti"] == credential["id"]
    assert live.verify(token)["verified"] is True
    assert live.count_credentials() == before + 1


def test_draft_13_request_shape(live: LiveLaurel, lms: Lms, wallet: TestWallet) -> None:
    started = _start(lms, wallet)
    token_response = wallet.token(started["offer"])
    assert token_response.status_code == 200, token_response.text
    tokens = token_response.json()
    c_nonce = tokens["c_nonce"]  # draft 13: the token response carries the first nonce
    body = {
        "format": "jwt_vc_json",
        "credential_definition": {"type": ["VerifiableCredential", "OpenBadgeCredential"]},
        "proof": {"proof_type": "jwt", "jwt": wallet.key_proof(started["issuer"], c_nonce)},
    }
    response = wallet.credential(started["issuer"], tokens["access_token"], body)

    assert response.status_code == 200, response.text
    answer = response.json()
    assert isinstance(answer["credential"], str) and answer["c_nonce"] != c_nonce
    assert jwt.decode(answer["credential"], options={"verify_signature": False})["sub"] == (
        wallet.did
    )
    assert live.verify(answer["credential"])["verified"] is True

    # ldp_vc, with the fresh c_nonce of the last answer.
    body = {
        "format": "ldp_vc",
        "credential_definition": {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
        },
        "proof": {
            "proof_type": "jwt",
            "jwt": wallet.key_proof(started["issuer"], answer["c_nonce"]),
        },
    }
    response = wallet.credential(started["issuer"], tokens["access_token"], body)
    assert response.status_code == 200, response.text
    assert response.json()["credential"]["credentialSubject"]["id"] == wallet.did

    # A reused nonce, draft-13 style: invalid_proof with a fresh c_nonce to retry with.
    response = wallet.credential(started["issuer"], tokens["access_token"], body)
    _oauth_error(response, 400, "invalid_proof")
    assert response.json()["c_nonce"]


def test_tx_code_wrong_missing_and_right(live: LiveLaurel, lms: Lms, wallet: TestWallet) -> None:
    started = _start(lms, wallet, tx_code=True)
    code = started["created"]["tx_code"]
    assert code is not None and len(code) == 6 and code.isdigit()
    grant = started["offer"]["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    assert grant["tx_code"] == {
        "input_mode": "numeric",
        "length": 6,
        "description": grant["tx_code"]["description"],
    }
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    assert "tx_code" in _oauth_error(wallet.token(started["offer"]), 400, "invalid_request")
    assert "wrong" in _oauth_error(wallet.token(started["offer"], wrong), 400, "invalid_grant")
    access_token = _token(wallet, started["offer"], code)
    proof = wallet.key_proof(started["issuer"], wallet.nonce(started["issuer"]))
    response = wallet.credential(started["issuer"], access_token, _request(LDP, proof))
    assert response.status_code == 200, response.text

    # No tx_code was asked for: sending one is an invalid_request.
    plain = _start(lms, wallet)
    _oauth_error(wallet.token(plain["offer"], "123456"), 400, "invalid_request")


def test_tx_code_attempts_are_limited(live: LiveLaurel, lms: Lms, wallet: TestWallet) -> None:
    started = _start(lms, wallet, tx_code=True)
    code = started["created"]["tx_code"]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        _oauth_error(wallet.token(started["offer"], wrong), 400, "invalid_grant")
    description = _oauth_error(wallet.token(started["offer"], code), 400, "invalid_grant")
    assert "too many" in description


def test_replayed_and_expired_offers(live: LiveLaurel, lms: Lms, wallet: TestWallet) -> None:
    started = _start(lms, wallet)
    _token(wallet, started["offer"])
    assert "already used" in _oauth_error(wallet.token(started["offer"]), 400, "invalid_grant")

    expired = _start(lms, wallet)
    with Session(live.services.engine) as session:
        session.exec(  # type: ignore[call-overload]
            update(WalletOffer)
            .where(WalletOffer.id == expired["created"]["id"])  # type: ignore[arg-type]
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    assert "expired" in _oauth_error(wallet.token(expired["offer"]), 400, "invalid_grant")
    assert live.http.get(expired["created"]["links"]["credential_offer_uri"]).status_code == 410

    unknown = {**started["offer"]}
    unknown["grants"] = {
        "urn:ietf:params:oauth:grant-type:pre-authorized_code": {"pre-authorized_code": "nope"}
    }
    _oauth_error(wallet.token(unknown), 400, "invalid_grant")
    response = live.http.post(
        "/oid4vci/token", data={"grant_type": "authorization_code", "code": "x"}
    )
    _oauth_error(response, 400, "unsupported_grant_type")


def test_a_used_offer_is_not_claimable_by_another_protocol(
    live: LiveLaurel, lms: Lms, wallet: TestWallet
) -> None:
    """Claimed through LCW first: the OID4VCI token request is refused."""
    started = _start(lms, wallet)
    links = started["created"]["links"]
    challenge = links["vc_request_url"].rsplit("/", 1)[1]
    assert live.http.post(links["vc_request_url"], json=wallet.did_auth(challenge)).is_success
    _oauth_error(wallet.token(started["offer"]), 400, "invalid_grant")


def test_key_proof_checks(
    live: LiveLaurel, lms: Lms, wallet: TestWallet, other_wallet: TestWallet
) -> None:
    started = _start(lms, wallet)
    issuer = started["issuer"]
    access_token = _token(wallet, started["offer"])
    before = live.count_credentials()

    def attempt(proof: str) -> str:
        response = wallet.credential(issuer, access_token, _request(LDP, proof))
        return _oauth_error(response, 400, "invalid_proof")

    nonce = wallet.nonce(issuer)
    assert "signature" in attempt(wallet.key_proof(issuer, nonce, signing_key=other_wallet.key))
    assert "aud" in attempt(wallet.key_proof("https://other.example", nonce))
    assert "typ" in attempt(wallet.key_proof(issuer, nonce, header={"typ": "JWT"}))
    assert "nonce" in attempt(wallet.key_proof(issuer, None))
    stale = int(time.time()) - 3600
    assert "older" in attempt(wallet.key_proof(issuer, nonce, iat=stale))
    both = {"jwk": jwk_from_public_key(wallet.key.public_key())}
    assert "exactly one" in attempt(wallet.key_proof(issuer, nonce, header=both))
    assert "kid" in attempt(wallet.key_proof(issuer, nonce, header={"kid": "https://x/key"}))
    hmac = jwt.encode(
        {"aud": issuer, "iat": int(time.time()), "nonce": nonce},
        "a-shared-secret-of-32-bytes-long!",
        algorithm="HS256",
        headers={"typ": "openid4vci-proof+jwt", "kid": wallet.vm},
    )
    assert "alg" in attempt(hmac)
    assert live.count_credentials() == before

    # Every failure above left the nonce unspent (the signature is checked first).
    response = wallet.credential(
        issuer, access_token, _request(LDP, wallet.key_proof(issuer, nonce))
    )
    assert response.status_code == 200, response.text


def test_reused_nonce_is_refused(live: LiveLaurel, lms: Lms, wallet: TestWallet) -> None:
    started = _start(lms, wallet)
    issuer = started["issuer"]
    access_token = _token(wallet, started["offer"])
    nonce = wallet.nonce(issuer)
    first = wallet.credential(issuer, access_token, _request(LDP, wallet.key_proof(issuer, nonce)))
    assert first.status_code == 200, first.text
    after = live.count_credentials()

    again = wallet.credential(issuer, access_token, _request(JWT, wallet.key_proof(issuer, nonce)))
    assert "already used" in _oauth_error(again, 400, "invalid_nonce")
    # signed here, but expired a second ago
    nonces = live.services.wallet.nonces
    stale_nonce = nonces.issue(utcnow() - nonces.ttl - timedelta(seconds=1))
    expired = wallet.credential(
        issuer, access_token, _request(JWT, wallet.key_proof(issuer, stale_nonce))
    )
    _oauth_error(expired, 400, "invalid_nonce")
    made_up = wallet.key_proof(issuer, "not-issued-here")
    _oauth_error(
        wallet.credential(issuer, access_token, _request(LDP, made_up)), 400, "invalid_nonce"
    )
    assert live.count_credentials() == after


def test_presentation_for_another_did_is_refused(
    live: LiveLaurel, lms: Lms, wallet: TestWallet, other_wallet: TestWallet
) -> None:
    started = _start(lms, other_wallet, holder_did=wallet.did)
    issuer = started["issuer"]
    access_token = _token(other_wallet, started["offer"])
    before = live.count_credentials()

    proof = other_wallet.key_proof(issuer, other_wallet.nonce(issuer))
    response = other_wallet.credential(issuer, access_token, _request(LDP, proof))
    description = _oauth_error(response, 400, "credential_request_denied")
    assert wallet.did in description and other_wallet.did in description
    assert live.count_credentials() == before

    # A holder who got the credential cannot hand the token to another key.
    mine = _start(lms, wallet)
    token = _token(wallet, mine["offer"])
    proof = wallet.key_proof(issuer, wallet.nonce(issuer))
    assert wallet.credential(issuer, token, _request(LDP, proof)).status_code == 200
    proof = other_wallet.key_proof(issuer, other_wallet.nonce(issuer))
    response = other_wallet.credential(issuer, token, _request(LDP, proof))
    assert "already used" in _oauth_error(response, 400, "credential_request_denied")


def test_jwk_and_did_jwk_holders(live: LiveLaurel, lms: Lms, wallet: TestWallet) -> None:
    started = _start(lms, wallet)
    issuer = started["issuer"]
    access_token = _token(wallet, started["offer"])
    key = ed25519.Ed25519PrivateKey.generate()
    header = {"kid": None, "jwk": jwk_from_public_key(key.public_key())}
    claims = {"aud": issuer, "iat": int(time.time()), "nonce": wallet.nonce(issuer)}
    headers = {"typ": "openid4vci-proof+jwt", "jwk": header["jwk"]}
    proof = jwt.encode(claims, key, algorithm="EdDSA", headers=headers)

    response = wallet.credential(issuer, access_token, _request(LDP, proof))
    assert response.status_code == 200, response.text
    subject = response.json()["credentials"][0]["credential"]["credentialSubject"]["id"]
    assert subject.startswith("did:jwk:")
    assert jwk_from_did_jwk(subject) == header["jwk"]

    # A did:jwk kid: the same holder.
    claims["nonce"] = wallet.nonce(issuer)
    proof = jwt.encode(
        claims, key, algorithm="EdDSA", headers={"typ": "openid4vci-proof+jwt", "kid": subject}
    )
    response = wallet.credential(issuer, access_token, _request(JWT, proof))
    assert response.status_code == 200, response.text


def test_access_token_is_required_and_checked(
    live: LiveLaurel, lms: Lms, wallet: TestWallet
) -> None:
    started = _start(lms, wallet)
    issuer = started["issuer"]
    proof = wallet.key_proof(issuer, wallet.nonce(issuer))
    response = live.http.post("/oid4vci/credential", json=_request(LDP, proof))
    _oauth_error(response, 401, "invalid_token")
    assert response.headers["www-authenticate"].startswith("Bearer")
    _oauth_error(wallet.credential(issuer, "forged", _request(LDP, proof)), 401, "invalid_token")
    access_token = _token(wallet, started["offer"])
    unknown = wallet.credential(issuer, access_token, _request("Other", proof))
    _oauth_error(unknown, 400, "unknown_credential_configuration")
    no_proof = wallet.credential(issuer, access_token, {"credential_configuration_id": LDP})
    _oauth_error(no_proof, 400, "invalid_proof")
    raw = live.http.post(
        "/oid4vci/credential",
        content=b"{",
        headers={"Authorization": f"Bearer {access_token}", "Content-Type": "application/json"},
    )
    _oauth_error(raw, 400, "invalid_credential_request")
    assert json.loads(raw.text)["error_description"]


def test_offers_survive_a_restart(live: LiveLaurel, lms: Lms, wallet: TestWallet) -> None:
    created = make_offer(lms, award(lms), tx_code=True)
    live.restart()  # new app, new services and engine; the same database

    offer = wallet.fetch_offer(created["links"]["openid_credential_offer"])
    access_token = _token(wallet, offer, created["tx_code"])
    issuer = offer["credential_issuer"]
    proof = wallet.key_proof(issuer, wallet.nonce(issuer))
    response = wallet.credential(issuer, access_token, _request(LDP, proof))
    assert response.status_code == 200, response.text
    assert live.verify(response.json()["credentials"][0]["credential"])["verified"] is True


def test_an_offer_lists_one_configuration_unless_the_lms_asks_for_more(
    live: LiveLaurel, lms: Lms, wallet: TestWallet
) -> None:
    """Sphereon's OpenID4VCIClient cannot choose between two configurations: one by default."""
    assert _start(lms, wallet)["offer"]["credential_configuration_ids"] == [LDP]
    only_jwt = _start(lms, wallet, credential_configuration_ids=[JWT])
    assert only_jwt["offer"]["credential_configuration_ids"] == [JWT]
    # The choice rides in the (hashed) token: the page's links show the same offer.
    page_token = only_jwt["created"]["links"]["page"].rsplit("offer=", 1)[1]
    assert live.http.get(f"/oid4vci/offers/{page_token}").json() == only_jwt["offer"]
    response = lms.client.post(
        f"/api/v1/credentials/{award(lms)}/offers",
        json={"credential_configuration_ids": ["OpenBadgeCredential_mso_mdoc"]},
        headers=lms.headers,
    )
    assert response.status_code == 422, response.text
    # A changed suffix is another token: unknown, so nothing can be widened by editing links.
    tampered = page_token.rsplit(".", 1)[0] + ".lj"
    assert live.http.get(f"/oid4vci/offers/{tampered}").status_code == 404


def test_access_token_serves_retried_credential_requests_until_it_expires(
    live: LiveLaurel, lms: Lms, wallet: TestWallet
) -> None:
    """A wallet whose credential request failed after the token step retries with the same
    access token (the pre-authorized code is spent); a lost answer is fetched again."""
    started = _start(lms, wallet)
    offer, issuer = started["offer"], started["issuer"]
    access_token = _token(wallet, offer)
    _oauth_error(
        wallet.credential(issuer, access_token, _request(JWT + "x", "x")),
        400,
        "unknown_credential_configuration",
    )
    bad_aud = wallet.key_proof("https://elsewhere.example", wallet.nonce(issuer))
    _oauth_error(
        wallet.credential(issuer, access_token, _request(LDP, bad_aud)), 400, "invalid_proof"
    )
    used = wallet.nonce(issuer)
    first = wallet.credential(issuer, access_token, _request(LDP, wallet.key_proof(issuer, used)))
    assert first.status_code == 200, first.text
    credential = first.json()["credentials"][0]["credential"]
    before = live.count_credentials()
    again = wallet.credential(
        issuer, access_token, _request(LDP, wallet.key_proof(issuer, wallet.nonce(issuer)))
    )
    assert again.status_code == 200, again.text
    assert again.json()["credentials"][0]["credential"] == credential
    assert live.count_credentials() == before
    assert "already used" in _oauth_error(wallet.token(offer), 400, "invalid_grant")
    with Session(live.services.engine) as session:
        session.exec(  # type: ignore[call-overload]
            update(WalletOffer)
            .where(WalletOffer.id == started["created"]["id"])  # type: ignore[arg-type]
            .values(access_token_expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    late = wallet.credential(
        issuer, access_token, _request(LDP, wallet.key_proof(issuer, wallet.nonce(issuer)))
    )
    _oauth_error(late, 401, "invalid_token")
