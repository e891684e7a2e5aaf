"""Share links: LinkedIn "Add to profile" (app.sharing.linkedin, e-mails use it too), e-mail,
and the page's QR code."""

from __future__ import annotations

import io
from html import escape
from urllib.parse import quote, urlencode

import segno

from app.sharing.linkedin import LINKEDIN_ADD, linkedin_add_url

__all__ = ["LINKEDIN_ADD", "linkedin_add_url", "mailto_url", "qr_svg"]


def mailto_url(*, subject: str, body: str) -> str:
    """A mailto: link (RFC 6068) with the subject and body percent-encoded."""
    return "mailto:?" + urlencode({"subject": subject, "body": body}, quote_via=quote)


def qr_svg(
    url: str,
    *,
    scale: int = 4,
    dark: str = "#000",
    inline: bool = False,
    label: str = "QR code of this page's address",
) -> str:
    """The URL as a QR code (ISO/IEC 18004, error correction M) in SVG.

    Dark modules on a white quiet zone of 4 modules, whatever the theme: scanners need contrast.
    """
    code = segno.make(url, error="m", micro=False)
    if inline:  # sized by CSS: a viewBox instead of width and height
        svg = code.svg_inline(border=4, dark=dark, light="#fff", omitsize=True)
        return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
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
