"""Which URLs a page may write into ``href`` or ``src``: an allow-list of schemes.

Credentials carry URLs that their issuer or an LMS chose (``issuer.url``, images, criteria,
evidence, signatures). A ``javascript:`` or ``data:text/html`` URL in a link runs script on this
origin when clicked, so every URL a template writes into ``href`` or ``src`` passes
``allowed_url`` (the Jinja filter of the same name) and the view models use it too.

Parsing follows what browsers do (WHATWG URL Standard, "basic URL parser"): leading and trailing
C0 controls and spaces are stripped and tabs or newlines are removed anywhere ("java\\tscript:"
is ``javascript:``), and a scheme is case-insensitive. A URL with any control character is
refused outright rather than cleaned.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

Kind = Literal["link", "image", "wallet"]

_WEB = frozenset({"https", "http"})
SCHEMES: dict[str, frozenset[str]] = {
    "link": _WEB | {"mailto"},
    "image": _WEB,  # and data:image/..., below
    # The wallet page's own deep links (app/wallet/links.py).
    "wallet": _WEB | {"dccrequest", "org.dcconsortium", "openid-credential-offer"},
}
#: Any image type: an <img> never runs script, whatever the image (SVG included).
_DATA_IMAGE = re.compile(r"^data:image/[a-z0-9.+-]+[;,]", re.IGNORECASE)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def allowed_url(value: object, kind: Kind = "link") -> str:
    """``value`` if a browser would open it with an allowed scheme, else "" (no link).

    Relative references (``../themes/acme/logo.svg``, ``./{uuid}/credential.json``) stay on
    this origin over http(s) and are allowed; ``kind`` picks the schemes: ``link`` (http,
    https, mailto), ``image`` (http, https, data:image/...), ``wallet`` (link plus the wallet
    apps' schemes).
    """
    if not isinstance(value, str):
        return ""
    url = value.strip(_C0_AND_SPACE)
    if not url or _CONTROL.search(url):
        return ""
    match = _SCHEME.match(url)
    if match is None:
        return url
    scheme = match.group(1).lower()
    if kind == "image" and scheme == "data":
        return url if _DATA_IMAGE.match(url) else ""
    if scheme not in SCHEMES[kind]:
        return ""
    if scheme in _WEB:
        try:
            if not urlsplit(url).netloc:
                return ""  # "https:evil" and the like: no host, no link
        except ValueError:  # e.g. an unclosed IPv6 bracket
            return ""
    return url
