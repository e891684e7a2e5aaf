"""Checks on a credential submitted for signing (VC DM 2.0 / 1.1 shape), naming the field.

Size limits come first, before any JSON-LD work: what is signed is stored, and every anonymous
view of its page verifies it again, so issuance accepts only what verifies cheaply.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.core.vocabulary import VC_V1, VC_V2
from app.errors import InvalidInput, PayloadTooLarge

MAX_DEPTH = 32


@dataclass(frozen=True)
class IssueLimits:
    """What one credential submitted for signing may hold (settings ``LAUREL_ISSUE_MAX_*``)."""

    #: Bytes of the credential as compact UTF-8 JSON.
    max_bytes: int = 131_072
    #: Items in any one array (a program's evidence, an achievement's tags, ...).
    max_array_length: int = 1_000
    #: Nesting of objects and arrays below the credential itself.
    max_depth: int = MAX_DEPTH
    #: Characters in any one string or property name (room for a data: URI image).
    max_string_length: int = 65_536
    #: JSON values (objects, arrays, strings, numbers, ...) in the whole credential.
    max_values: int = 10_000


DEFAULT_LIMITS = IssueLimits()


def data_model_version(credential: dict[str, Any]) -> int:
    """2 for VC DM 2.0, 1 for VC DM 1.1, from ``@context[0]`` (VC DM 2.0 §4.3)."""
    context = credential.get("@context")
    if context is None:
        raise InvalidInput('"@context" is required', field="credential.@context")
    if isinstance(context, str):
        context = [context]
    if not isinstance(context, list) or not context:
        raise InvalidInput('"@context" must be a non-empty array', field="credential.@context")
    if context[0] == VC_V2:
        return 2
    if context[0] == VC_V1:
        return 1
    raise InvalidInput(
        f'"@context" must start with "{VC_V2}" (or "{VC_V1}" for VC 1.1)',
        field="credential.@context",
    )


def check_shape(credential: Any, limits: IssueLimits = DEFAULT_LIMITS) -> int:
    """Refuse what no verifier would accept; returns the data model version."""
    if not isinstance(credential, dict):
        raise InvalidInput('"credential" must be a JSON object', field="credential")
    check_limits(credential, limits)
    version = data_model_version(credential)
    types = credential.get("type")
    type_list = [types] if isinstance(types, str) else types
    if not isinstance(type_list, list) or "VerifiableCredential" not in type_list:
        raise InvalidInput('"type" must include "VerifiableCredential"', field="credential.type")
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        if not subject or not all(isinstance(s, dict) for s in subject):
            raise InvalidInput(
                '"credentialSubject" must be an object or a non-empty array of objects',
                field="credential.credentialSubject",
            )
    elif not isinstance(subject, dict) or not subject:
        raise InvalidInput('"credentialSubject" is required', field="credential.credentialSubject")
    if "proof" in credential:
        raise InvalidInput(
            '"proof" must not be present: the issuer adds it', field="credential.proof"
        )
    if "id" in credential and not isinstance(credential["id"], str):
        raise InvalidInput('"id" must be a URL string', field="credential.id")
    for name in ("validFrom", "validUntil", "issuanceDate", "expirationDate"):
        if name in credential:
            parse_datetime(credential[name], f"credential.{name}")
    start = credential.get("validFrom") or credential.get("issuanceDate")
    end = credential.get("validUntil") or credential.get("expirationDate")
    if start and end and parse_datetime(end, "") < parse_datetime(start, ""):
        raise InvalidInput('"validUntil" is before "validFrom"', field="credential.validUntil")
    return version


def parse_datetime(value: Any, field: str) -> datetime:
    """An XML Schema dateTimeStamp: a date-time with a time zone (VC DM 2.0 §4.9)."""
    name = field.rsplit(".", 1)[-1]
    if not isinstance(value, str):
        raise InvalidInput(f'"{name}" must be a date-time string', field=field)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f'"{name}" is not a date-time: {value!r}', field=field) from None
    if parsed.tzinfo is None:
        raise InvalidInput(f'"{name}" must carry a time zone, e.g. "Z"', field=field)
    return parsed


def check_limits(credential: dict[str, Any], limits: IssueLimits = DEFAULT_LIMITS) -> None:
    """Size (413), then values, depth, array and string lengths (422), naming the field."""
    try:
        size = len(json.dumps(credential, ensure_ascii=False, separators=(",", ":")).encode())
    except (RecursionError, ValueError):  # nested beyond the interpreter: far too deep
        raise InvalidInput(
            f"credential nests deeper than {limits.max_depth} levels", field="credential"
        ) from None
    if size > limits.max_bytes:
        raise PayloadTooLarge(
            f"credential is {size} bytes as JSON; at most {limits.max_bytes} are accepted",
            field="credential",
        )
    stack: list[tuple[Any, str, int]] = [(credential, "credential", 0)]
    values = 0
    while stack:
        item, path, depth = stack.pop()
        values += 1
        if values > limits.max_values:
            raise InvalidInput(
                f"credential holds more than {limits.max_values} JSON values", field="credential"
            )
        if depth > limits.max_depth:
            raise InvalidInput(
                f"credential nests deeper than {limits.max_depth} levels", field=path
            )
        if isinstance(item, str):
            if len(item) > limits.max_string_length:
                raise InvalidInput(
                    f'"{_name(path)}" is {len(item)} characters long; at most '
                    f"{limits.max_string_length} are accepted",
                    field=path,
                )
        elif isinstance(item, dict):
            for key, value in item.items():
                if len(key) > limits.max_string_length:
                    raise InvalidInput(
                        f"a property name is longer than {limits.max_string_length} characters",
                        field=path,
                    )
                stack.append((value, f"{path}.{key}", depth + 1))
        elif isinstance(item, list):
            if len(item) > limits.max_array_length:
                raise InvalidInput(
                    f'"{_name(path)}" holds {len(item)} items; at most '
                    f"{limits.max_array_length} are accepted",
                    field=path,
                )
            stack.extend((value, f"{path}[{i}]", depth + 1) for i, value in enumerate(item))


def _name(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def issuer_id(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, str):
        return issuer
    if isinstance(issuer, dict):
        value = issuer.get("id")
        return value if isinstance(value, str) else None
    if issuer is None:
        return None
    raise InvalidInput(
        '"issuer" must be a URL or an object with an "id"', field="credential.issuer"
    )
