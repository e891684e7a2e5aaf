"""The Learner Credential Wallet flow and the VC-API exchange, over real HTTP.

The wallet does what LCW does: it reads ``auth_type``, ``challenge`` and ``vc_request_url``
from the deep link, POSTs the bare DID-auth presentation (Ed25519Signature2020, VC 1.1
context, the challenge, no domain) and accepts a bare credential or a presentation holding it.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import update
from sqlmodel import Session

from app.db import utcnow
from app.models import WalletOffer
from tests.lms import Lms
from tests.wallet.conftest import LiveLaurel, TestWallet, award, lcw_params, make_offer


def _accepted_by_lcw(body: Any) -> list[dict[str, Any]]:
    """LCW's extractCredentialsFrom: a VC, or the credentials of a VP; anything else fails."""
    types = body.get("type") if isinstance(body, dict) else None
    assert types is not None, f"LCW would fail on an answer without type: {body}"
    if "VerifiableCredential" in types:
        return [body]
    assert "VerifiablePresentation" in types
    found = body["verifiableCredential"]
    return found if isinstance(found, list) else [found]


def _expire(live: LiveLaurel, offer_id: str) -> None:
    with Session(live.services.engine) as session:
        session.exec(  # type: ignore[call-overload]
            update(WalletOffer)
            .where(WalletOffer.id == offer_id)  # type: ignore[arg-type]
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()


def test_lcw_deep_link_bare_presentation_gets_bare_bound_credential(
    live: LiveLaurel, lms: Lms, wallet: TestWallet
) -> None:
    uuid = award(lms)
    offer = make_offer(lms, uuid)
    params = lcw_params(offer["links"]["lcw"])
    assert params["auth_type"] == "bearer"
    assert set(params) == {"issuer", "auth_type", "challenge", "vc_request_url"}
    dcc = urlsplit(offer["links"]["dccrequest"])
    assert (dcc.scheme, dcc.netloc) == ("dccrequest", "request")
    assert {k: v[0] for k, v in parse_qs(dcc.query).items()} == params
    before = live.count_credentials()

    presentation = wallet.did_auth(params["challenge"])
    assert "domain" not in presentation["proof"]
    response = live.http.post(params["vc_request_url"], json=presentation)  # bare, no wrapper

    assert response.status_code == 200, response.text
    (credential,) = _accepted_by_lcw(response.json())
    assert "verifiableCredential" not in response.json()
    assert credential["credentialSubject"]["id"] == wallet.did
    assert live.verify(credential)["verified"] is True
    assert live.count_credentials() == before + 1
    original = lms.document(uuid)
    assert credential["id"] != original["id"]
    assert credential["awardedDate"] == original["awardedDate"]
    assert (
        credential["credentialSubject"]["achievement"]
        == (original["credentialSubject"]["achievement"])
    )
    # The LMS's copy stays valid, and knows where its wallet copy went.
    assert live.verify(original)["verified"] is True
    listed = lms.client.get(f"/api/v1/credentials/{uuid}/offers", headers=lms.headers).json()
    (entry,) = listed["items"]
    assert entry["state"] == "used" and entry["protocol"] == "lcw"
    assert entry["holder_did"] == wallet.did
    assert entry["issued_credential_url"].endswith(credential["id"].removeprefix("urn:uuid:"))

    # A replayed offer: the same presentation again.
    replay = live.http.post(params["vc_request_url"], json=presentation)
    assert replay.status_code == 410, replay.text
    assert replay.headers["content-type"].startswith("application/problem+json")
    assert replay.json()["reason"] == "used" and "already used" in replay.json()["detail"]
    assert live.count_credentials() == before + 1


def test_vc_api_exchange_vpr_then_wrapped_presentation(
    live: LiveLaurel, lms: Lms, wallet: TestWallet
) -> None:
    offer = make_offer(lms, award(lms))
    request = json.loads(parse_qs(urlsplit(offer["links"]["lcw_vcapi"]).query)["request"][0])
    exchange_url = request["protocols"]["vcapi"]
    assert exchange_url == offer["links"]["exchange_url"]

    started = live.http.post(exchange_url, json={})
    assert started.status_code == 200, started.text
    vpr = started.json()["verifiablePresentationRequest"]
    assert vpr["query"][0]["type"] == "DIDAuthentication"
    endpoint = vpr["interact"]["service"][0]["serviceEndpoint"]
    presentation = wallet.did_auth(vpr["challenge"], suite="eddsa-rdfc-2022", domain=vpr["domain"])
    answered = live.http.post(endpoint, json={"verifiablePresentation": presentation})

    assert answered.status_code == 200, answered.text
    (credential,) = _accepted_by_lcw(answered.json()["verifiablePresentation"])
    assert credential["credentialSubject"]["id"] == wallet.did
    assert live.verify(credential)["verified"] is True


def test_wrong_challenge_and_wrong_domain_are_refused_and_issue_nothing(
    live: LiveLaurel, lms: Lms, wallet: TestWallet
) -> None:
    params = lcw_params(make_offer(lms, award(lms))["links"]["lcw"])
    before = live.count_credentials()

    wrong = live.http.post(params["vc_request_url"], json=wallet.did_auth("not-the-challenge"))
    assert wrong.status_code == 400, wrong.text
    assert wrong.json()["proof_error"] == "INVALID_CHALLENGE_ERROR"
    assert "challenge" in wrong.json()["detail"]
    other_domain = wallet.did_auth(params["challenge"], domain="https://evil.example")
    refused = live.http.post(params["vc_request_url"], json=other_domain)
    assert refused.status_code == 400 and refused.json()["proof_error"] == "INVALID_DOMAIN_ERROR"
    assert live.count_credentials() == before

    # The offer is still good for the right presentation.
    ok = live.http.post(params["vc_request_url"], json=wallet.did_auth(params["challenge"]))
    assert ok.status_code == 200, ok.text


def test_proof_by_another_key_is_refused(
    live: LiveLaurel, lms: Lms, wallet: TestWallet, other_wallet: TestWallet
) -> None:
    params = lcw_params(make_offer(lms, award(lms))["links"]["lcw"])
    before = live.count_credentials()

    # Claims the wallet's key, signed by another key.
    forged = wallet.did_auth(params["challenge"], signing_key=other_wallet.key)
    response = live.http.post(params["vc_request_url"], json=forged)
    assert response.status_code == 400, response.text
    assert response.json()["proof_error"] == "PROOF_VERIFICATION_ERROR"
    # Names the wallet as holder, proven by another DID's key.
    borrowed = other_wallet.did_auth(params["challenge"], holder=wallet.did)
    response = live.http.post(params["vc_request_url"], json=borrowed)
    assert response.status_code == 400, response.text
    assert '"holder"' in response.json()["detail"]
    # No proof at all.
    unsigned = {k: v for k, v in wallet.did_auth(params["challenge"]).items() if k != "proof"}
    response = live.http.post(params["vc_request_url"], json=unsigned)
    assert response.status_code == 400 and 'no "proof"' in response.json()["detail"]
    assert live.count_credentials() == before


def test_presentation_for_another_did_is_refused(
    live: LiveLaurel, lms: Lms, wallet: TestWallet, other_wallet: TestWallet
) -> None:
    # The learner record is bound to the wallet's DID (the LMS knows it).
    bound = lcw_params(make_offer(lms, award(lms, holder_did=wallet.did))["links"]["lcw"])
    # An offer that pins a DID.
    pinned = lcw_params(make_offer(lms, award(lms), holder_did=wallet.did)["links"]["lcw"])
    before = live.count_credentials()

    for params in (bound, pinned):
        response = live.http.post(
            params["vc_request_url"], json=other_wallet.did_auth(params["challenge"])
        )
        assert response.status_code == 403, response.text
        problem = response.json()
        assert problem["type"].endswith("holder-mismatch")
        assert wallet.did in problem["detail"] and other_wallet.did in problem["detail"]
    assert live.count_credentials() == before

    for params in (bound, pinned):
        ok = live.http.post(params["vc_request_url"], json=wallet.did_auth(params["challenge"]))
        assert ok.status_code == 200, ok.text


def test_expired_and_withdrawn_offers_are_refused(
    live: LiveLaurel, lms: Lms, wallet: TestWallet
) -> None:
    uuid = award(lms)
    expired = make_offer(lms, uuid)
    withdrawn = make_offer(lms, uuid)
    _expire(live, expired["id"])
    gone = lms.client.delete(
        f"/api/v1/credentials/{uuid}/offers/{withdrawn['id']}", headers=lms.headers
    )
    assert gone.status_code == 204
    before = live.count_credentials()

    for offer, reason in ((expired, "expired"), (withdrawn, "withdrawn")):
        params = lcw_params(offer["links"]["lcw"])
        response = live.http.post(
            params["vc_request_url"], json=wallet.did_auth(params["challenge"])
        )
        assert response.status_code == 410, response.text
        assert response.json()["reason"] == reason
        assert live.http.post(offer["links"]["exchange_url"], json={}).status_code == 410
    assert live.count_credentials() == before


def test_unknown_exchange_and_transaction_are_404(
    live: LiveLaurel, lms: Lms, wallet: TestWallet
) -> None:
    params = lcw_params(make_offer(lms, award(lms))["links"]["lcw"])
    presentation = wallet.did_auth(params["challenge"])
    assert live.http.post("/exchanges/nope", json={}).status_code == 404
    wrong_transaction = params["vc_request_url"].rsplit("/", 1)[0] + "/other"
    assert live.http.post(wrong_transaction, json=presentation).status_code == 404
    not_json = live.http.post(params["vc_request_url"], content=b"{not json")
    assert not_json.status_code == 422
    not_vp = live.http.post(params["vc_request_url"], json={"type": ["VerifiableCredential"]})
    assert not_vp.status_code == 400 and "VerifiablePresentation" in not_vp.json()["detail"]


def test_racing_claims_of_one_offer_issue_once(
    live: LiveLaurel, lms: Lms, wallet: TestWallet
) -> None:
    params = lcw_params(make_offer(lms, award(lms))["links"]["lcw"])
    presentation = wallet.did_auth(params["challenge"])
    before = live.count_credentials()
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def claim() -> None:
        with httpx.Client(timeout=60) as client:
            barrier.wait()
            statuses.append(client.post(params["vc_request_url"], json=presentation).status_code)

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 410, 410, 410], statuses
    assert live.count_credentials() == before + 1


