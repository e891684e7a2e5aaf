"""W3C VC-API (VCALM): issue, plus the public credential URL (verify: app/api/verify.py)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import Response

from app.api.v1.common import Fingerprint, IdempotencyKeyHeader, Reply, respond
from app.core.proofs import jose
from app.core.vocabulary import VC_V2
from app.credentials.issuance import IssueOptions
from app.credentials.schemas import (
    IssueBatchRequest,
    IssueBatchResponse,
    IssueOptionsIn,
    IssueRequest,
    IssueResponse,
)
from app.deps import ServicesDep, SessionDep, commits_in_its_thread, require_scope
from app.errors import AppError
from app.http.guard import GuardedRoute
from app.issuers import scopes
from app.issuers.clients import Caller
from app.issuers.organizations import organization

router = APIRouter(tags=["vc-api"], route_class=GuardedRoute)


def _envelope(token: str) -> dict[str, Any]:
    """VC DM 2.0 §4.13 enveloped credential carrying a VC-JOSE-COSE token."""
    return {
        "@context": [VC_V2],
        "id": f"data:application/vc+jwt,{token}",
        "type": "EnvelopedVerifiableCredential",
    }


@router.post(
    "/credentials/issue",
    status_code=201,
    response_model=IssueResponse,
    summary="Issue a credential (VC-API §3.2.1): sign with the caller's organization key",
)
@commits_in_its_thread
def issue_credential(
    body: IssueRequest,
    session: SessionDep,
    services: ServicesDep,
    caller: Annotated[Caller, require_scope(scopes.ISSUE)],
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """With an ``Idempotency-Key`` a retried call gets the stored answer, never a second
    credential (racing retries included: app/api/v1/common.py ``respond``)."""
    org = organization(session, caller.org_id)
    options = body.options
    profile = {"jwt_vc_json": jose.OB_PROFILE, "vc+jwt": jose.VC_JOSE_PROFILE}.get(options.format)
    alg = options.alg or "RS256"
    if profile is not None:
        services.jwt.check(org, profile, alg)  # refuse before anything is stored

    def produce() -> Reply:
        record = services.issuance.issue(
            session,
            org,
            body.credential,
            IssueOptions(credential_id=options.credential_id, cryptosuite=options.cryptosuite),
            client_id=caller.client_id,
        )
        headers = {"Location": services.identity.credential_url(record.uuid)}
        if profile is not None:
            token = services.jwt.encode(session, record, profile, alg, store=True)
            answer = token if profile == jose.OB_PROFILE else _envelope(token)
            return Reply(201, None, headers, json.dumps({"verifiableCredential": answer}))
        # Splice the stored text in, so the answer carries exactly the stored bytes.
        return Reply(201, None, headers, '{"verifiableCredential":' + record.document + "}")

    return respond(session, caller, idempotency_key, fingerprint, produce)


def _jwt_profile(options: IssueOptionsIn) -> str | None:
    return {"jwt_vc_json": jose.OB_PROFILE, "vc+jwt": jose.VC_JOSE_PROFILE}.get(options.format)


@router.post(
    "/credentials/issue:batch",
    status_code=200,
    response_model=IssueBatchResponse,
    summary="Issue up to 1,000 credentials, each item atomic and answered on its own",
)
@commits_in_its_thread
def issue_credentials_batch(
    body: IssueBatchRequest,
    session: SessionDep,
    services: ServicesDep,
    caller: Annotated[Caller, require_scope(scopes.ISSUE)],
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """``{items: [{credential, options}]}`` → ``{items: [{status, verifiableCredential} |
    {status, problem}]}`` in the same order: 201 for a stored credential, the problem an
    item alone would have got (e.g. 422, 409) for a refused one. An item is stored whole or
    not at all; refusals do not undo the others."""
    org = organization(session, caller.org_id)

    def produce() -> Reply:
        answers: list[str | None] = [None] * len(body.items)
        wanted: list[tuple[int, Any, IssueOptions]] = []
        for n, item in enumerate(body.items):
            profile = _jwt_profile(item.options)
            try:
                if profile is not None:
                    services.jwt.check(org, profile, item.options.alg or "RS256")
            except AppError as exc:
                answers[n] = _problem_item(exc)
                continue
            options = IssueOptions(
                credential_id=item.options.credential_id, cryptosuite=item.options.cryptosuite
            )
            wanted.append((n, item.credential, options))
        results = services.issuance.issue_batch(
            session, org, [(c, o) for _, c, o in wanted], client_id=caller.client_id
        )
        for (n, _, _), result in zip(wanted, results, strict=True):
            if isinstance(result, AppError):
                answers[n] = _problem_item(result)
                continue
            item = body.items[n]
            profile = _jwt_profile(item.options)
            if profile is None:
                answers[n] = '{"status":201,"verifiableCredential":' + result.document + "}"
                continue
            token = services.jwt.encode(
                session, result, profile, item.options.alg or "RS256", store=True
            )
            answer = token if profile == jose.OB_PROFILE else _envelope(token)
            answers[n] = json.dumps({"status": 201, "verifiableCredential": answer})
        return Reply(200, None, {}, '{"items":[' + ",".join(a or "null" for a in answers) + "]}")

    return respond(session, caller, idempotency_key, fingerprint, produce)


def _problem_item(exc: AppError) -> str:
    return json.dumps({"status": exc.status, "problem": exc.to_problem()}, ensure_ascii=False)
