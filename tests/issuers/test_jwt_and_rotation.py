"""VC-JWT issuance per algorithm, and key rotation that never breaks an old credential."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from sqlmodel import Session

from app.core.did.document import public_key_from_jwk
from app.core.proofs import jose
from app.models import Organization
from tests.factories import ApiCaller, Factory, open_badge

DID = "did:web:laurel.test:orgs:acme"


def _issue(factory: Factory, caller: ApiCaller, **options: Any):  # type: ignore[no-untyped-def]
    return factory.client.post(
        "/credentials/issue",
        json={"credential": open_badge(), "options": options},
        headers=caller.headers,
    )


def _published_key(factory: Factory, kid: str) -> Any:
    did, _, fragment = kid.partition("#")
    assert did == DID
    response = factory.client.get(f"/orgs/acme/keys/{fragment}")
    assert response.status_code == 200, response.text
    return public_key_from_jwk(response.json())


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_jwt_vc_json_each_algorithm_verifies_with_pyjwt_and_ours(
    factory: Factory, alg: str
) -> None:
    caller = factory.caller()
    response = _issue(factory, caller, format="jwt_vc_json", alg=alg)
    assert response.status_code == 201, response.text
    token = response.json()["verifiableCredential"]
    assert isinstance(token, str)
    header = jwt.get_unverified_header(token)
    assert header == {"alg": alg, "kid": header["kid"], "typ": "JWT"}
    key = _published_key(factory, header["kid"])
    claims = jwt.decode(token, key, algorithms=[alg])
    assert claims["iss"] == DID and claims["jti"].startswith("urn:uuid:")
    assert claims["proof"]["cryptosuite"] == "eddsa-rdfc-2022"  # LD proof first (OB §8.2.2)
    doc = factory.client.get("/orgs/acme/did.json").json()
    assert header["kid"] in doc["assertionMethod"]
    result = jose.verify_vc_jwt(token, lambda kid, _h: _published_key(factory, kid or ""))
    assert result.verified, result.message
    uuid = claims["jti"].removeprefix("urn:uuid:")
    same = factory.client.get(f"/credentials/{uuid}")
    assert same.json() == {
        k: v for k, v in claims.items() if k not in ("iss", "jti", "nbf", "sub", "exp")
    }


def test_vc_jose_format_is_an_enveloped_credential(factory: Factory) -> None:
    caller = factory.caller()
    response = _issue(factory, caller, format="vc+jwt", alg="ES256")
    assert response.status_code == 201, response.text
    envelope = response.json()["verifiableCredential"]
    assert envelope["type"] == "EnvelopedVerifiableCredential"
    token = envelope["id"].removeprefix("data:application/vc+jwt,")
    assert jwt.get_unverified_header(token)["typ"] == "vc+jwt"


def test_bad_format_or_alg_is_422_and_stores_nothing(factory: Factory) -> None:
    caller = factory.caller()
    assert _issue(factory, caller, format="pdf").json()["field"] == "options.format"
    assert _issue(factory, caller, format="jwt_vc_json", alg="HS256").status_code == 422
    with Session(factory.services.engine) as session:
        org = session.get(Organization, caller.org.id)
        assert org is not None
        org.did_method = "key"
        session.add(org)
        session.commit()
    refused = _issue(factory, caller, format="jwt_vc_json", alg="RS256")
    assert refused.status_code == 422 and refused.json()["field"] == "options.alg"
    listed = factory.client.get("/api/v1/keys", headers=caller.headers).json()
    assert [k["type"] for k in listed] == ["Ed25519"]  # no RSA key was made for nothing


def test_rotation_keeps_old_credentials_verifying_and_revocation_names_the_key(
    factory: Factory, session
) -> None:
    caller = factory.caller()
    old = factory.issue(caller)
    old_kid = old["proof"]["verificationMethod"]
    rotated = factory.client.post(
        "/api/v1/keys/rotate", json={"type": "Ed25519"}, headers=caller.headers
    )
    assert rotated.status_code == 201, rotated.text
    new = factory.issue(caller)
    new_kid = new["proof"]["verificationMethod"]
    assert new_kid != old_kid and new_kid.endswith(rotated.json()["kid"])
    doc = factory.client.get("/orgs/acme/did.json").json()
    assert {old_kid, new_kid} <= set(doc["assertionMethod"])  # retired stays published
    assert factory.services.verifier.verify(session, old).verified
    assert factory.services.verifier.verify(session, new).verified
    keys = {
        k["kid"]: k["status"]
        for k in factory.client.get("/api/v1/keys", headers=caller.headers).json()
    }
    old_fragment = old_kid.partition("#")[2]
    assert keys[old_fragment] == "retired"

    revoked = factory.client.post(f"/api/v1/keys/{old_fragment}/revoke", headers=caller.headers)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    doc = factory.client.get("/orgs/acme/did.json").json()
    assert old_kid not in doc["assertionMethod"]
    jwks = factory.client.get("/.well-known/jwks.json").json()["keys"]
    assert old_fragment not in {k["kid"] for k in jwks}
    report = factory.services.verifier.verify(session, old)
    assert not report.verified
    [failed] = [c for c in report.checks if c.name == "issuer_key"]
    assert old_fragment in failed.message
    assert factory.services.verifier.verify(session, new).verified

    affected = factory.client.get(
        f"/api/v1/keys/{old_fragment}/credentials", headers=caller.headers
    ).json()["credentials"]
    assert affected == [old["id"].removeprefix("urn:uuid:")]
    reissued = factory.client.post(
        f"/api/v1/keys/{old_fragment}/reissue", headers=caller.headers
    ).json()["reissued"]
    successor = factory.client.get(f"/credentials/{reissued[affected[0]]}").json()
    assert successor["proof"]["verificationMethod"] == new_kid
    assert factory.services.verifier.verify(session, successor).verified
    assert (
        factory.client.get(
            f"/api/v1/keys/{old_fragment}/credentials", headers=caller.headers
        ).json()["credentials"]
        == []
    )


def test_status_list_signed_by_a_revoked_key_is_resigned(factory: Factory, session) -> None:
    caller = factory.caller()
    vc = factory.issue(caller)
    path = vc["credentialStatus"]["statusListCredential"].removeprefix("https://laurel.test")
    first = factory.client.get(path).json()
    old_fragment = first["proof"]["verificationMethod"].partition("#")[2]
    factory.client.post("/api/v1/keys/rotate", json={}, headers=caller.headers)
    factory.client.post(f"/api/v1/keys/{old_fragment}/revoke", headers=caller.headers)
    again = factory.client.get(path).json()
    assert again["proof"]["verificationMethod"].partition("#")[2] != old_fragment
    assert factory.services.verifier.verify(session, again).verified


def test_key_admin_needs_scope_and_is_per_organization(factory: Factory) -> None:
    reader = factory.caller(scopes=["credentials:read"])
    assert factory.client.get("/api/v1/keys", headers=reader.headers).status_code == 403
    acme = factory.caller("acme")
    globex = factory.caller("globex")
    acme_kid = factory.client.get("/api/v1/keys", headers=acme.headers).json()[0]["kid"]
    assert (
        factory.client.post(f"/api/v1/keys/{acme_kid}/revoke", headers=globex.headers).status_code
        == 404
    )
    bad = factory.client.post("/api/v1/keys/rotate", json={"type": "DSA"}, headers=acme.headers)
    assert bad.status_code == 422


def test_rsa_and_p256_keys_are_published(factory: Factory) -> None:
    caller = factory.caller()
    kids = set()
    for alg in ("RS256", "ES256"):
        issued = _issue(factory, caller, format="jwt_vc_json", alg=alg)
        assert issued.status_code == 201
        kids.add(jwt.get_unverified_header(issued.json()["verifiableCredential"])["kid"])
    doc = factory.client.get("/orgs/acme/did.json").json()
    types = sorted(vm["type"] for vm in doc["verificationMethod"])
    assert types == ["JsonWebKey", "Multikey", "Multikey"]
    assert "https://w3id.org/security/jwk/v1" in doc["@context"]
    jwks = factory.client.get("/orgs/acme/jwks.json").json()["keys"]
    assert sorted({k["kty"] for k in jwks}) == ["EC", "OKP", "RSA"]
    # A plain JWKS client matches the JWT's kid (a DID URL) exactly: each key is there under
    # its fragment and under that DID URL.
    assert kids <= {k["kid"] for k in jwks}
    assert len(jwks) == 6


@pytest.mark.parametrize(
    ("accept", "typ"),
    [("application/vc+jwt", "vc+jwt"), ("application/jwt", "JWT"), ("text/plain", "JWT")],
)
def test_credential_url_serves_jwt_forms_by_accept(factory: Factory, accept: str, typ: str) -> None:
    vc = factory.issue(factory.caller())
    uuid = vc["id"].removeprefix("urn:uuid:")
    response = factory.client.get(f"/credentials/{uuid}?alg=ES256", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    header = jwt.get_unverified_header(response.text)
    assert header["typ"] == typ and header["alg"] == "ES256"
    key = _published_key(factory, header["kid"])
    payload = jwt.decode(response.text, key, algorithms=["ES256"])
    assert payload["id"] == vc["id"] and payload["proof"] == vc["proof"]
    again = factory.client.get(f"/credentials/{uuid}?alg=ES256", headers={"Accept": accept})
    assert again.text == response.text  # signed once, then served as stored
