"""One stream entry as edx-event-bus-redis writes it (``RedisMessage.to_binary_dict``).

Fields, in this order, all UTF-8: ``type`` (the CloudEvent type, e.g.
``org.openedx.learning.certificate.created.v1``), ``id`` (a UUID1), ``source``
(``openedx/lms/web``), ``time`` (``datetime.isoformat()``, ``+00:00``), ``minorversion``,
``sourcehost``, ``sourcelib`` (``10.5.0``) and ``event_data`` (schemaless Avro bytes). The
stream is ``{EVENT_BUS_TOPIC_PREFIX}-{topic}``, or the bare topic without a prefix
(edx_event_bus_redis.internal.config.get_full_topic).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

#: The header fields in the order the producer writes them, then the payload.
HEADER_FIELDS = ("type", "id", "source", "time", "minorversion", "sourcehost", "sourcelib")
EVENT_DATA = "event_data"


class MalformedEntry(ValueError):
    """The entry lacks a field the wire format requires, or a field does not parse."""


def stream_name(topic: str, prefix: str | None) -> str:
    """``{prefix}-{topic}``, as get_full_topic builds it (no prefix: the topic itself)."""
    return f"{prefix}-{topic}" if prefix else topic


@dataclass(frozen=True)
class BusEntry:
    entry_id: str  # the Redis stream id, e.g. 1796076336378-0
    type: str
    id: str  # the event id (the CloudEvent id): what makes delivery exactly-once in effect
    source: str
    time: datetime
    minorversion: int
    sourcehost: str
    sourcelib: str
    event_data: bytes

    @classmethod
    def parse(cls, entry_id: bytes | str, fields: dict[bytes, bytes]) -> BusEntry:
        eid = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
        try:
            text = {
                name: fields[name.encode()].decode("utf-8")
                for name in HEADER_FIELDS
                if name.encode() in fields
            }
            for required in ("type", "id", "time"):
                if not text.get(required):
                    raise MalformedEntry(f'entry has no "{required}" field')
            if EVENT_DATA.encode() not in fields:
                raise MalformedEntry(f'entry has no "{EVENT_DATA}" field')
            event_id = str(uuid.UUID(text["id"]))
        except UnicodeDecodeError as exc:
            raise MalformedEntry(f"a header field is not UTF-8: {exc}") from None
        except ValueError as exc:
            if isinstance(exc, MalformedEntry):
                raise
            raise MalformedEntry(f'"id" is not a UUID: {text.get("id")!r}') from None
        try:
            time = datetime.fromisoformat(text["time"])
        except ValueError:
            raise MalformedEntry(f'"time" is not ISO 8601: {text["time"]!r}') from None
        time = time.replace(tzinfo=UTC) if time.tzinfo is None else time.astimezone(UTC)
        try:
            minorversion = int(text.get("minorversion") or 0)
        except ValueError:
            raise MalformedEntry(
                f'"minorversion" is not a number: {text["minorversion"]!r}'
            ) from None
        return cls(
            entry_id=eid,
            type=text["type"],
            id=event_id,
            source=text.get("source", ""),
            time=time,
            minorversion=minorversion,
            sourcehost=text.get("sourcehost", ""),
            sourcelib=text.get("sourcelib", ""),
            event_data=fields[EVENT_DATA.encode()],
        )

    def to_fields(self) -> dict[bytes, bytes]:
        """The entry as the producer writes it (fixtures, the benchmark, dead letters)."""
        values = {
            "type": self.type,
            "id": self.id,
            "source": self.source,
            "time": self.time.isoformat(),
            "minorversion": str(self.minorversion),
            "sourcehost": self.sourcehost,
            "sourcelib": self.sourcelib,
        }
        fields = {name.encode(): values[name].encode() for name in HEADER_FIELDS}
        fields[EVENT_DATA.encode()] = self.event_data
        return fields