def test_offers_survive_a_restart(live: LiveLaurel, lms: Lms, wallet: TestWallet) -> None:
    offer = make_offer(lms, award(lms))
    params = lcw_params(offer["links"]["lcw"])
    live.restart()  # new app, new services and engine; the same database

    response = live.http.post(params["vc_request_url"], json=wallet.did_auth(params["challenge"]))
    assert response.status_code == 200, response.text
    assert response.json()["credentialSubject"]["id"] == wallet.did
    assert live.verify(response.json())["verified"] is True


def test_revoking_the_award_revokes_the_wallet_copy(
    live: LiveLaurel, lms: Lms, wallet: TestWallet
) -> None:
    uuid = award(lms)
    params = lcw_params(make_offer(lms, uuid)["links"]["lcw"])
    copy = live.http.post(params["vc_request_url"], json=wallet.did_auth(params["challenge"]))
    assert copy.status_code == 200
    pending = make_offer(lms, uuid)

    revoked = lms.post(f"/credentials/{uuid}/revoke", {"reason": "academic misconduct"})
    assert revoked.status_code == 200, revoked.text

    report = live.verify(copy.json())
    assert report["verified"] is False
    assert {e["check"]: e["code"] for e in report["errors"]} == {"revocation": "REVOKED"}
    params = lcw_params(pending["links"]["lcw"])
    refused = live.http.post(params["vc_request_url"], json=wallet.did_auth(params["challenge"]))
    assert refused.status_code == 409 and "revoked" in refused.json()["detail"]


