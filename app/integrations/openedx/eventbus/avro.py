"""Schemaless Avro of openedx-events signal data, read and written with fastavro.

openedx-events serializes ``event_data`` with ``fastavro.schemaless_writer`` against the schema
it derives from the signal (``openedx_events.event_bus.avro.schema.schema_from_signal``): no
magic byte, no schema id, so the reader must hold the writer's schema. Ours are the generated
files of openedx-events (``schemas/openedx-events/<event type>.avsc``, each naming its source),
keyed by the CloudEvent ``type`` that is also the schema's namespace.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import fastavro
from fastavro.types import Schema


class UndecodableEvent(ValueError):
    """The bytes are not a record of the writer's schema (or no schema is known)."""


class AvroCodec:
    """One parsed schema per event type."""

    def __init__(self, schemas: dict[str, Schema]) -> None:
        self._schemas = schemas

    @classmethod
    def from_directory(cls, directory: Path) -> AvroCodec:
        schemas: dict[str, Schema] = {}
        for path in sorted(directory.glob("*.avsc")):
            raw = json.loads(path.read_text(encoding="utf-8"))
            # Each schema's namespace is its event type (schema_from_signal sets it so).
            schemas[raw["namespace"]] = fastavro.parse_schema(raw)
        if not schemas:
            raise FileNotFoundError(f"no Avro schemas (*.avsc) in {directory}")
        return cls(schemas)

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(self._schemas)

    def decode(self, event_type: str, data: bytes) -> dict[str, Any]:
        """The signal's data as a dict, e.g. ``{"certificate": {...}}``; every byte must be
        part of the record (trailing bytes mean a different writer schema)."""
        schema = self._schemas.get(event_type)
        if schema is None:
            raise UndecodableEvent(f"no schema for event type {event_type!r}")
        buffer = io.BytesIO(data)
        try:
            record = fastavro.schemaless_reader(buffer, schema, None)
        except Exception as exc:  # fastavro raises EOFError, ValueError, UnicodeDecodeError...
            raise UndecodableEvent(f"event_data is not Avro of {event_type}: {exc!r}") from exc
        if buffer.tell() != len(data):
            raise UndecodableEvent(
                f"event_data has {len(data) - buffer.tell()} bytes after the {event_type} record"
            )
        if not isinstance(record, dict):
            raise UndecodableEvent(f"event_data of {event_type} is not a record")
        return record

    def encode(self, event_type: str, record: dict[str, Any]) -> bytes:
        """What the openedx-events producer writes (fixtures, the wave benchmark)."""
        out = io.BytesIO()
        fastavro.schemaless_writer(out, self._schemas[event_type], record)
        return out.getvalue()
