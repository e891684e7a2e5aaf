"""CLR 2.0: the learner's record as one signed ClrCredential, valid against 1EdTech's JSON
Schema, verified outer and inner; served at the share URL, as a download and by the CLR API."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts import api_scopes
from app.awards.clr import ClrBuilder, record_contents
from app.core.vc.schema import CLR_CREDENTIAL_SCHEMA
from tests.accounts.clr_setup import learner_row, learner_with_program
from tests.accounts.obhost import Host, approve, bearer, make_setup, query_of
from tests.lms import Lms

Browser = Callable[[], TestClient]


def _clr(lms: Lms) -> dict[str, Any]:
    learner = learner_row(lms)
    with Session(lms.services.engine) as session:
        contents = record_contents(session, learner)
        return ClrBuilder(lms.services.signer).build(session, learner, contents, "Record")


def _verify(lms: Lms, document: dict[str, Any]) -> dict[str, Any]:
    with Session(lms.services.engine) as session:
        return lms.services.verifier.verify(session, document).to_json()


def _resign(lms: Lms, document: dict[str, Any]) -> dict[str, Any]:
    """Sign the (changed) CLR again with the org's key: the outer proof is then valid."""
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    with Session(lms.services.engine) as session:
        org = lms.caller.org
        ctx = lms.services.signer.context_for(session, org)
        return lms.services.signer.sign(unsigned, ctx)


def test_clr_is_schema_valid_and_verifies_outer_and_inner(lms: Lms) -> None:
    uuids = learner_with_program(lms)
    clr = _clr(lms)
    assert clr["type"] == ["VerifiableCredential", "ClrCredential"]
    assert lms.services.schemas.errors(CLR_CREDENTIAL_SCHEMA, clr) == []
    inner = clr["credentialSubject"]["verifiableCredential"]
    assert len(inner) == 4
    assert inner[0] == lms.document(uuids["program"])  # unchanged, with its own proof
    program_achievement = inner[0]["credentialSubject"]["achievement"]["id"]
    associations = clr["credentialSubject"]["association"]
    assert len(associations) == 3
    assert {a["targetId"] for a in associations} == {program_achievement}
    assert {a["associationType"] for a in associations} == {"isChildOf"}
    report = _verify(lms, clr)
    assert report["verified"], report
    names = {c["check"]: c["passed"] for c in report["checks"]}
    assert names["proof"] and names["schema"]
    assert [names[f"verifiableCredential[{i}]"] for i in range(4)] == [True] * 4


def test_tampered_inner_credential_fails_by_name(lms: Lms) -> None:
    learner_with_program(lms)
    clr = _clr(lms)
    tampered = copy.deepcopy(clr)
    tampered["credentialSubject"]["verifiableCredential"][2]["name"] = "Something else"
    # Unchanged outer proof: the outer proof fails too.
    report = _verify(lms, tampered)
    assert not report["verified"]
    failed = {c["check"] for c in report["errors"]}
    assert {"proof", "verifiableCredential[2]"} <= failed
    # Signed again by the CLR issuer: the outer proof holds, the inner one still fails.
    resigned = _verify(lms, _resign(lms, tampered))
    assert not resigned["verified"]
    errors = {c["check"]: c for c in resigned["errors"]}
    assert set(errors) == {"verifiableCredential[2]"}
    assert "proof" in errors["verifiableCredential[2]"]["message"]
    assert errors["verifiableCredential[2]"]["code"] == "PROOF_VERIFICATION_ERROR"


