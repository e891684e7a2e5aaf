"""Shared by the /api/v1 routers: the caller's organization, paging, Idempotency-Key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Header, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from sqlmodel import Session

from app.deps import require_scope
from app.errors import AppError
from app.http import idempotency
from app.http.problems import PROBLEM_JSON
from app.issuers import scopes
from app.issuers.clients import Caller
from app.issuers.organizations import organization
from app.models import Organization

JSON = "application/json"


def org_of(session: Session, caller: Caller) -> Organization:
    return organization(session, caller.org_id)


# -- paging (limit/offset, X-Total-Count and Link as in OB 3.0 §6.4) ---------------------------


#: Far past any real table, well inside a 64-bit integer (SQLite and PostgreSQL ``bigint``).
MAX_OFFSET = 1_000_000_000


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=500, description="Items per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")] = 0,
) -> Page:
    return Page(limit, offset)


PageDep = Annotated[Page, Depends(page_params)]


def paginate(request: Request, response: Response, page: Page, total: int) -> None:
    """``X-Total-Count`` and RFC 8288 ``Link`` (first, last; next and prev when they exist)."""
    response.headers["X-Total-Count"] = str(total)

    def link(offset: int, rel: str) -> str:
        query = dict(request.query_params)
        query.update(limit=str(page.limit), offset=str(offset))
        return f'<{request.url.replace(query=urlencode(query))}>; rel="{rel}"'

    last = max(0, (total - 1) // page.limit * page.limit)
    links = [link(0, "first"), link(last, "last")]
    if page.offset + page.limit < total:
        links.append(link(page.offset + page.limit, "next"))
    if page.offset > 0:
        links.append(link(max(0, page.offset - page.limit), "prev"))
    response.headers["Link"] = ", ".join(links)


# -- Idempotency-Key ---------------------------------------------------------------------------

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Retry safely: the same key and body get the stored response; the same "
        "key with a different body is a 409.",
    ),
]


async def request_fingerprint(request: Request) -> str:
    """Method, path and the body as canonical JSON (key order and spacing do not matter)."""
    if "idempotency-key" not in request.headers:
        return ""  # nothing to compare against: skip parsing a large batch twice
    raw = await request.body()
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = raw.decode("utf-8", "replace")
    text = f"{request.method} {request.url.path}\n{canonical}"
    return hashlib.sha256(text.encode()).hexdigest()


Fingerprint = Annotated[str, Depends(request_fingerprint)]


@dataclass
class Reply:
    status: int
    payload: Any
    headers: dict[str, str] = field(default_factory=dict)
    #: The body as already serialized JSON (e.g. a signed credential's stored bytes).
    text: str | None = None

    def body(self) -> str:
        return self.text if self.text is not None else _dumps(self.payload)


def respond(
    session: Session,
    caller: Caller,
    key: str | None,
    fingerprint: str,
    produce: Callable[[], Reply],
) -> Response:
    """Run ``produce`` once per Idempotency-Key; replays carry ``Idempotent-Replayed: true``.

    The key's row, the work and the stored answer are one transaction (the request's): a
    4xx answer undoes the work's savepoint and is stored; anything worse rolls it all back.
    """
    if key is None:
        reply = produce()
        return _response(reply)
    reserved = idempotency.reserve(session, caller.org_id, caller.client_id, key, fingerprint)
    if isinstance(reserved, idempotency.StoredResponse):
        return Response(
            reserved.body,
            status_code=reserved.status_code,
            media_type=reserved.media_type,
            headers={"Idempotent-Replayed": "true"},
        )
    try:
        with session.begin_nested():
            reply = produce()
        stored = idempotency.StoredResponse(reply.status, reply.body(), JSON)
    except AppError as exc:
        if exc.status >= 500:
            raise
        stored = idempotency.StoredResponse(exc.status, _dumps(exc.to_problem()), PROBLEM_JSON)
        reply = Reply(exc.status, None)
    idempotency.complete(session, reserved, stored)
    return Response(
        stored.body,
        status_code=stored.status_code,
        media_type=stored.media_type,
        headers=reply.headers,
    )


def _dumps(payload: Any) -> str:
    return json.dumps(jsonable_encoder(payload), ensure_ascii=False, separators=(",", ":"))


def _response(reply: Reply) -> Response:
    return Response(reply.body(), status_code=reply.status, media_type=JSON, headers=reply.headers)


#: Callers allowed to read / change the organization's catalog (courses, programs, learners).
CatalogReader = Annotated[Caller, require_scope(scopes.CATALOG_READ)]
CatalogWriter = Annotated[Caller, require_scope(scopes.CATALOG_WRITE)]
