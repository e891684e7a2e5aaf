"""POST /ims/ob/v3p0/credentials (OB 3.0 §6.2.3): a credential the learner received elsewhere,
as JSON or a compact JWS, verified before it is stored; 201 new, 200 replaced; listed back."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts import api_scopes
from tests.accounts.imsx import code_minor
from tests.accounts.obhost import Setup, audit_actions, bearer, connect, make_setup
from tests.factories import Factory, open_badge
from tests.lms import Lms

Browser = Callable[[], TestClient]
OB = "/ims/ob/v3p0/credentials"


@pytest.fixture
def setup(lms: Lms, new_browser: Browser) -> Setup:
    return make_setup(lms, new_browser)


@pytest.fixture
def elsewhere(factory: Factory) -> dict:  # type: ignore[type-arg]
    """A badge another issuer (here: another organization of this instance) signed."""
    return factory.issue(factory.caller("beta"), open_badge("Teamwork"))


def test_json_credential_is_verified_stored_and_listed(setup: Setup, elsewhere: dict) -> None:  # type: ignore[type-arg]
    token = connect(setup)["access_token"]
    client = setup.host.client
    created = client.post(OB, json=elsewhere, headers=bearer(token))
    assert created.status_code == 201, created.text
    assert created.json()["id"] == elsewhere["id"]
    again = client.post(OB, json=elsewhere, headers=bearer(token))
    assert again.status_code == 200
    listed = client.get(OB, headers=bearer(token))
    assert listed.headers["x-total-count"] == "5"
    assert elsewhere["id"] in {c["id"] for c in listed.json()["credential"]}
    services = setup.host.client.app.state.services  # type: ignore[attr-defined]
    with Session(services.engine) as session:
        rows = services.obapi.received(session, setup.signed.learner.account_id)
        views = services.obapi.received_views(session, setup.signed.learner.account_id)
    assert [(r.issuer_name, r.title) for r in rows] == [("Beta University", "Teamwork")]
    web = setup.host.client.app.state.web  # type: ignore[attr-defined]
    html = web.env.get_template("accounts/_received.html").render(received=views)
    assert "Teamwork" in html and "from Beta University" in html
    assert audit_actions(setup) == ["api-approved", "api-upserted", "api-upserted"]
    me = setup.browser.get("/me")
    assert me.status_code == 200
    assert "Added from elsewhere" in me.text and "from Beta University" in me.text


def test_compact_jws_is_verified_stored_and_listed(
    setup: Setup,
    elsewhere: dict,
    app_client: TestClient,  # type: ignore[type-arg]
) -> None:
    uuid = elsewhere["id"].removeprefix("urn:uuid:")
    jws = app_client.get(f"/credentials/{uuid}", headers={"Accept": "text/plain"})
    assert jws.status_code == 200 and jws.text.count(".") == 2, jws.text[:200]
    token = connect(setup)["access_token"]
    client = setup.host.client
    created = client.post(
        OB, content=jws.text, headers={**bearer(token), "Content-Type": "text/plain"}
    )
    assert created.status_code == 201, created.text
    assert created.text == jws.text
    listed = client.get(OB, headers=bearer(token)).json()
    assert listed["compactJwsString"] == [jws.text]


def test_tampered_or_unsigned_credential_is_refused_as_imsx(setup: Setup, elsewhere: dict) -> None:  # type: ignore[type-arg]
    token = connect(setup)["access_token"]
    tampered = copy.deepcopy(elsewhere)
    tampered["name"] = "Leadership"
    refused = setup.host.client.post(OB, json=tampered, headers=bearer(token))
    assert refused.status_code == 400
    body = refused.json()
    assert body["imsx_codeMajor"] == "failure" and code_minor(body) == "invalid_data"
    assert "proof" in body["imsx_description"]
    unsigned = {k: v for k, v in elsewhere.items() if k != "proof"}
    assert setup.host.client.post(OB, json=unsigned, headers=bearer(token)).status_code == 400
    garbage = setup.host.client.post(
        OB, content=b"{", headers={**bearer(token), "Content-Type": "application/json"}
    )
    assert garbage.status_code == 400 and code_minor(garbage.json()) == "invalid_data"
    assert setup.host.client.get(OB, headers=bearer(token)).headers["x-total-count"] == "4"


def test_upsert_needs_its_scope(setup: Setup, elsewhere: dict) -> None:  # type: ignore[type-arg]
    token = connect(setup, api_scopes.OB_CREDENTIAL_READONLY)["access_token"]
    refused = setup.host.client.post(OB, json=elsewhere, headers=bearer(token))
    assert refused.status_code == 403 and code_minor(refused.json()) == "forbidden"


def test_another_learners_credential_from_here_is_refused(setup: Setup, lms: Lms) -> None:
    """Grace may not add Bob's Acme credential to her record (finding r16-4)."""
    outcome = lms.grade(
        expect=201, learner="bob", run="course-v1:Acme+CS104+2026_T1", grade=0.9, name="Bob"
    )
    bobs_uuid = outcome["credential"]["uuid"]
    client = setup.host.client
    bobs = client.get(f"/credentials/{bobs_uuid}", headers={"Accept": "application/ld+json"})
    assert bobs.status_code == 200, bobs.text
    token = connect(setup)["access_token"]
    refused = client.post(OB, json=bobs.json(), headers=bearer(token))
    assert refused.status_code == 403, refused.text
    assert code_minor(refused.json()) == "forbidden"
    jws = client.get(f"/credentials/{bobs_uuid}", headers={"Accept": "text/plain"}).text
    as_jws = client.post(OB, content=jws, headers={**bearer(token), "Content-Type": "text/plain"})
    assert as_jws.status_code == 403
    listed = client.get(OB, headers=bearer(token))
    assert bobs.json()["id"] not in {c["id"] for c in listed.json()["credential"]}
    assert "api-upserted" not in audit_actions(setup)
    graces = client.get(
        f"/credentials/{setup.uuids['101']}", headers={"Accept": "application/ld+json"}
    ).json()
    assert client.post(OB, json=graces, headers=bearer(token)).status_code in (200, 201)
