"""Request bodies limited per route, and callers authenticated before a body is read.

FastAPI reads and parses a body before it runs any dependency, so an unauthenticated client
could make every route buffer and parse whatever it sends. This ASGI middleware runs first:

- a route's guard (say, "a valid bearer token") answers before the body is touched;
- a ``Content-Length`` over the route's limit is refused (413) before a byte is read;
- a body without one (chunked) is counted as it streams and refused once over the limit.

The 413 is raised from ``receive`` as ``BodyTooLarge``, so the app renders it (problem+json
naming ``body``; a page may catch ``PayloadTooLarge`` and answer in HTML). Whatever the app
then tries to send, the client gets a 413.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PayloadTooLarge, ServiceUnavailable
from app.http.problems import problem

log = logging.getLogger("laurel.http")

#: Checks a request before its body is read: a response refuses it, ``None`` lets it through.
Guard = Callable[[Scope], Awaitable[Response | None]]
#: Methods whose bodies nobody reads: the guard (if any) is left to the route's dependency.
_BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyTooLarge(PayloadTooLarge, HTTPException):
    """A 413 that FastAPI's body reading passes on (it re-raises ``HTTPException``) and that
    renders as the ``PayloadTooLarge`` problem (``AppError`` comes first in the MRO)."""

    def __init__(self, detail: str) -> None:
        # Neither base's __init__ fits the other's signature: set what both read.
        Exception.__init__(self, detail)
        self.detail = detail
        self.field = "body"
        self.extra = {}
        self.status_code = self.status
        self.headers = None


@dataclass(frozen=True)
class BodyRule:
    """Requests whose path matches ``pattern`` (whole path) carry at most ``limit`` bytes."""

    pattern: str
    limit: int
    guard: Guard | None = None

    def matches(self, path: str) -> bool:
        return re.fullmatch(self.pattern, path) is not None


class BodyLimitMiddleware:
    """Applies the first matching rule (else ``default`` bytes, no guard) to every request."""

    def __init__(self, app: ASGIApp, rules: Sequence[BodyRule], default: int) -> None:
        self.app = app
        self.rules = list(rules)
        self.default = BodyRule(".*", default)

    def rule_for(self, path: str) -> BodyRule:
        return next((rule for rule in self.rules if rule.matches(path)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rule = self.rule_for(scope["path"])
        if rule.guard is None or scope["method"] in _BODILESS:
            await _Limited(self.app, rule.limit)(scope, receive, send)
            return
        try:
            refusal = await rule.guard(scope)
        except (OperationalError, InterfaceError) as exc:
            refusal = _database_unavailable(exc)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        try:
            await _Limited(self.app, rule.limit)(scope, receive, send)
        finally:
            await _close_unclaimed(scope)


def _database_unavailable(exc: Exception) -> Response:
    """A guard that could not reach its database (a restart, a connection the server ended)
    answers 503 with ``Retry-After``, a problem like any other: raised from the middleware,
    the error would reach the server, which drops the client's connection instead, and a
    client that sent a POST could not tell whether it was applied (it was not)."""
    log.warning("request refused, the database is unavailable: %s", exc)
    error = ServiceUnavailable("the database is unavailable; try again shortly")
    return problem(error.status, error.to_problem(), {"Retry-After": "1"})


#: Where a guard leaves the database session it authenticated with, for the request to carry
#: on in (app/deps.py ``get_session`` takes it): one pool checkout, one pre-ping per request.
HANDED_SESSION = "laurel.session"


async def _close_unclaimed(scope: Scope) -> None:
    """A guard's session no route took (no such route, or one without a session): close it."""
    session = scope.get("state", {}).pop(HANDED_SESSION, None)
    if session is not None:
        await run_in_threadpool(session.close)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


class _Limited:
    """One request under one limit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.received = 0
        self.exceeded: BodyTooLarge | None = None
        self.started = False
        self.overridden = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = _declared_length(scope)

        async def limited_receive() -> Message:
            if declared is not None and declared > self.limit:
                raise self._refuse(
                    f"the body is {declared} bytes; at most {self.limit} bytes are accepted"
                )
            message = await receive()
            if message["type"] == "http.request":
                self.received += len(message.get("body", b""))
                if self.received > self.limit:
                    raise self._refuse(f"the body is over {self.limit} bytes")
            return message

        async def guarded_send(message: Message) -> None:
            if self.overridden:
                return  # the 413 went out instead of the app's answer
            if message["type"] == "http.response.start":
                if self.exceeded is not None and message["status"] != 413:
                    self.overridden = True
                    await self._answer(scope, receive, send)
                    return
                self.started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except BodyTooLarge:
            if self.started or self.overridden:
                raise
            await self._answer(scope, receive, send)

    def _refuse(self, detail: str) -> BodyTooLarge:
        self.exceeded = self.exceeded or BodyTooLarge(detail)
        return self.exceeded

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.exceeded is not None
        response = problem(413, self.exceeded.to_problem(), {"Connection": "close"})
        await response(scope, receive, send)