def test_offers_requiring_a_tx_code_are_not_claimable_through_lcw(
    live: LiveLaurel, lms: Lms
) -> None:
    offer = make_offer(lms, award(lms), tx_code=True)
    assert "lcw" not in {k for k, v in offer["links"].items() if v}
    exchange = (
        f"{live.base_url}/exchanges/" + offer["links"]["credential_offer_uri"].rsplit("/", 1)[1]
    )
    response = live.http.post(exchange, json={})
    assert response.status_code == 403 and "transaction code" in response.json()["detail"]


def test_reissue_keeps_wallet_copies_and_offers_follow_the_successor(
    live: LiveLaurel, lms: Lms, wallet: TestWallet
) -> None:
    uuid = award(lms)
    first = lcw_params(make_offer(lms, uuid)["links"]["lcw"])
    copy = live.http.post(first["vc_request_url"], json=wallet.did_auth(first["challenge"]))
    assert copy.status_code == 200
    pending = make_offer(lms, uuid)

    reissued = lms.post(f"/credentials/{uuid}/reissue", {})
    assert reissued.status_code == 201, reissued.text
    successor = reissued.json()["uuid"]

    assert live.verify(copy.json())["verified"] is True  # a re-issue revokes no wallet copy
    params = lcw_params(pending["links"]["lcw"])
    second = live.http.post(params["vc_request_url"], json=wallet.did_auth(params["challenge"]))
    assert second.status_code == 200, second.text
    assert second.json()["credentialSubject"]["id"] == wallet.did
    with Session(live.services.engine) as session:
        row = session.get(WalletOffer, pending["id"])
        assert row is not None and row.source_uuid == successor and row.credential_uuid == uuid
    assert live.http.get(pending["links"]["page"]).status_code == 200


