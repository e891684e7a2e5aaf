"""Status list credentials and entries (BSL §2.1, §2.2; StatusList2021) and the verifier's read.

Builders return unsigned credentials; signing and publishing belong to the caller. ``read_status``
runs BSL §3.2 steps 2-14 on a list credential the caller has already fetched (step 4,
``STATUS_RETRIEVAL_ERROR``) and whose proof it has verified. Bad data is an answer: it returns a
``StatusResult`` whose ``code`` names the BSL §3.5 / VC DM 2.0 §7.2 error, it does not raise.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.core.status.bitstring import (
    MALFORMED_VALUE_ERROR,
    MIN_BITS,
    STATUS_LIST_LENGTH_ERROR,
    Bitstring,
    StatusListError,
    StatusListLengthError,
)
from app.core.vocabulary import STATUS_LIST_2021_V1, STATUS_LIST_ERRORS, VC_ERRORS, VC_V1, VC_V2

STATUS_PURPOSES = ("revocation", "suspension", "refresh", "message")

STATUS_RETRIEVAL_ERROR = "STATUS_RETRIEVAL_ERROR"
STATUS_VERIFICATION_ERROR = "STATUS_VERIFICATION_ERROR"
RANGE_ERROR = "RANGE_ERROR"

_INDEX = re.compile(r"^(0|[1-9][0-9]*)$")

#: entry type -> (list credential type, credentialSubject type)
_LIST_TYPES = {
    "BitstringStatusListEntry": ("BitstringStatusListCredential", "BitstringStatusList"),
    "StatusList2021Entry": ("StatusList2021Credential", "StatusList2021"),
}


def error_type(code: str) -> str:
    """Problem-details ``type`` URL for a code (BSL §3.5; VC DM 2.0 §7.2 for the others)."""
    base = STATUS_LIST_ERRORS if code.startswith("STATUS_") else VC_ERRORS
    return base + code


def _check_index(index: int) -> str:
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError(f"statusListIndex must be an integer >= 0, not {index!r}")
    return str(index)


def status_list_entry(
    list_url: str,
    index: int,
    purpose: str,
    entry_id: str | None = None,
    *,
    status_size: int | None = None,
    status_message: Sequence[Mapping[str, str]] | None = None,
    status_reference: str | Sequence[str] | None = None,
) -> dict[str, Any]:
    """A ``BitstringStatusListEntry`` (BSL §2.1); ``statusListIndex`` is a base-10 string."""
    entry: dict[str, Any] = {
        "id": entry_id or f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": _check_index(index),
        "statusListCredential": list_url,
    }
    if status_size is not None:
        _check_messages(status_size, status_message)
        entry["statusSize"] = status_size
    if status_message is not None:
        _check_messages(status_size or 1, status_message)
        entry["statusMessage"] = [dict(m) for m in status_message]
    if status_reference is not None:
        entry["statusReference"] = (
            status_reference if isinstance(status_reference, str) else list(status_reference)
        )
    return entry


def _check_messages(size: int, messages: Sequence[Mapping[str, Any]] | None) -> None:
    """BSL §2.1: statusSize > 1 needs statusMessage, with 2**statusSize elements."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"statusSize must be an integer > 0, not {size!r}")
    if messages is None:
        if size > 1:
            raise ValueError("statusMessage is required when statusSize > 1 (BSL §2.1)")
        return
    if len(messages) != 1 << size:
        raise ValueError(f"statusMessage must have {1 << size} elements for statusSize {size}")


def status_list_credential(
    list_url: str,
    issuer: str | Mapping[str, Any],
    purpose: str | Sequence[str],
    encoded_list: str,
    valid_from: str,
    valid_until: str | None = None,
    ttl: int | None = None,
) -> dict[str, Any]:
    """An unsigned VC 2.0 ``BitstringStatusListCredential`` (BSL §2.2)."""
    subject: dict[str, Any] = {
        "id": f"{list_url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose if isinstance(purpose, str) else list(purpose),
        "encodedList": encoded_list,
    }
    if ttl is not None:
        if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 0:
            raise ValueError(f"ttl must be a number of milliseconds >= 0, not {ttl!r}")
        subject["ttl"] = ttl
    credential: dict[str, Any] = {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer if isinstance(issuer, str) else dict(issuer),
        "validFrom": valid_from,
    }
    if valid_until is not None:
        credential["validUntil"] = valid_until
    credential["credentialSubject"] = subject
    return credential