def test_share_url_negotiates_the_clr_and_offers_a_download(lms: Lms) -> None:
    learner_with_program(lms)
    share = lms.post("/learners/u1/record-shares", None).json()
    path = "/records/" + share["url"].rsplit("/", 1)[-1]
    html = lms.client.get(path, headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html")
    clr = lms.client.get(path, headers={"Accept": "application/vc+ld+json"})
    assert clr.status_code == 200 and clr.headers["content-type"] == "application/vc+ld+json"
    assert clr.headers["cache-control"] == "private, no-store"
    document = clr.json()
    assert "ClrCredential" in document["type"]
    assert _verify(lms, document)["verified"]
    download = lms.client.get(f"{path}/clr.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    assert lms.client.get("/records/nope/clr.json").status_code == 404
    lms.post(f"/learners/u1/record-shares/{share['id']}/revoke", None)


def test_clr_api_serves_the_record_to_a_host_with_clr_scope(lms: Lms, new_browser: Browser) -> None:
    setup = make_setup(lms, new_browser)
    host = Host.register(new_browser(), api="clr")
    assert host.flow["authorizationUrl"].endswith("/oauth2/authorize")
    params, verifier = host.authorize_params(scope=api_scopes.CLR_CREDENTIAL_READONLY)
    code = query_of(approve(setup.browser, params, setup.signed.csrf_token))["code"]
    token = host.exchange(code, verifier).json()["access_token"]
    listed = host.client.get("/ims/clr/v2p0/credentials", headers=bearer(token))
    assert listed.status_code == 200, listed.text
    assert listed.headers["x-total-count"] == "1"
    (clr,) = listed.json()["credential"]
    assert _verify(lms, clr)["verified"]
    schema = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_getclrcredentialsresponse_schema.json"
    assert lms.services.schemas.errors(schema, listed.json()) == []
    # The OB scope does not open the CLR API, nor the CLR scope the OB API.
    assert host.client.get("/ims/ob/v3p0/credentials", headers=bearer(token)).status_code == 403


@pytest.mark.parametrize("api", ["ob", "clr"])
def test_discovery_of_both_apis(app_client: TestClient, api: str) -> None:
    base = "/ims/ob/v3p0" if api == "ob" else "/ims/clr/v2p0"
    flow = app_client.get(f"{base}/discovery").json()["components"]["securitySchemes"]
    scopes = flow["OAuth2ACG"]["flows"]["authorizationCode"]["scopes"]
    assert set(scopes) == set(api_scopes.OB_SCOPES if api == "ob" else api_scopes.CLR_SCOPES)


def test_clr_api_takes_a_verified_clr_and_refuses_a_tampered_one(
    lms: Lms, new_browser: Browser
) -> None:
    setup = make_setup(lms, new_browser)
    host = Host.register(new_browser(), api="clr")
    scope = f"{api_scopes.CLR_CREDENTIAL_UPSERT} {api_scopes.CLR_CREDENTIAL_READONLY}"
    params, verifier = host.authorize_params(scope=scope)
    code = query_of(approve(setup.browser, params, setup.signed.csrf_token))["code"]
    token = host.exchange(code, verifier).json()["access_token"]
    clr = _clr(lms)
    url = "/ims/clr/v2p0/credentials"
    assert host.client.post(url, json=clr, headers=bearer(token)).status_code == 201
    assert host.client.post(url, json=clr, headers=bearer(token)).status_code == 200
    tampered = _resign(lms, _with_inner_name(clr, 1, "Forged"))
    refused = host.client.post(url, json=tampered, headers=bearer(token))
    assert refused.status_code == 400
    assert "verifiableCredential[1]" in refused.json()["imsx_description"]
    badge = clr["credentialSubject"]["verifiableCredential"][0]
    not_clr = host.client.post(url, json=badge, headers=bearer(token))
    assert not_clr.status_code == 400 and "ClrCredential" in not_clr.json()["imsx_description"]
    assert host.client.get(url, headers=bearer(token)).headers["x-total-count"] == "2"


def _with_inner_name(clr: dict[str, Any], index: int, name: str) -> dict[str, Any]:
    changed = copy.deepcopy(clr)
    changed["id"] = "urn:uuid:5d2a4cbe-7f11-4e0e-9a55-2d4f3f0f9b11"
    changed["credentialSubject"]["verifiableCredential"][index]["name"] = name
    return changed


def test_share_clr_leaves_out_what_the_learner_hid(lms: Lms, new_browser: Browser) -> None:
    setup = make_setup(lms, new_browser)
    hidden = setup.uuids["102"]
    answer = setup.browser.post(
        f"/me/credentials/{hidden}/visibility",
        data={"hidden": "true", "csrf_token": setup.signed.csrf_token},
    )
    assert answer.status_code == 303, answer.text
    share = lms.post("/learners/u1/record-shares", None).json()
    path = "/records/" + share["url"].rsplit("/", 1)[-1]
    clr = lms.client.get(path, headers={"Accept": "application/vc+ld+json"}).json()
    inner = {c["id"] for c in clr["credentialSubject"]["verifiableCredential"]}
    assert len(inner) == 3 and f"urn:uuid:{hidden}" not in inner
    assert _verify(lms, clr)["verified"]