def test_a_credential_issued_through_the_vc_api_can_be_claimed(
    live: LiveLaurel, lms: Lms, wallet: TestWallet
) -> None:
    """No LMS award behind it: no learner record, an OB credential with identifiers only."""
    issued = lms.factory.issue(lms.caller)
    uuid = issued["id"].removeprefix("urn:uuid:")
    params = lcw_params(make_offer(lms, uuid)["links"]["lcw"])
    response = live.http.post(
        params["vc_request_url"], json=wallet.did_auth(params["challenge"], suite="eddsa-rdfc-2022")
    )
    assert response.status_code == 200, response.text
    credential = response.json()
    assert credential["credentialSubject"]["id"] == wallet.did
    assert (
        credential["credentialSubject"]["identifier"] == issued["credentialSubject"]["identifier"]
    )
    assert live.verify(credential)["verified"] is True


def _issuer_key(live: LiveLaurel, verification_method: str) -> Any:
    from app.core.multiformats import decode_multikey

    document = live.http.get("/orgs/acme/did.json").json()
    (method,) = [m for m in document["verificationMethod"] if m["id"] == verification_method]
    return decode_multikey(method["publicKeyMultibase"])


def test_lcw_copy_carries_an_ed25519signature2020_proof_set(
    live: LiveLaurel, lms: Lms, wallet: TestWallet
) -> None:
    """LCW 2.1.x verifies only Ed25519Signature2020: its copy has that proof and the OB 3.0
    eddsa-rdfc-2022 one, each verifying on its own (a proof set, VC-DI §4.4)."""
    params = lcw_params(make_offer(lms, award(lms))["links"]["lcw"])
    response = live.http.post(params["vc_request_url"], json=wallet.did_auth(params["challenge"]))
    assert response.status_code == 200, response.text
    credential = response.json()
    first, legacy = credential["proof"]
    assert (first["type"], first["cryptosuite"]) == ("DataIntegrityProof", "eddsa-rdfc-2022")
    assert legacy["type"] == "Ed25519Signature2020" and "cryptosuite" not in legacy
    assert "https://w3id.org/security/suites/ed25519-2020/v1" in credential["@context"]
    assert first["verificationMethod"] == legacy["verificationMethod"]
    key = _issuer_key(live, legacy["verificationMethod"])
    for proof in (first, legacy):  # as a wallet that knows only one of the suites would
        alone = {**credential, "proof": proof}
        check = wallet.engine.verify_proof(alone, proof, key)
        assert check.verified, check.message
    assert live.verify(credential)["verified"] is True
    assert live.verify({**credential, "proof": legacy})["verified"] is True


def test_the_lms_may_turn_the_legacy_proof_off(
    live: LiveLaurel, lms: Lms, wallet: TestWallet
) -> None:
    offer = make_offer(lms, award(lms), legacy_proof=False)
    params = lcw_params(offer["links"]["lcw"])
    response = live.http.post(params["vc_request_url"], json=wallet.did_auth(params["challenge"]))
    assert response.status_code == 200, response.text
    proof = response.json()["proof"]
    assert isinstance(proof, dict) and proof["cryptosuite"] == "eddsa-rdfc-2022"
