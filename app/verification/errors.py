"""Errors of verification requests (an invalid credential is an answer, not an error)."""

from __future__ import annotations

from app.errors import AppError


class MalformedJson(AppError):
    """The submission is not JSON (or JSON nested too deep to read)."""

    status = 400
    code = "malformed-json"
    title = "Malformed request"