def status_list_2021_entry(
    list_url: str, index: int, purpose: str, entry_id: str | None = None
) -> dict[str, Any]:
    """A ``StatusList2021Entry`` (VC Status List 2021 §2.1) for VC 1.1 credentials."""
    return {
        "id": entry_id or f"{list_url}#{index}",
        "type": "StatusList2021Entry",
        "statusPurpose": purpose,
        "statusListIndex": _check_index(index),
        "statusListCredential": list_url,
    }


def status_list_2021_credential(
    list_url: str,
    issuer: str | Mapping[str, Any],
    purpose: str,
    encoded_list: str,
    issuance_date: str,
    expiration_date: str | None = None,
) -> dict[str, Any]:
    """An unsigned VC 1.1 ``StatusList2021Credential`` (VC Status List 2021 §2.2).

    Its ``encodedList`` has no multibase prefix: a leading ``u`` is stripped (raw base64 of
    GZIP always starts with ``H``), so ``Bitstring.encode()`` output can be passed as is.
    """
    credential: dict[str, Any] = {
        "@context": [VC_V1, STATUS_LIST_2021_V1],
        "id": list_url,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": issuer if isinstance(issuer, str) else dict(issuer),
        "issuanceDate": issuance_date,
    }
    if expiration_date is not None:
        credential["expirationDate"] = expiration_date
    credential["credentialSubject"] = {
        "id": f"{list_url}#list",
        "type": "StatusList2021",
        "statusPurpose": purpose,
        "encodedList": encoded_list.removeprefix("u"),
    }
    return credential


@dataclass(frozen=True)
class StatusResult:
    """The BSL §3.2 result map (``status``, ``purpose``, ``valid``, ``message``) plus an error.

    When ``code`` is set the status could not be determined: ``status`` is None, ``valid`` is
    False and ``detail`` says why. Otherwise ``valid`` is ``status == 0`` (step 13).
    """

    purpose: str | None
    status: int | None
    valid: bool
    message: str | None = None
    code: str | None = None
    detail: str = ""

    @property
    def error(self) -> bool:
        return self.code is not None

    @property
    def error_type(self) -> str | None:
        return error_type(self.code) if self.code else None


