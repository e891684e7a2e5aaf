"""What a verifier can be handed, read safely: size, nesting depth and format.

A credential arrives as a JSON-LD object with embedded proofs, a compact JWS (OB 3.0 §8.2
VC-JWT, VC-JOSE-COSE §3.1 ``vc+jwt``), or a VC DM 2.0 §4.13 ``EnvelopedVerifiableCredential``
whose ``id`` is a ``data:application/vc+jwt,<jws>`` URL. Oversized or deeply nested input is
refused with a clear ``SubmissionError`` before any JSON-LD or cryptographic work.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote

from app.core.text_input import find_bad_string

MAX_BYTES = 1_000_000
#: A credential nested this deep (or deeper) is refused: real credentials stay under ~12.
MAX_DEPTH = 100
#: JSON values (objects, arrays, scalars) in one credential.
MAX_NODES = 50_000

ENVELOPED = "EnvelopedVerifiableCredential"
_JWT_MEDIA = ("application/vc+jwt", "application/vc-ld+jwt", "application/jwt")
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")

Format = Literal["ldp_vc", "jwt_vc", "enveloped_vc"]


class SubmissionError(ValueError):
    """Input that cannot be verified at all; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, *, status: int = 422, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field


class TooCostly(SubmissionError):
    """Verifying it needed more CPU than a request may use; the work was stopped (413)."""

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(f"the credential was not verified: {reason}", status=413, field=field)


@dataclass(frozen=True)
class Submission:
    """A classified credential: a JSON-LD object or a compact JWS (and the envelope it came in,
    whose own ``@context`` is checked too)."""

    format: Format
    credential: dict[str, Any] | None = None
    token: str | None = None
    envelope: dict[str, Any] | None = None


def parse_json(
    raw: bytes | str,
    *,
    what: str = "the request body",
    max_depth: int = MAX_DEPTH,
    field: str | None = None,
) -> Any:
    """JSON text -> value, refusing more than ``MAX_BYTES``, nesting ``max_depth`` deep, or a
    string no credential can hold (NUL, lone surrogate); ``field`` prefixes the path named."""
    size = len(raw.encode() if isinstance(raw, str) else raw)
    if size > MAX_BYTES:
        raise SubmissionError(
            f"{what} is {size} bytes; at most {MAX_BYTES} bytes are accepted", status=413
        )
    try:
        value = json.loads(raw)
    except RecursionError:
        raise SubmissionError(f"{what} is nested {max_depth} or more levels deep") from None
    except ValueError as exc:
        raise SubmissionError(f"{what} is not valid JSON: {exc}", status=400) from None
    check_shape(value, what=what, max_depth=max_depth)
    check_text(value, field)
    return value


def check_text(value: Any, field: str | None = None) -> None:
    """Refuse a NUL or a lone surrogate anywhere in ``value`` (app/core/text_input.py: they
    cannot be canonicalized, hashed or looked up), naming where it is."""
    found = find_bad_string(value, (field,) if field else ())
    if found is not None:
        where, reason = found
        raise SubmissionError(f'"{where}" {reason}', field=where)


def check_shape(value: Any, *, what: str = "the credential", max_depth: int = MAX_DEPTH) -> None:
    """Refuse a value nested ``max_depth`` deep or holding more than ``MAX_NODES`` values."""
    nodes = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise SubmissionError(f"{what} holds more than {MAX_NODES} JSON values")
        if isinstance(item, dict | list):
            if depth >= max_depth:
                raise SubmissionError(f"{what} is nested {max_depth} or more levels deep")
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def classify(value: Any, *, field: str = "verifiableCredential") -> Submission:
    """The format of a submitted credential (a JSON object, a JWS string or an envelope)."""
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_BYTES:
            raise SubmissionError(f'"{field}" is longer than {MAX_BYTES} bytes', status=413)
        if text.startswith("{"):
            return classify(parse_json(text, what=f'"{field}"', field=field), field=field)
        if _COMPACT_JWS.match(text):
            return Submission("jwt_vc", token=text)
        raise SubmissionError(
            f'"{field}" must be a JSON object or a compact JWS (VC-JWT)', field=field
        )
    if not isinstance(value, dict):
        raise SubmissionError(
            f'"{field}" must be a JSON object or a compact JWS string', field=field
        )
    check_shape(value, what=f'"{field}"')
    check_text(value, field)
    types = value.get("type")
    types = types if isinstance(types, list) else [types]
    if ENVELOPED in types:
        return Submission("enveloped_vc", token=_enveloped_token(value, field), envelope=value)
    return Submission("ldp_vc", credential=value)


def _enveloped_token(envelope: dict[str, Any], field: str) -> str:
    """The JWS inside ``data:application/vc+jwt,<jws>`` (VC DM 2.0 §4.13, VC-JOSE-COSE §3.1)."""
    data_url = envelope.get("id")
    if not isinstance(data_url, str) or not data_url.startswith("data:"):
        raise SubmissionError(
            f'"{field}.id" of an {ENVELOPED} must be a data: URL', field=f"{field}.id"
        )
    media, sep, payload = data_url[len("data:") :].partition(",")
    media_type = media.split(";")[0].strip().lower()
    if not sep or media_type not in _JWT_MEDIA or ";base64" in media.lower():
        raise SubmissionError(
            f'"{field}.id" must be "data:application/vc+jwt,<compact JWS>", not "{media}"',
            field=f"{field}.id",
        )
    token = unquote(payload).strip()
    if not _COMPACT_JWS.match(token):
        raise SubmissionError(f'"{field}.id" does not hold a compact JWS', field=f"{field}.id")
    return token
