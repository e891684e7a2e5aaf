"""VC-API exchanges (VCALM "Participate in an exchange") and the LCW ``vc_request_url``.

Errors are problem details. See app/wallet/lcw.py for what the Learner Credential Wallet
sends and accepts.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from app.deps import ServicesDep, SessionDep
from app.errors import InvalidInput
from app.http.guard import GuardedRoute, checked_json
from app.wallet.lcw import Exchanges, wrap

router = APIRouter(tags=["vc-api exchanges"], route_class=GuardedRoute)

NO_STORE = {"Cache-Control": "no-store"}
#: A DID-auth presentation is small; refuse anything far bigger before parsing it.
MAX_BODY = 256 * 1024


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise InvalidInput(f"the body is larger than {MAX_BODY} bytes", field="body")
    if not raw.strip():
        return {}
    try:
        return checked_json(raw)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"the body is not JSON: {exc}", field="body") from None


@router.post(
    "/exchanges/{exchange_id}",
    summary="Start the exchange: a request for DID authentication (or, given a presentation, "
    "the credential)",
)
async def participate(
    exchange_id: str, request: Request, session: SessionDep, services: ServicesDep
) -> Response:
    body = await _json_body(request)
    exchanges = Exchanges(services.wallet)
    answer, record = await run_in_threadpool(exchanges.participate, session, exchange_id, body)
    if record is not None:
        return JSONResponse(wrap(record), headers=NO_STORE)
    return JSONResponse(answer, headers=NO_STORE)


@router.post(
    "/exchanges/{exchange_id}/{transaction_id}",
    summary="Send the DID-authentication presentation; get the credential bound to its holder",
    responses={200: {"content": {"application/vc+ld+json": {}, "application/json": {}}}},
)
async def submit(
    exchange_id: str,
    transaction_id: str,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
) -> Response:
    body = await _json_body(request)
    exchanges = Exchanges(services.wallet)
    record, wrapped = await run_in_threadpool(
        exchanges.submit, session, exchange_id, transaction_id, body
    )
    if wrapped:  # VC-API: {"verifiablePresentation": ...}
        return JSONResponse(wrap(record), headers=NO_STORE)
    # The LCW direct flow: the bare credential, exactly the stored bytes.
    return Response(record.document, media_type="application/json", headers=NO_STORE)
