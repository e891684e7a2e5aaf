"""Typed application errors rendered as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://laurel.dev/problems/"


class AppError(Exception):
    """An error with an HTTP status; ``field`` names the offending input when there is one."""

    status = 400
    code = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra

    def to_problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.field is not None:
            body["field"] = self.field
        body.update(self.extra)
        return body


class InvalidInput(AppError):
    status = 422
    code = "invalid-input"
    title = "Invalid input"


class NotFound(AppError):
    status = 404
    code = "not-found"
    title = "Not found"


class Conflict(AppError):
    status = 409
    code = "conflict"
    title = "Conflict"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"
    title = "Unauthorized"
    #: The ``WWW-Authenticate`` challenge of the 401 (RFC 9110 §11.6.1).
    challenge = 'Bearer realm="laurel"'


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class NotAcceptable(AppError):
    """No representation the client accepts (content negotiation, RFC 9110 §15.5.7)."""

    status = 406
    code = "not-acceptable"
    title = "Not acceptable"


class PayloadTooLarge(AppError):
    status = 413
    code = "payload-too-large"
    title = "Payload too large"


class ServiceUnavailable(AppError):
    status = 503
    code = "unavailable"
    title = "Service unavailable"
