"""Bitstring Status List v1.0 and StatusList2021: encoding, decoding and the verifier read."""

from __future__ import annotations

import base64
import copy
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.core.status.bitstring import (
    MIN_BITS,
    STATUS_LIST_LENGTH_ERROR,
    Bitstring,
    StatusListDecodeError,
    StatusListLengthError,
    decode,
)
from app.core.status.credential import (
    MALFORMED_VALUE_ERROR,
    RANGE_ERROR,
    STATUS_VERIFICATION_ERROR,
    error_type,
    read_status,
    status_list_2021_credential,
    status_list_2021_entry,
    status_list_credential,
    status_list_entry,
)

VECTOR = json.loads(
    (Path(__file__).parents[1] / "vectors" / "bitstring-status-list_example.json").read_text()
)
SPEC_LIST = VECTOR["statusListCredential"]
SPEC_ENTRY = VECTOR["credentialStatusEntry"]
SPEC_ENCODED = SPEC_LIST["credentialSubject"]["encodedList"]
LIST_URL = "https://example.com/credentials/status/3"
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def _list_with(bitstring: Bitstring, purpose: str = "revocation") -> dict:
    return status_list_credential(
        LIST_URL, "did:example:12345", purpose, bitstring.encode(), "2021-04-05T14:27:40Z"
    )


# --- BSL §2.2 / §3.3 / §3.4: the spec example -----------------------------------------------


def test_spec_example_decodes_to_131072_zero_bits() -> None:
    bitstring = Bitstring.decode(SPEC_ENCODED)
    assert len(bitstring) == MIN_BITS == VECTOR["decoded"]["bitLength"]
    assert len(bitstring.to_bytes()) == VECTOR["decoded"]["byteLength"] == 16384
    assert bitstring.to_bytes() == bytes(16384)


def test_spec_example_round_trips_byte_for_byte() -> None:
    assert Bitstring().encode() == SPEC_ENCODED
    assert Bitstring.decode(Bitstring.decode(SPEC_ENCODED).encode()) == Bitstring()


def test_encoding_is_deterministic_and_standard_gzip() -> None:
    bitstring = Bitstring()
    bitstring.set(12345)
    encoded = bitstring.encode()
    assert encoded == bitstring.encode()
    assert encoded.startswith("uH4sI") and "=" not in encoded
    raw = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    assert gzip.decompress(raw) == bitstring.to_bytes()


# --- bit order and statusSize ---------------------------------------------------------------


def test_bit_zero_is_most_significant_bit_of_first_byte() -> None:
    bitstring = Bitstring()
    bitstring.set(0)
    assert bitstring.to_bytes()[0] == 0x80
    bitstring.set(7)
    assert bitstring.to_bytes()[0] == 0x81
    bitstring.set(MIN_BITS - 1)
    assert bitstring.to_bytes()[-1] == 0x01
    assert bitstring.get(0) == 1 and bitstring.get(1) == 0
    bitstring.set(0, False)
    assert bitstring.to_bytes()[0] == 0x01
    assert Bitstring.decode(bitstring.encode()) == bitstring


def test_status_size_two() -> None:
    bitstring = Bitstring(MIN_BITS * 2)
    bitstring.set(0, 3, size=2)
    bitstring.set(1, 1, size=2)
    assert bitstring.to_bytes()[0] == 0b1101_0000
    assert bitstring.get(0, size=2) == 3
    assert bitstring.get(1, size=2) == 1
    assert bitstring.get(2, size=2) == 0
    bitstring.set(0, 2, size=2)
    assert bitstring.get(0, size=2) == 2
    with pytest.raises(ValueError, match="does not fit"):
        bitstring.set(0, 4, size=2)


