"""Reading an Imsx_StatusInfo error body the way a 1EdTech host does: schema first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs

_VALIDATOR = jsonschema_rs.Draft201909Validator(
    json.loads(
        (Path(__file__).parents[2] / "schemas" / "ob_v3p0_imsx_statusinfo_schema.json").read_text()
    )
)


def code_minor(body: Any) -> str:
    """The body's minor code, after checking the body against 1EdTech's schema."""
    _VALIDATOR.validate(body)
    fields = body["imsx_codeMinor"]["imsx_codeMinorField"]
    return str((fields[0] if isinstance(fields, list) else fields)["imsx_codeMinorFieldValue"])
