"""Entries that cannot be decoded or applied: moved aside with the reason, never blocking.

A poison entry is copied, field for field, to ``{stream}-dead-letter`` with ``dead_letter_*``
fields saying why, where and when, then acknowledged on the source stream. An operator reads
the dead-letter stream (``XRANGE``), fixes the cause, and may ``XADD`` the entry back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("laurel.eventbus")

#: Dead letters kept per stream (approximately, like the producer's MAXLEN ~).
DEAD_LETTER_MAXLEN = 100_000


def dead_letter_stream(stream: str) -> str:
    return f"{stream}-dead-letter"


@dataclass(frozen=True)
class DeadLetter:
    entry_id: str
    fields: dict[bytes, bytes]
    reason: str


class DeadLetters:
    def __init__(self, redis: Any, stream: str, group: str, consumer: str) -> None:
        self.redis = redis
        self.stream = stream
        self.target = dead_letter_stream(stream)
        self.group = group
        self.consumer = consumer

    def send(self, letters: list[DeadLetter]) -> None:
        """XADD every letter (one round trip). Runs before the XACK of the batch: a consumer
        that dies between the two sends the letter again on redelivery, never loses it."""
        if not letters:
            return
        now = datetime.now(UTC).isoformat()
        pipe = self.redis.pipeline(transaction=False)
        for letter in letters:
            fields = dict(letter.fields)
            fields[b"dead_letter_reason"] = letter.reason[:2000].encode()
            fields[b"dead_letter_stream"] = self.stream.encode()
            fields[b"dead_letter_entry_id"] = letter.entry_id.encode()
            fields[b"dead_letter_group"] = self.group.encode()
            fields[b"dead_letter_consumer"] = self.consumer.encode()
            fields[b"dead_letter_at"] = now.encode()
            pipe.xadd(self.target, fields, maxlen=DEAD_LETTER_MAXLEN, approximate=True)
            log.warning(
                "dead letter: %s entry %s -> %s: %s",
                self.stream,
                letter.entry_id,
                self.target,
                letter.reason,
            )
        pipe.execute()
