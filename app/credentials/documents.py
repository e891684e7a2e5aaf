"""How issued documents are written: stored JSON text and date-time stamps."""

from __future__ import annotations

import json
from typing import Any

from app.db import utcnow

#: VC Data Integrity §2.4.2: a VC 1.1 document signed with DataIntegrityProof adds this.


def serialize(document: dict[str, Any]) -> str:
    """The stored form; every read returns exactly these bytes."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def timestamp() -> str:
    """Now as an XML Schema dateTimeStamp in UTC, to the second (``2026-01-01T00:00:00Z``)."""
    return utcnow().isoformat().replace("+00:00", "Z")
