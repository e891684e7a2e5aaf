"""Checks on a credential submitted for signing (VC DM 2.0 / 1.1 shape), naming the field."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.core.vocabulary import VC_V1, VC_V2
from app.errors import InvalidInput

MAX_DEPTH = 32


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


def check_shape(credential: Any) -> int:
    """Refuse what no verifier would accept; returns the data model version."""
    if not isinstance(credential, dict):
        raise InvalidInput('"credential" must be a JSON object', field="credential")
    _check_depth(credential)
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


def _check_depth(value: Any) -> None:
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidInput(
                f"credential nests deeper than {MAX_DEPTH} levels", field="credential"
            )
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


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
