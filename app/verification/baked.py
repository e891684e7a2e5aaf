"""Baked badges handed to the verifier (OB 3.0 §5.3): the credential is taken out of the image,
then verified like any other submission.

A PNG carries it in its ``openbadgecredential`` iTXt chunk (§5.3.1), an SVG in an
``<openbadges:credential>`` element of ``https://purl.imsglobal.org/ob/v3p0`` (§5.3.2); either
holds the credential's JSON or its compact JWS (VC-JWT). The pure reading lives in
``app.core.vc.baking``; this module turns its errors into a ``SubmissionError`` (a 422 naming
the field).
"""

from __future__ import annotations

from typing import Any

from app.core.vc.baking import PNG_SIGNATURE, BakingError, unbake
from app.verification.submission import SubmissionError, parse_json

#: The media types ``POST /credentials/verify`` accepts as a baked badge body.
IMAGE_MEDIA = ("image/png", "image/svg+xml")


def looks_like_image(data: bytes) -> bool:
    """A PNG, or markup (an SVG): never a credential's JSON or a compact JWS."""
    return data.startswith(PNG_SIGNATURE) or data.lstrip()[:1] == b"<"


def unbake_text(data: bytes, *, field: str = "body") -> str:
    """The credential text baked into a PNG or SVG badge."""
    try:
        text = unbake(data).strip()
    except BakingError as exc:
        raise SubmissionError(f"no baked credential could be read: {exc}", field=field) from None
    if not text:
        raise SubmissionError("the baked credential is empty", field=field)
    return text


def unbake_credential(data: bytes, *, field: str = "body") -> Any:
    """The baked credential as a submission: a JSON object or a compact JWS string."""
    text = unbake_text(data, field=field)
    if text.startswith("{"):
        return parse_json(text, what="the baked credential")
    return text
