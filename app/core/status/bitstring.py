"""The status bitstring of W3C Bitstring Status List v1.0 (BSL) and StatusList2021.

Bit 0 is the left-most bit, i.e. the most significant bit of byte 0 (BSL §2.2, §7.1). An entry
of ``statusSize`` bits for index ``i`` starts at bit ``i * statusSize`` and is read most
significant bit first. The list is at least 16 KB = 131,072 bits (BSL §6.1, herd privacy).

``encode`` is BSL §3.3: GZIP, then multibase base64url without padding (prefix ``u``). The GZIP
member is written with a fixed header (mtime 0, OS "unix") so equal lists give equal strings.
``decode`` is BSL §3.4, and also accepts the StatusList2021 form (base64 or base64url, no
prefix, padding optional).
"""

from __future__ import annotations

import base64
import binascii
import struct
import zlib

MIN_BITS = 131_072
#: Guard against GZIP bombs: a list larger than this (16 MiB, 134M entries) is refused.
MAX_BYTES = 16 * 1024 * 1024

STATUS_LIST_LENGTH_ERROR = "STATUS_LIST_LENGTH_ERROR"
MALFORMED_VALUE_ERROR = "MALFORMED_VALUE_ERROR"

# RFC 1952 §2.3: ID1 ID2, CM=8 (deflate), FLG=0, MTIME=0, XFL=0, OS=3 (Unix).
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"


class StatusListError(ValueError):
    """A status list that cannot be used; ``code`` is the BSL §3.5 / VC DM 2.0 error name."""

    code = MALFORMED_VALUE_ERROR


class StatusListDecodeError(StatusListError):
    """``encodedList`` is not multibase/base64 of a GZIP member (MALFORMED_VALUE_ERROR)."""


class StatusListLengthError(StatusListError):
    """The list is shorter than the herd-privacy minimum (BSL §3.2 step 9)."""

    code = STATUS_LIST_LENGTH_ERROR

    def __init__(self, bits: int, min_bits: int) -> None:
        super().__init__(
            f"status list has {bits} bits, fewer than the minimum {min_bits} (BSL §3.2)"
        )
        self.bits = bits
        self.min_bits = min_bits


def _gzip(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = compressor.compress(data) + compressor.flush()
    trailer = struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
    return _GZIP_HEADER + body + trailer


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip container only
    try:
        out = decompressor.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise StatusListDecodeError(f"encodedList is not valid GZIP: {exc}") from exc
    if len(out) > max_bytes:
        raise StatusListDecodeError(f"status list expands beyond {max_bytes} bytes")
    if not decompressor.eof:
        raise StatusListDecodeError("encodedList is truncated GZIP")
    return out


def _base64_decode(text: str) -> bytes:
    """Base64 or base64url, padded or not (StatusList2021 producers use both)."""
    cleaned = text.strip().rstrip("=").replace("-", "+").replace("_", "/")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise StatusListDecodeError("encodedList is not base64/base64url") from exc


class Bitstring:
    """A mutable status bitstring backed by a ``bytearray`` (O(1) get/set)."""

    __slots__ = ("_bytes",)

    def __init__(self, length: int = MIN_BITS) -> None:
        if length <= 0 or length % 8:
            raise ValueError(f"bitstring length must be a positive multiple of 8, not {length}")
        self._bytes = bytearray(length // 8)

    @classmethod
    def from_bytes(cls, data: bytes) -> Bitstring:
        """Wrap raw bytes (byte 0's most significant bit is index 0)."""
        bitstring = cls.__new__(cls)
        bitstring._bytes = bytearray(data)
        return bitstring

    def __len__(self) -> int:
        return len(self._bytes) * 8

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Bitstring) and self._bytes == other._bytes

    # A class that defines __eq__ without __hash__ is unhashable (Python data model): it is
    # mutable, so it must not be a dict key or set member.

    def __repr__(self) -> str:
        return f"Bitstring(length={len(self)}, set={sum(map(int.bit_count, self._bytes))})"

    def to_bytes(self) -> bytes:
        return bytes(self._bytes)

    def _check(self, index: int, size: int) -> int:
        if size < 1:
            raise ValueError(f"statusSize must be a positive integer, not {size}")
        if index < 0 or (index + 1) * size > len(self):
            raise IndexError(
                f"status index {index} (size {size}) is outside a list of {len(self)} bits"
            )
        return index * size

    def get_bit(self, position: int) -> int:
        byte, offset = divmod(position, 8)
        return (self._bytes[byte] >> (7 - offset)) & 1

    def _put_bit(self, position: int, value: int) -> None:
        byte, offset = divmod(position, 8)
        mask = 0x80 >> offset
        if value:
            self._bytes[byte] |= mask
        else:
            self._bytes[byte] &= ~mask & 0xFF

    def get(self, index: int, size: int = 1) -> int:
        """Status value of entry ``index`` (``size`` bits, most significant bit first)."""
        start = self._check(index, size)
        value = 0
        for position in range(start, start + size):
            value = (value << 1) | self.get_bit(position)
        return value

    def set(self, index: int, value: int | bool = 1, size: int = 1) -> None:
        """Set entry ``index`` to ``value`` (0 <= value < 2**size)."""
        start = self._check(index, size)
        value = int(value)
        if not 0 <= value < (1 << size):
            raise ValueError(f"status value {value} does not fit in {size} bit(s)")
        for shift, position in enumerate(range(start + size - 1, start - 1, -1)):
            self._put_bit(position, (value >> shift) & 1)

    def encode(self, *, multibase: bool = True) -> str:
        """``encodedList`` (BSL §3.3): ``"u"`` + base64url-nopad(GZIP(bits)).

        ``multibase=False`` gives the StatusList2021 form (no ``u`` prefix).
        """
        text = base64.urlsafe_b64encode(_gzip(bytes(self._bytes))).rstrip(b"=").decode("ascii")
        return "u" + text if multibase else text

    @classmethod
    def decode(
        cls, encoded: str, *, min_bits: int = MIN_BITS, max_bytes: int = MAX_BYTES
    ) -> Bitstring:
        """Expand an ``encodedList`` (BSL §3.4) and check its length (BSL §3.2 step 9).

        Accepts multibase ``u`` (base64url) and the un-prefixed StatusList2021 base64/base64url;
        a raw base64 GZIP member always starts with ``H4s``, so the two cannot be confused.
        """
        if not isinstance(encoded, str) or not encoded:
            raise StatusListDecodeError("encodedList must be a non-empty string")
        body = encoded[1:] if encoded[0] == "u" else encoded
        bitstring = cls.from_bytes(_gunzip(_base64_decode(body), max_bytes))
        if len(bitstring) < min_bits:
            raise StatusListLengthError(len(bitstring), min_bits)
        return bitstring


def decode(encoded: str, *, min_bits: int = MIN_BITS, max_bytes: int = MAX_BYTES) -> Bitstring:
    """Module-level alias of :meth:`Bitstring.decode`."""
    return Bitstring.decode(encoded, min_bits=min_bits, max_bytes=max_bytes)
