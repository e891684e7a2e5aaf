"""One gate for every route: path and query parameters and parsed bodies hold no NUL and no
lone surrogate (app/core/text_input.py says why), refused as a 422 naming the field.

Every router is built with ``route_class=GuardedRoute`` (tests/http/test_input_guard.py checks
that none is missing). Bodies a route reads by hand go through ``checked_json``/``check_form``.
"""

from __future__ import annotations

import email.message
import json
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from fastapi import Request
from fastapi.params import Form
from fastapi.routing import APIRoute
from starlette.datastructures import UploadFile
from starlette.responses import Response

from app.core.text_input import find_bad_string, string_problem
from app.errors import AppError, InvalidInput


def refusal(field: str, reason: str) -> AppError:
    return InvalidInput(f'"{field}" {reason}', field=field)


def check_params(request: Request) -> None:
    """Path and query parameters (percent-decoded), named as the API names them."""
    for source in (request.path_params, request.query_params):
        for name, value in _items(source):
            if problem := string_problem(name):
                raise refusal("query", f"has a parameter name that {problem}")
            if isinstance(value, str) and (problem := string_problem(value)):
                raise refusal(name, problem)


def check_json(value: Any, prefix: tuple[str | int, ...] = ()) -> Any:
    """``value`` when every string in it is acceptable, else a 422 naming the first bad one."""
    found = find_bad_string(value, prefix)
    if found is not None:
        raise refusal(*found)
    return value


def checked_json(raw: bytes | str) -> Any:
    """``json.loads`` plus ``check_json`` for routes that read their body by hand.

    A body nested deeper than the parser's recursion limit (``[[[[...]]]]``) raises
    ``RecursionError``, which is no ``ValueError``: it is turned into one here, so that every
    caller's "not JSON" answer (400/422) covers it and none answers 500."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None
    return check_json(value)


def check_form(form: Mapping[str, Any]) -> None:
    """Text fields of a parsed form (file parts are the route's to read)."""
    for name, value in _items(form):
        if problem := string_problem(name):
            raise refusal("body", f"has a field name that {problem}")
        if isinstance(value, str) and (problem := string_problem(value)):
            raise refusal(name, problem)


class GuardedRoute(APIRoute):
    """Checks parameters and the body before FastAPI validates them and the route runs.

    The body is parsed here with the calls FastAPI makes next (``request.json()``,
    ``request.form()`` with the same default limits); Starlette caches the result, so it is
    parsed once. A body FastAPI could not parse is left for FastAPI to refuse its own way.
    """

    def refuse(self, error: AppError) -> Exception:
        """The exception to raise for a refused input (OAuth routes answer their own way)."""
        return error

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        form_body = self.body_field is not None and isinstance(self.body_field.field_info, Form)
        json_body = self.body_field is not None and not form_body

        async def guarded(request: Request) -> Response:
            try:
                check_params(request)
                if json_body and _is_json(request) and await request.body():
                    try:
                        body = await request.json()
                    except (ValueError, RecursionError):
                        body = None  # FastAPI answers malformed JSON itself
                    check_json(body)
                elif form_body:
                    try:
                        form = await request.form()
                    except Exception:
                        form = None  # FastAPI answers an unreadable form itself
                    if form is not None:
                        check_form(form)
            except AppError as exc:
                raise self.refuse(exc) from None
            return await handler(request)

        return guarded


def _is_json(request: Request) -> bool:
    """The test FastAPI applies before parsing a body as JSON (no content type: JSON too)."""
    content_type = request.headers.get("content-type")
    if not content_type:
        return True
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def _items(source: Any) -> list[tuple[str, Any]]:
    multi = getattr(source, "multi_items", None)
    pairs = multi() if callable(multi) else source.items()
    return [(k, v) for k, v in pairs if not isinstance(v, UploadFile)]
