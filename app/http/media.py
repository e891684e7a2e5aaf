"""Media types (VC DM 2.0 §6.2, OB 3.0 §5) and an Accept-header chooser."""

from __future__ import annotations

VC_LD_JSON = "application/vc+ld+json"
VC = "application/vc"
LD_JSON = "application/ld+json"
JSON = "application/json"
DID_JSON = "application/did+ld+json"
JWK_SET = "application/jwk-set+json"
HTML = "text/html"
VC_JWT = "application/vc+jwt"  # VC-JOSE-COSE §3.1.1
JWT = "application/jwt"  # RFC 7519: the OB 3.0 VC-JWT (§8.2)
TEXT = "text/plain"  # OB 3.0 §5: a VC-JWT web resource may be served as text/plain


def preferred(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type the Accept header ranks highest (RFC 9110 §12.5.1)."""
    if not accept:
        return offered[0]
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        q = 1.0
        for param in fields[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        ranked.append((q, -position, media))
    ranked.sort(reverse=True)
    for q, _, media in ranked:
        if q <= 0:
            continue
        for option in offered:
            if (
                media == option
                or media == "*/*"
                or (media.endswith("/*") and option.startswith(media[:-1]))
            ):
                return option
    return None
