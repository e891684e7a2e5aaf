"""Share links: LinkedIn "Add to profile", e-mail, and the page's QR code."""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import quote, urlencode

import segno

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def linkedin_add_url(
    *,
    name: str,
    organization: str,
    issued: date | None,
    cert_url: str,
    cert_id: str,
    expires: date | None = None,
) -> str:
    """LinkedIn's "Add licence or certification" link (startTask=CERTIFICATION_NAME)."""
    params: list[tuple[str, str]] = [
        ("startTask", "CERTIFICATION_NAME"),
        ("name", name),
        ("organizationName", organization),
    ]
    if issued is not None:
        params += [("issueYear", str(issued.year)), ("issueMonth", str(issued.month))]
    if expires is not None:
        params += [("expirationYear", str(expires.year)), ("expirationMonth", str(expires.month))]
    params += [("certUrl", cert_url), ("certId", cert_id)]
    return f"{LINKEDIN_ADD}?{urlencode(params, quote_via=quote)}"


def mailto_url(*, subject: str, body: str) -> str:
    """A mailto: link (RFC 6068) with the subject and body percent-encoded."""
    return "mailto:?" + urlencode({"subject": subject, "body": body}, quote_via=quote)


def qr_svg(url: str, *, scale: int = 4, dark: str = "#000", inline: bool = False) -> str:
    """The URL as a QR code (ISO/IEC 18004, error correction M) in SVG.

    Dark modules on a white quiet zone of 4 modules, whatever the theme: scanners need contrast.
    """
    code = segno.make(url, error="m", micro=False)
    if inline:  # sized by CSS: a viewBox instead of width and height
        svg = code.svg_inline(border=4, dark=dark, light="#fff", omitsize=True)
        return svg.replace(
            "<svg ", '<svg role="img" aria-label="QR code of this page\'s address" ', 1
        )
    out = io.BytesIO()
    code.save(
        out,
        kind="svg",
        scale=scale,
        border=4,
        dark=dark,
        light="#fff",
        xmldecl=True,
        title="QR code: " + url,
    )
    return out.getvalue().decode("utf-8")