def test_index_outside_list_is_an_index_error() -> None:
    bitstring = Bitstring()
    with pytest.raises(IndexError):
        bitstring.get(MIN_BITS)
    with pytest.raises(IndexError):
        bitstring.set(-1)
    with pytest.raises(IndexError):
        bitstring.get(MIN_BITS // 2, size=2)


def test_length_must_be_whole_bytes() -> None:
    with pytest.raises(ValueError):
        Bitstring(100)


# --- decoding tolerance and errors ----------------------------------------------------------


def test_short_list_is_a_length_error() -> None:
    short = Bitstring(8 * 1024).encode()
    with pytest.raises(StatusListLengthError) as info:
        Bitstring.decode(short)
    assert info.value.code == STATUS_LIST_LENGTH_ERROR
    assert "8192 bits" in str(info.value) and "131072" in str(info.value)
    assert len(decode(short, min_bits=8192)) == 8192


def test_status_list_2021_base64_without_prefix_decodes() -> None:
    bitstring = Bitstring()
    bitstring.set(42)
    compressed = gzip.compress(bitstring.to_bytes())  # any producer's gzip header
    standard = base64.b64encode(compressed).decode()  # "+/" alphabet, padded
    urlsafe = base64.urlsafe_b64encode(compressed).decode().rstrip("=")
    for encoded in (standard, standard.rstrip("="), urlsafe, "u" + urlsafe):
        assert Bitstring.decode(encoded).get(42) == 1
    assert bitstring.encode(multibase=False) == bitstring.encode()[1:]


@pytest.mark.parametrize("encoded", ["", "u", "uAAAA", "u!!!", "H4sIAAAA"])
def test_garbage_is_a_decode_error(encoded: str) -> None:
    with pytest.raises(StatusListDecodeError):
        Bitstring.decode(encoded)


def test_gzip_bomb_is_refused() -> None:
    with pytest.raises(StatusListDecodeError, match="expands beyond"):
        Bitstring.decode(Bitstring(MIN_BITS * 8).encode(), max_bytes=16384)


# --- BSL §2.1 / §2.2 builders ---------------------------------------------------------------


def test_entry_matches_spec_example() -> None:
    assert status_list_entry(LIST_URL, 94567, "revocation") == SPEC_ENTRY
    with pytest.raises(ValueError):
        status_list_entry(LIST_URL, -1, "revocation")
    with pytest.raises(ValueError, match="statusMessage is required"):
        status_list_entry(LIST_URL, 1, "message", status_size=2)


def test_list_credential_matches_spec_example() -> None:
    credential = status_list_credential(
        LIST_URL, "did:example:12345", "revocation", SPEC_ENCODED, "2021-04-05T14:27:40Z"
    )
    expected = copy.deepcopy(SPEC_LIST)
    expected["credentialSubject"]["id"] = f"{LIST_URL}#list"  # the spec uses another path
    assert credential == expected
    with_ttl = status_list_credential(
        LIST_URL,
        {"id": "did:example:1"},
        "suspension",
        SPEC_ENCODED,
        "2024-01-01T00:00:00Z",
        valid_until="2030-01-01T00:00:00Z",
        ttl=300000,
    )
    assert with_ttl["validUntil"] == "2030-01-01T00:00:00Z"
    assert with_ttl["credentialSubject"]["ttl"] == 300000
    assert with_ttl["issuer"] == {"id": "did:example:1"}


def test_status_list_2021_builders() -> None:
    entry = status_list_2021_entry(LIST_URL, 7, "revocation")
    assert entry == {
        "id": f"{LIST_URL}#7",
        "type": "StatusList2021Entry",
        "statusPurpose": "revocation",
        "statusListIndex": "7",
        "statusListCredential": LIST_URL,
    }
    credential = status_list_2021_credential(
        LIST_URL, "did:example:1", "revocation", Bitstring().encode(), "2024-01-01T00:00:00Z"
    )
    assert credential["@context"] == [
        "https://www.w3.org/2018/credentials/v1",
        "https://w3id.org/vc/status-list/2021/v1",
    ]
    assert credential["type"] == ["VerifiableCredential", "StatusList2021Credential"]
    assert credential["credentialSubject"]["type"] == "StatusList2021"
    assert credential["credentialSubject"]["encodedList"].startswith("H4sI")


# --- BSL §3.2 validate algorithm ------------------------------------------------------------


def test_read_status_on_spec_example() -> None:
    result = read_status(SPEC_ENTRY, SPEC_LIST, now=NOW)
    assert (result.status, result.valid, result.purpose, result.code) == (
        0,
        True,
        "revocation",
        None,
    )
    assert result.message == "unset"


def test_read_status_revoked() -> None:
    bitstring = Bitstring()
    bitstring.set(94567)
    result = read_status(SPEC_ENTRY, _list_with(bitstring), now=NOW)
    assert result.status == 1 and result.valid is False and not result.error
    assert result.message == "set"


def test_read_status_purpose_mismatch() -> None:
    result = read_status(SPEC_ENTRY, _list_with(Bitstring(), "suspension"), now=NOW)
    assert result.code == STATUS_VERIFICATION_ERROR and result.status is None
    assert result.valid is False and "purpose" in result.detail
    assert result.error_type == (
        "https://www.w3.org/ns/credentials/status-list#STATUS_VERIFICATION_ERROR"
    )


def test_read_status_short_list() -> None:
    result = read_status(SPEC_ENTRY, _list_with(Bitstring(1024)), now=NOW)
    assert result.code == STATUS_LIST_LENGTH_ERROR


def test_read_status_index_out_of_range() -> None:
    entry = status_list_entry(LIST_URL, MIN_BITS, "revocation")
    result = read_status(entry, _list_with(Bitstring()), now=NOW)
    assert result.code == RANGE_ERROR
    assert error_type(RANGE_ERROR) == "https://www.w3.org/ns/credentials#RANGE_ERROR"


def test_read_status_malformed_inputs() -> None:
    bad_index = {**SPEC_ENTRY, "statusListIndex": "12a"}
    assert read_status(bad_index, SPEC_LIST, now=NOW).code == MALFORMED_VALUE_ERROR
    bad_type = {**SPEC_ENTRY, "type": "RevocationList2020Status"}
    assert read_status(bad_type, SPEC_LIST, now=NOW).code == MALFORMED_VALUE_ERROR
    broken = copy.deepcopy(SPEC_LIST)
    broken["credentialSubject"]["encodedList"] = "unot-gzip"
    assert read_status(SPEC_ENTRY, broken, now=NOW).code == MALFORMED_VALUE_ERROR
    wrong_kind = {**SPEC_LIST, "type": ["VerifiableCredential"]}
    assert read_status(SPEC_ENTRY, wrong_kind, now=NOW).code == STATUS_VERIFICATION_ERROR
    other_list = {**SPEC_LIST, "id": "https://example.com/credentials/status/4"}
    assert read_status(SPEC_ENTRY, other_list, now=NOW).code == STATUS_VERIFICATION_ERROR


def test_read_status_checks_list_validity_period() -> None:
    expired = {**SPEC_LIST, "validUntil": "2022-01-01T00:00:00Z"}
    assert read_status(SPEC_ENTRY, expired, now=NOW).code == STATUS_VERIFICATION_ERROR
    future = datetime(2020, 1, 1, tzinfo=UTC)
    assert read_status(SPEC_ENTRY, SPEC_LIST, now=future).code == STATUS_VERIFICATION_ERROR


def test_read_status_with_status_size_and_messages() -> None:
    messages = [
        {"status": "0x0", "message": "valid"},
        {"status": "0x1", "message": "pending_review"},
        {"status": "0x2", "message": "accepted"},
        {"status": "0x3", "message": "rejected"},
    ]
    entry = status_list_entry(LIST_URL, 5, "message", status_size=2, status_message=messages)
    bitstring = Bitstring(MIN_BITS * 2)
    bitstring.set(5, 2, size=2)
    result = read_status(entry, _list_with(bitstring, "message"), now=NOW)
    assert (result.status, result.message, result.valid) == (2, "accepted", False)
    # BSL §3.2 step 9: entries, not bits, must reach the minimum.
    short = read_status(entry, _list_with(Bitstring(), "message"), now=NOW)
    assert short.code == STATUS_LIST_LENGTH_ERROR


def test_read_status_list_with_several_purposes() -> None:
    credential = status_list_credential(
        LIST_URL,
        "did:example:1",
        ["revocation", "suspension"],
        Bitstring().encode(),
        "2024-01-01T00:00:00Z",
    )
    assert read_status(SPEC_ENTRY, credential, now=NOW).valid is True


def test_read_status_2021() -> None:
    bitstring = Bitstring()
    bitstring.set(3)
    credential = status_list_2021_credential(
        LIST_URL,
        "did:example:1",
        "revocation",
        bitstring.encode(multibase=False),
        "2024-01-01T00:00:00Z",
    )
    revoked = read_status(status_list_2021_entry(LIST_URL, 3, "revocation"), credential, now=NOW)
    assert revoked.status == 1 and not revoked.valid and not revoked.error
    fine = read_status(status_list_2021_entry(LIST_URL, 4, "revocation"), credential, now=NOW)
    assert fine.valid
    # a 2021 entry does not accept a BitstringStatusListCredential
    assert (
        read_status(status_list_2021_entry(LIST_URL, 4, "revocation"), SPEC_LIST, now=NOW).code
        == STATUS_VERIFICATION_ERROR
    )


def test_many_bits_round_trip() -> None:
    bitstring = Bitstring()
    indexes = set(range(0, MIN_BITS, 997))
    for index in indexes:
        bitstring.set(index)
    decoded = Bitstring.decode(bitstring.encode())
    assert {i for i in range(MIN_BITS) if decoded.get(i)} == indexes
