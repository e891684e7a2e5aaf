"""The LMS side (offers API), the learner's "Add to wallet" page, and downloads."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import parse_qs, urlsplit

import zxingcpp
from sqlmodel import Session

from app.models import WalletOffer
from app.wallet.links import qr_svg
from app.wallet.offers import digest
from tests.factories import Factory
from tests.lms import Lms
from tests.wallet.conftest import LiveLaurel, TestWallet, award, lcw_params, make_offer
from tests.web.helpers import rasterize_segno_svg


def test_offer_api_shape_storage_and_scopes(live: LiveLaurel, lms: Lms) -> None:
    uuid = award(lms)
    offer = make_offer(lms, uuid, expires_in=600)
    assert offer["state"] == "pending" and offer["credential"] == uuid
    assert offer["tx_code"] is None and offer["tx_code_required"] is False
    links = offer["links"]
    token = links["credential_offer_uri"].rsplit("/", 1)[1]
    assert links["page"] == f"{live.base_url}/credentials/{uuid}/wallet?offer={token}"
    assert links["exchange_url"] == f"{live.base_url}/exchanges/{token}"
    assert parse_qs(urlsplit(links["openid_credential_offer"]).query) == {
        "credential_offer_uri": [links["credential_offer_uri"]]
    }
    # Only hashes of the token are stored.
    with Session(live.services.engine) as session:
        row = session.get(WalletOffer, offer["id"])
        assert row is not None and row.token_hash == digest(token)
        assert token not in json.dumps(row.model_dump(), default=str)

    bad = lms.client.post(
        f"/api/v1/credentials/{uuid}/offers", json={"expires_in": 5}, headers=lms.headers
    )
    assert bad.status_code == 422 and bad.json()["field"] == "expires_in"
    bad = lms.client.post(
        f"/api/v1/credentials/{uuid}/offers", json={"holder_did": "bob"}, headers=lms.headers
    )
    assert bad.status_code == 422 and bad.json()["field"] == "holder_did"

    factory = Factory(live.services, live.http)  # type: ignore[arg-type]
    events_only = factory.caller("acme", scopes=["events:write"])
    denied = live.http.post(f"/api/v1/credentials/{uuid}/offers", headers=events_only.headers)
    assert denied.status_code == 403
    wallet_only = factory.caller("acme", scopes=["wallet:offers"])
    allowed = live.http.post(f"/api/v1/credentials/{uuid}/offers", headers=wallet_only.headers)
    assert allowed.status_code == 201, allowed.text
    stranger = factory.caller("globex")
    hidden = live.http.post(f"/api/v1/credentials/{uuid}/offers", headers=stranger.headers)
    assert hidden.status_code == 404
    assert live.http.post(f"/api/v1/credentials/{uuid}/offers").status_code == 401


def test_offer_cannot_pin_a_did_other_than_the_learners(
    live: LiveLaurel, lms: Lms, wallet: TestWallet, other_wallet: TestWallet
) -> None:
    uuid = award(lms, holder_did=wallet.did)
    response = lms.client.post(
        f"/api/v1/credentials/{uuid}/offers",
        json={"holder_did": other_wallet.did},
        headers=lms.headers,
    )
    assert response.status_code == 403 and response.json()["type"].endswith("holder-mismatch")


def test_withdraw_and_list(live: LiveLaurel, lms: Lms, wallet: TestWallet) -> None:
    uuid = award(lms)
    used, pending = make_offer(lms, uuid), make_offer(lms, uuid)
    params = lcw_params(used["links"]["lcw"])
    claimed = live.http.post(params["vc_request_url"], json=wallet.did_auth(params["challenge"]))
    assert claimed.status_code == 200, claimed.text

    base = f"/api/v1/credentials/{uuid}/offers"
    conflict = lms.client.delete(f"{base}/{used['id']}", headers=lms.headers)
    assert conflict.status_code == 409
    for _ in range(2):  # idempotent
        assert lms.client.delete(f"{base}/{pending['id']}", headers=lms.headers).status_code == 204
    assert lms.client.delete(f"{base}/nope", headers=lms.headers).status_code == 404
    states = {
        o["id"]: o["state"] for o in lms.client.get(base, headers=lms.headers).json()["items"]
    }
    assert states == {used["id"]: "used", pending["id"]: "withdrawn"}


def test_add_to_wallet_page(live: LiveLaurel, lms: Lms, wallet: TestWallet) -> None:
    uuid = award(lms)
    offer = make_offer(lms, uuid)
    page = live.http.get(offer["links"]["page"])

    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "private, no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    text = html.unescape(page.text)
    assert offer["links"]["lcw"] in text and offer["links"]["dccrequest"] in text
    assert offer["links"]["openid_credential_offer"] in text
    assert page.text.count("<svg") == 3 and "Introduction to Computer Science" in text
    assert f"../{uuid}/download?format=json" in text

    wrong = live.http.get(f"/credentials/{uuid}/wallet", params={"offer": "nope"})
    assert wrong.status_code == 404
    other = award(lms)
    token = offer["links"]["credential_offer_uri"].rsplit("/", 1)[1]
    mismatched = live.http.get(f"/credentials/{other}/wallet", params={"offer": token})
    assert mismatched.status_code == 404

    params = lcw_params(offer["links"]["lcw"])
    claimed = live.http.post(params["vc_request_url"], json=wallet.did_auth(params["challenge"]))
    assert claimed.status_code == 200
    after = live.http.get(offer["links"]["page"])
    assert after.status_code == 200
    assert "Already in a wallet" in after.text and wallet.did in after.text
    assert "<svg" not in after.text
    copy_uuid = claimed.json()["id"].removeprefix("urn:uuid:")
    assert f"../{copy_uuid}/download?format=jwt" in html.unescape(after.text)

    tx = make_offer(lms, uuid, tx_code=True)
    tx_page = live.http.get(tx["links"]["page"])
    assert "You will need a code" in tx_page.text and tx["tx_code"] not in tx_page.text
    assert tx_page.text.count("<svg") == 1  # OID4VCI only


def test_downloads(live: LiveLaurel, lms: Lms) -> None:
    uuid = award(lms)
    as_json = live.http.get(f"/credentials/{uuid}/download", params={"format": "json"})
    assert as_json.status_code == 200
    assert as_json.headers["content-type"] == "application/vc+ld+json"
    disposition = as_json.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=")
    assert disposition.endswith(f'-{uuid[:8]}.json"')
    assert as_json.content == json.dumps(
        lms.document(uuid), ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")

    as_jwt = live.http.get(f"/credentials/{uuid}/download", params={"format": "jwt"})
    assert as_jwt.status_code == 200 and as_jwt.headers["content-type"].startswith("text/plain")
    assert as_jwt.headers["content-disposition"].endswith('.jwt"')
    assert live.verify(as_jwt.text)["verified"] is True
    again = live.http.get(f"/credentials/{uuid}/download", params={"format": "jwt"})
    assert again.text == as_jwt.text  # signed once, then served as stored

    assert live.http.get("/credentials/nope/download").status_code == 404
    assert live.http.get(f"/credentials/{uuid}/download", params={"format": "x"}).status_code == 422


def test_page_for_expired_offers_and_revoked_credentials(live: LiveLaurel, lms: Lms) -> None:
    uuid = award(lms)
    expired, pending = make_offer(lms, uuid), make_offer(lms, uuid)
    with Session(live.services.engine) as session:
        row = session.get(WalletOffer, expired["id"])
        assert row is not None
        row.expires_at = row.created_at
        session.add(row)
        session.commit()
    page = live.http.get(expired["links"]["page"])
    assert page.status_code == 200 and "This link has expired" in page.text
    assert "<svg" not in page.text

    assert lms.post(f"/credentials/{uuid}/revoke", {"reason": "error"}).status_code == 200
    page = live.http.get(pending["links"]["page"])
    assert page.status_code == 200 and "cannot be added to a wallet" in page.text
    assert "revoked" in page.text and "<svg" not in page.text


#: What LCW 2.1.x's in-app scanner takes for a request link (its ``isDeepLink``).
LCW_SCANNER_PREFIXES = ("dccrequest://", "org.dcconsortium://", "https://lcw.app/mobile")


def test_lcw_in_app_scanner_gets_a_link_form_it_accepts(live: LiveLaurel, lms: Lms) -> None:
    offer = make_offer(lms, award(lms))
    links = offer["links"]
    assert not links["lcw"].startswith(LCW_SCANNER_PREFIXES)  # the camera form only
    params = lcw_params(links["lcw"])
    for name, prefix in (
        ("dccrequest", "dccrequest://request?"),
        ("org_dcconsortium", "org.dcconsortium://request?"),
        ("lcw_universal", "https://lcw.app/mobile/request?"),
    ):
        link = links[name]
        assert link.startswith(LCW_SCANNER_PREFIXES) and link.startswith(prefix)
        query = urlsplit(link).query
        assert {k: v[0] for k, v in parse_qs(query).items()} == params

    text = html.unescape(live.http.get(links["page"]).text)
    for name in ("lcw", "dccrequest", "org_dcconsortium", "lcw_universal"):
        assert links[name] in text
    assert "With the scanner inside the app" in text and "With your phone's camera" in text
    # The in-app scanner's QR code encodes the dccrequest:// form, the camera's the web form.
    scan = qr_svg(
        links["dccrequest"], "QR code for the scanner inside the Learner Credential Wallet"
    )
    camera = qr_svg(links["lcw"], "QR code for the phone's camera (Learner Credential Wallet)")
    assert scan in text and camera in text
    # And it scans to that link (decoded from the page's own SVG).
    found = re.search(r'<svg role="img" aria-label="QR code for the scanner.*?</svg>', text, re.S)
    assert found is not None
    decoded = [r.text for r in zxingcpp.read_barcodes(rasterize_segno_svg(found.group(0)))]
    assert decoded == [links["dccrequest"]]
