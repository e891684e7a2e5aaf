"""Status-list indexes from a counter, unique by construction and random to anyone without
the key (Bitstring Status List §6.1, herd privacy: an index must not tell when a credential was
issued).

Drawing indexes at random makes two batches issued at the same moment pick some of the same
indexes (500 draws each in a list of 131,072 collide about twice): the later batch then waits
for the earlier one's commit and redoes its items one by one. Instead each batch claims a
range of the list's counter (one atomic increment, never handed out twice) and maps every
number of it through a keyed permutation of the list's indexes: a four-round Feistel network
over the smallest even number of bits that covers the list, keyed by HMAC-SHA-256, with
cycle-walking to stay inside the list. Distinct counters give distinct indexes.
"""

from __future__ import annotations

import hashlib
import hmac

_ROUNDS = 4


class IndexPermutation:
    """A keyed bijection of ``range(size)``: ``index(n)`` for counter ``n``."""

    def __init__(self, key: bytes, size: int) -> None:
        if size < 2:
            raise ValueError("a permutation needs at least two indexes")
        self.size = size
        bits = max(2, (size - 1).bit_length())
        self.half = (bits + 1) // 2
        self.mask = (1 << self.half) - 1
        self._keys = [hmac.new(key, bytes([r]), hashlib.sha256).digest() for r in range(_ROUNDS)]

    def index(self, counter: int) -> int:
        if not 0 <= counter < self.size:
            raise ValueError(f"counter {counter} is outside the list (0..{self.size - 1})")
        value = self._encrypt(counter)
        while value >= self.size:  # cycle-walking: a bijection of range(size) still
            value = self._encrypt(value)
        return value

    def _encrypt(self, value: int) -> int:
        left, right = value >> self.half, value & self.mask
        for key in self._keys:
            digest = hmac.new(key, right.to_bytes(4, "big"), hashlib.sha256).digest()
            left, right = right, left ^ (int.from_bytes(digest[:4], "big") & self.mask)
        return (left << self.half) | right


def list_key(secret: bytes, public_id: str) -> bytes:
    """The permutation key of one status list: the instance's secret, bound to the list."""
    return hmac.new(secret, b"laurel status index " + public_id.encode(), hashlib.sha256).digest()
