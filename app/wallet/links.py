"""Links and QR codes that start a claim in a wallet.

- ``lcw``: the Learner Credential Wallet's web link, ``https://lcw.app/request.html`` with
  ``issuer``, ``auth_type=bearer`` (required: the default ``code`` needs an OAuth registry
  entry), ``challenge`` and ``vc_request_url``. Values are percent-encoded (LCW's
  ``encodeQueryParams`` leaves encoded values alone). It serves the phone's camera (the web
  page hands over to the app), but LCW's own scanner ("Add credential → scan") accepts only
  what its ``isDeepLink`` knows: the app schemes ``dccrequest://`` and
  ``org.dcconsortium://``, and the universal link prefix ``https://lcw.app/mobile``. So the
  same request is also given as:
- ``dccrequest`` / ``org_dcconsortium``: ``<scheme>://request?...`` (the app's ``request``
  path), for the in-app scanner (``lcw_scan_qr_svg`` encodes the first) and links tapped on
  the phone;
- ``lcw_universal``: ``https://lcw.app/mobile/request?...``, the universal (app) link: opens
  the app where it is installed, and is also accepted by the in-app scanner.
- ``lcw_vcapi``: LCW's newer form, ``request.html?request={"credentialRequestOrigin",
  "protocols": {"vcapi": <exchange URL>}}``, which starts at the VC-API exchange (VPR first).
- ``openid_credential_offer``: ``openid-credential-offer://?credential_offer_uri=...``
  (OID4VCI 1.0 §4.1.3: by reference, so the QR code stays small).

Offers that require a transaction code get no LCW links: the LCW flow has no place for one.
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode, urlsplit

import segno

from app.wallet.offers import OpenOffer

LCW_REQUEST = "https://lcw.app/request.html"
DCC_REQUEST = "dccrequest://request"
DCC_CONSORTIUM_REQUEST = "org.dcconsortium://request"
LCW_UNIVERSAL_REQUEST = "https://lcw.app/mobile/request"
OPENID_CREDENTIAL_OFFER = "openid-credential-offer://"


def qr_svg(data: str, label: str) -> str:
    """An inline SVG QR code (error correction M, 4-module quiet zone) sized by CSS."""
    code = segno.make(data, error="m", micro=False)
    svg: str = code.svg_inline(border=4, dark="#000", light="#fff", omitsize=True)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def lcw_params(offer: OpenOffer) -> dict[str, str]:
    return {
        "issuer": urlsplit(offer.base_url).netloc,
        "auth_type": "bearer",
        "challenge": offer.record.challenge,
        "vc_request_url": offer.vc_request_url,
    }


def wallet_links(offer: OpenOffer, *, qr: bool = True) -> dict[str, str]:
    """Every way into a wallet for this offer; with ``qr``, the QR codes as inline SVG too."""
    links: dict[str, str] = {}
    if offer.record.tx_code_hash is None:
        query = urlencode(lcw_params(offer), quote_via=quote)
        request = json.dumps(
            {"credentialRequestOrigin": offer.base_url, "protocols": {"vcapi": offer.exchange_url}},
            separators=(",", ":"),
        )
        links.update(
            lcw=f"{LCW_REQUEST}?{query}",
            dccrequest=f"{DCC_REQUEST}?{query}",
            org_dcconsortium=f"{DCC_CONSORTIUM_REQUEST}?{query}",
            lcw_universal=f"{LCW_UNIVERSAL_REQUEST}?{query}",
            lcw_vcapi=f"{LCW_REQUEST}?request={quote(request, safe='')}",
            vc_request_url=offer.vc_request_url,
            exchange_url=offer.exchange_url,
        )
    links.update(
        openid_credential_offer=(
            f"{OPENID_CREDENTIAL_OFFER}?credential_offer_uri="
            f"{quote(offer.credential_offer_uri, safe='')}"
        ),
        credential_offer_uri=offer.credential_offer_uri,
        page=offer.page_url,
    )
    if qr:
        if "lcw" in links:
            links["lcw_qr_svg"] = qr_svg(
                links["lcw"], "QR code for the phone's camera (Learner Credential Wallet)"
            )
            links["lcw_scan_qr_svg"] = qr_svg(
                links["dccrequest"], "QR code for the scanner inside the Learner Credential Wallet"
            )
        links["openid_credential_offer_qr_svg"] = qr_svg(
            links["openid_credential_offer"], "QR code for an OpenID4VCI wallet"
        )
    return links