class _Fail(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _types(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []


def _parse_time(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise _Fail(MALFORMED_VALUE_ERROR, f'status list "{name}" must be a dateTimeStamp')
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _Fail(MALFORMED_VALUE_ERROR, f'status list "{name}" is not a date-time') from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _check_validity(credential: Mapping[str, Any], now: datetime) -> None:
    """BSL §7.2 / VC DM 2.0 §4.9: the list itself must be within its validity period."""
    for name in ("validFrom", "issuanceDate"):
        if name in credential and _parse_time(credential[name], name) > now:
            raise _Fail(STATUS_VERIFICATION_ERROR, f'status list is not valid before "{name}"')
    for name in ("validUntil", "expirationDate"):
        if name in credential and _parse_time(credential[name], name) < now:
            raise _Fail(STATUS_VERIFICATION_ERROR, f'status list expired ("{name}")')


def _entry_fields(entry: Mapping[str, Any]) -> tuple[str, str, int, int]:
    """(entry type, purpose, index, size) of a status entry, or MALFORMED_VALUE_ERROR."""
    if not isinstance(entry, Mapping):
        raise _Fail(MALFORMED_VALUE_ERROR, "credentialStatus entry must be an object")
    entry_type = next((t for t in _types(entry.get("type")) if t in _LIST_TYPES), None)
    if entry_type is None:
        found = entry.get("type")
        raise _Fail(MALFORMED_VALUE_ERROR, f"unsupported credentialStatus type {found!r}")
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose:
        raise _Fail(MALFORMED_VALUE_ERROR, '"statusPurpose" is required')
    raw_index = entry.get("statusListIndex")
    if isinstance(raw_index, int) and not isinstance(raw_index, bool):
        raw_index = str(raw_index)  # tolerated: some StatusList2021 issuers wrote numbers
    if not isinstance(raw_index, str) or not _INDEX.match(raw_index):
        raise _Fail(MALFORMED_VALUE_ERROR, '"statusListIndex" must be a base-10 integer string')
    size = entry.get("statusSize", 1) if entry_type == "BitstringStatusListEntry" else 1
    try:
        _check_messages(size, entry.get("statusMessage"))
    except (ValueError, TypeError) as exc:
        raise _Fail(MALFORMED_VALUE_ERROR, str(exc)) from exc
    return entry_type, purpose, int(raw_index), size


def _message_for(entry: Mapping[str, Any], status: int, size: int) -> str | None:
    """BSL §2.1 statusMessage lookup; without it, size-1 values read "set"/"unset"."""
    for item in entry.get("statusMessage") or []:
        try:
            if isinstance(item, Mapping) and int(str(item.get("status")), 16) == status:
                message = item.get("message")
                return message if isinstance(message, str) else None
        except ValueError:
            continue
    if size == 1:
        return "set" if status else "unset"
    return None


def _read(
    entry: Mapping[str, Any],
    list_credential: Mapping[str, Any],
    min_entries: int,
    now: datetime | None,
) -> StatusResult:
    entry_type, purpose, index, size = _entry_fields(entry)
    credential_type, subject_type = _LIST_TYPES[entry_type]
    if not isinstance(list_credential, Mapping):
        raise _Fail(STATUS_VERIFICATION_ERROR, "status list credential must be an object")
    if credential_type not in _types(list_credential.get("type")):
        raise _Fail(
            STATUS_VERIFICATION_ERROR, f'status list credential is not a "{credential_type}"'
        )
    list_url, list_id = entry.get("statusListCredential"), list_credential.get("id")
    if isinstance(list_url, str) and isinstance(list_id, str) and list_url != list_id:
        raise _Fail(STATUS_VERIFICATION_ERROR, f'status list id "{list_id}" is not "{list_url}"')
    _check_validity(list_credential, now or datetime.now(UTC))
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, Mapping) or subject_type not in _types(subject.get("type")):
        raise _Fail(STATUS_VERIFICATION_ERROR, f'credentialSubject is not a "{subject_type}"')
    if purpose not in _types(subject.get("statusPurpose")):  # step 5
        raise _Fail(
            STATUS_VERIFICATION_ERROR,
            f'entry purpose "{purpose}" is not the list purpose {subject.get("statusPurpose")!r}',
        )
    encoded = subject.get("encodedList")  # step 6
    if not isinstance(encoded, str):
        raise _Fail(MALFORMED_VALUE_ERROR, '"encodedList" must be a string')
    try:  # steps 8, 9
        bitstring = _decoded(encoded, min_entries * size)
    except StatusListLengthError as exc:
        raise _Fail(STATUS_LIST_LENGTH_ERROR, str(exc)) from exc
    except StatusListError as exc:
        raise _Fail(exc.code, str(exc)) from exc
    try:  # step 10
        status = bitstring.get(index, size)
    except IndexError as exc:
        raise _Fail(RANGE_ERROR, str(exc)) from exc
    return StatusResult(  # steps 11-14
        purpose=purpose,
        status=status,
        valid=status == 0,
        message=_message_for(entry, status, size),
        detail=f"status {status} at index {index}",
    )


_DECODED: OrderedDict[tuple[str, int], Bitstring] = OrderedDict()
_DECODED_MAX = 32
_DECODED_LOCK = threading.Lock()


def _decoded(encoded: str, min_bits: int) -> Bitstring:
    """``Bitstring.decode`` memoized by the encoded text (BSL §3.4 expansion: base64 + GZIP of
    up to 16 KB, done once per published version of a list, not once per credential checked).
    The memoized bitstring is only read here; failures are not memoized."""
    key = (encoded, min_bits)
    with _DECODED_LOCK:
        hit = _DECODED.get(key)
        if hit is not None:
            _DECODED.move_to_end(key)
            return hit
    bitstring = Bitstring.decode(encoded, min_bits=min_bits)
    with _DECODED_LOCK:
        _DECODED[key] = bitstring
        while len(_DECODED) > _DECODED_MAX:
            _DECODED.popitem(last=False)
    return bitstring


def read_status(
    entry: Mapping[str, Any],
    list_credential: Mapping[str, Any],
    *,
    min_entries: int = MIN_BITS,
    now: datetime | None = None,
) -> StatusResult:
    """BSL §3.2 Validate Algorithm on a fetched, proof-checked list credential.

    Works for ``BitstringStatusListEntry`` and ``StatusList2021Entry``. The list must hold at
    least ``min_entries`` entries of ``statusSize`` bits (step 9); ``now`` (default: the current
    time) is checked against the list's validity period.
    """
    purpose = entry.get("statusPurpose") if isinstance(entry, Mapping) else None
    try:
        return _read(entry, list_credential, min_entries, now)
    except _Fail as failure:
        return StatusResult(
            purpose=purpose if isinstance(purpose, str) else None,
            status=None,
            valid=False,
            code=failure.code,
            detail=failure.detail,
        )
