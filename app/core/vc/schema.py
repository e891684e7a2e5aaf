"""JSON Schema validation against the pinned 1EdTech OB 3.0 schemas (draft 2019-09).

Schemas are looked up by their ``$id`` (the purl URL that ``credentialSchema`` names), never
fetched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft201909Validator
from jsonschema.exceptions import best_match

OB_ACHIEVEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
OB_SCHEMA_TYPE = "1EdTechJsonSchemaValidator2019"


@dataclass(frozen=True)
class SchemaError:
    """One violation: a JSON path to the offending value and a sentence."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class SchemaRegistry:
    """Validators for every schema file in a directory, keyed by ``$id``."""

    def __init__(self, directory: Path) -> None:
        self._validators: dict[str, Draft201909Validator] = {}
        for path in sorted(directory.glob("*.json")):
            schema = json.loads(path.read_text())
            Draft201909Validator.check_schema(schema)
            self._validators[schema["$id"]] = Draft201909Validator(schema)

    def __contains__(self, schema_id: object) -> bool:
        return schema_id in self._validators

    def errors(self, schema_id: str, document: Any) -> list[SchemaError]:
        validator = self._validators[schema_id]
        found = list(validator.iter_errors(document))
        if not found:
            return []
        ordered = [best_match(found), *(e for e in found if e is not best_match(found))]
        return [SchemaError(_json_path(e.absolute_path), e.message) for e in ordered]


def _json_path(parts: Any) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out
