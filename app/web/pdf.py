"""The certificate as a PDF, rendered on the server from the page's own print layout.

WeasyPrint lays out the same HTML and print CSS a browser prints (one landscape page, see
templates/base.css ``@media print``), embeds subsets of the fonts it used and draws the inline
SVG QR code as vectors. It fetches nothing from the network: theme images are read from the
theme folder and ``data:`` images are decoded; any other URL (an issuer's remote image) is left
out, so a credential cannot make the server request an address of its choosing (SSRF).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

log = logging.getLogger("laurel.web")

#: Looks up a theme file from its URL (``…/themes/<slug>/<name>``), or None.
AssetLookup = Callable[[str], Path | None]

_MEDIA = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}


def _blank_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (1, 1), (0, 0, 0, 0)).save(out, "PNG")
    return out.getvalue()


#: A 1x1 transparent PNG: what an image the PDF does not fetch becomes.
BLANK_PNG = _blank_png()


class PdfUnavailable(RuntimeError):
    """WeasyPrint or its system libraries (Pango) are not installed."""


def _fetcher(assets: AssetLookup) -> Any:
    try:
        from weasyprint.urls import URLFetcher, URLFetcherResponse
    except (ImportError, OSError) as exc:  # OSError: libpango missing
        raise PdfUnavailable(str(exc)) from exc

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.lower().startswith("data:image/"):
                return super().fetch(url, headers)
            path = assets(url)
            if path is None:  # left blank, quietly: not an error of the page
                log.debug("certificate PDF: not fetched: %s", url[:120])
                return URLFetcherResponse(url, BLANK_PNG, {"Content-Type": "image/png"})
            media = _MEDIA.get(path.suffix.lower(), "application/octet-stream")
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media})

    return LocalOnlyFetcher(allowed_protocols=("data", "http", "https"))


def render_pdf(html: str, base_url: str, assets: AssetLookup) -> bytes:
    """One PDF from the certificate page's HTML, laid out with its print styles."""
    fetcher = _fetcher(assets)
    from weasyprint import HTML

    # WeasyPrint warns about every screen-only CSS value it skips (clamp(), min()): not news.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)

    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher, media_type="print")
    pdf = document.write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
