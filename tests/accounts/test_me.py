"""/me: the signed-in learner's credentials across organizations, hide/show, name, share
links and wallet offers; every action audited, owned-only (404 otherwise) and CSRF-checked."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.container import Services
from app.models import AuditEvent, HiddenCredential, Learner, LearnerLink, RecordShare
from tests.accounts.signin import SignedInBrowser, sign_in
from tests.conftest import BASE_URL
from tests.factories import Factory
from tests.lms import Lms
from tests.web.helpers import BROWSER_ACCEPT, set_status
from tests.web.test_security import _routes

RUN = "course-v1:{org}+CS{n}+2026_T1"
HTML = {"Accept": BROWSER_ACCEPT}


def _award(lms: Lms, org: str, learner: str, n: int, name: str, title: str) -> str:
    run = RUN.format(org=org.title(), n=n)
    existing = lms.get(f"/courses/{run}")
    if existing.status_code == 404:
        lms.course(run, title=title)
    outcome = lms.grade(expect=201, learner=learner, run=run, grade=0.9, name=name)
    return outcome["credential"]["uuid"]  # type: ignore[no-any-return]


def _learner(services: Services, org_slug: str, lms_id: str) -> Learner:
    with Session(services.engine) as session:
        from app.issuers.repository import by_slug

        org = by_slug(session, org_slug)
        assert org is not None
        found = session.exec(
            select(Learner).where(Learner.org_id == org.id, Learner.lms_id == lms_id)
        ).one()
        return found


class World:
    """Alice has credentials at Acme and at Globex; Bob one at Acme."""

    def __init__(self, factory: Factory, lms: Lms) -> None:
        self.services = factory.services
        self.acme = lms
        self.globex = Lms(factory, factory.caller("globex"))
        self.alice_acme = _award(lms, "acme", "alice", 101, "Alice Smith", "Cryptography")
        self.alice_acme2 = _award(lms, "acme", "alice", 102, "Alice Smith", "Networks")
        self.alice_globex = _award(self.globex, "globex", "a.smith", 201, "Alice M. Smith",
                                   "Statistics")  # fmt: skip
        self.bob_acme = _award(lms, "acme", "bob", 101, "Bob Jones", "Cryptography")
        self.alice = [_learner(self.services, "acme", "alice"),
                      _learner(self.services, "globex", "a.smith")]  # fmt: skip
        self.bob = _learner(self.services, "acme", "bob")


@pytest.fixture
def world(factory: Factory, lms: Lms) -> World:
    return World(factory, lms)


@pytest.fixture
def alice(world: World, new_browser: Any) -> tuple[TestClient, SignedInBrowser]:
    client = new_browser()
    return client, sign_in(world.services, client, world.alice)


@pytest.fixture
def bob(world: World, new_browser: Any) -> tuple[TestClient, SignedInBrowser]:
    client = new_browser()
    return client, sign_in(world.services, client, world.bob)


def _audit(services: Services) -> list[tuple[str, str | None, str | None]]:
    with Session(services.engine) as session:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.kind == "account").order_by(col(AuditEvent.id))
        )
        return [(e.action, e.learner_lms_id, e.credential_uuid) for e in rows]


def test_me_needs_a_sign_in(new_browser: Any) -> None:
    browser = new_browser()
    page = browser.get("/me", headers=HTML)
    assert page.status_code == 303 and page.headers["location"] == "/signin?next=%2Fme"
    assert browser.get("/me").status_code == 401


def test_me_shows_every_credential_across_organizations(
    world: World, alice: tuple[TestClient, SignedInBrowser]
) -> None:
    client, _ = alice
    set_status(world.services, world.alice_acme2, "revoke")
    page = client.get("/me", headers=HTML)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    for uuid in (world.alice_acme, world.alice_acme2, world.alice_globex):
        assert f'id="credential-{uuid}"' in html
    assert world.bob_acme not in html
    revoked = re.search(rf'id="credential-{world.alice_acme2}".*?</li>', html, re.S)
    assert revoked and "Revoked" in revoked.group(0) and "Add to wallet" not in revoked.group(0)
    assert "Acme University" in html and "Globex University" in html
    assert "Alice M. Smith" in html  # a name choice from Globex's LMS


def test_hiding_a_credential(
    world: World,
    alice: tuple[TestClient, SignedInBrowser],
    bob: tuple[TestClient, SignedInBrowser],
    new_browser: Any,
) -> None:
    client, me = alice
    uuid = world.alice_acme
    path = f"/credentials/{uuid}"
    anonymous = new_browser()
    status_before = _status_list(anonymous, world, uuid)
    share = client.post("/me/shares", data={"csrf_token": me.csrf_token,
                                            "learner": world.alice[0].id})  # fmt: skip
    assert share.status_code == 303
    record_url = _share_urls(world)[0]

    hide = client.post(f"/me/credentials/{uuid}/visibility",
                       data={"csrf_token": me.csrf_token, "hidden": "true"})  # fmt: skip
    assert hide.status_code == 303 and hide.headers["location"] == f"/me#credential-{uuid}"

    for other in (anonymous, bob[0]):
        for accept in (BROWSER_ACCEPT, "application/ld+json"):
            assert other.get(path, headers={"Accept": accept}).status_code == 404
        assert other.get(f"{path}/credential.json").status_code == 404
        assert other.get(f"{path}/badge.png").status_code == 404
    owner = client.get(path, headers=HTML)
    assert owner.status_code == 200 and owner.headers["cache-control"] == "private, no-store"
    assert client.get(path, headers={"Accept": "application/ld+json"}).status_code == 200
    # Every download too (README: the owner still sees the page and its downloads).
    for download in ("certificate.pdf", "preview.png", "qr.svg", "credential.json", "badge.png"):
        for other in (anonymous, bob[0]):
            assert other.get(f"{path}/{download}").status_code == 404, download
        mine = client.get(f"{path}/{download}")
        assert mine.status_code == 200, (download, mine.status_code)
        assert mine.headers["cache-control"] == "private, no-store", download
    # The record share leaves it out; the status list is untouched.
    assert f"/credentials/{uuid}" not in anonymous.get(record_url).text
    assert _status_list(anonymous, world, uuid) == status_before
    verify = anonymous.post("/verify", data={"url": f"{BASE_URL}{path}"}, headers=HTML)
    assert "there is no credential at" in verify.text
    assert "Hidden" in client.get("/me", headers=HTML).text

    show = client.post(f"/me/credentials/{uuid}/visibility",
                       data={"csrf_token": me.csrf_token, "hidden": "false"})  # fmt: skip
    assert show.status_code == 303
    assert anonymous.get(path, headers=HTML).status_code == 200
    assert ("hidden", "alice", uuid) in _audit(world.services)
    assert ("shown", "alice", uuid) in _audit(world.services)


def _status_list(client: TestClient, world: World, uuid: str) -> bytes:
    status = world.acme.document(uuid)["credentialStatus"]
    entry = status[0] if isinstance(status, list) else status
    response = client.get(entry["statusListCredential"].removeprefix(BASE_URL))
    assert response.status_code == 200
    return response.content


def _share_urls(world: World) -> list[str]:
    with Session(world.services.engine) as session:
        rows = session.exec(select(RecordShare).order_by(col(RecordShare.created_at)))
        return [f"/records/{r.id}" for r in rows]


def test_choosing_the_display_name(world: World, alice: tuple[TestClient, SignedInBrowser]) -> None:
    client, me = alice
    names = world.services.learner_pages.names
    with Session(world.services.engine) as session:
        assert names(session, me.learner) == ["Alice Smith", "Alice M. Smith"]
    chosen = client.post("/me/name", data={"csrf_token": me.csrf_token, "name": "Alice M. Smith"})
    assert chosen.status_code == 303
    assert "Signed in as <strong>Alice M. Smith</strong>" in client.get("/me", headers=HTML).text
    refused = client.post("/me/name", data={"csrf_token": me.csrf_token, "name": "Mallory"})
    assert refused.status_code == 422 and refused.json()["field"] == "name"
    # The public record shows the chosen name.
    client.post("/me/shares", data={"csrf_token": me.csrf_token, "learner": world.alice[0].id})
    record = client.get(_share_urls(world)[0], headers=HTML).text
    assert "Alice M. Smith" in record
    back = client.post("/me/name", data={"csrf_token": me.csrf_token, "name": ""})
    assert back.status_code == 303
    assert [a for a in _audit(world.services) if a[0] == "name_chosen"]


def test_share_links(world: World, alice: tuple[TestClient, SignedInBrowser]) -> None:
    client, me = alice
    form = {"csrf_token": me.csrf_token, "learner": world.alice[1].id, "label": "For a job"}
    made = client.post("/me/shares", data=form)
    assert made.status_code == 303 and made.headers["location"] == "/me#shares"
    url = _share_urls(world)[0]
    record = client.get(url, headers=HTML)
    assert record.status_code == 200 and "Statistics" in record.text
    assert "For a job" in client.get("/me", headers=HTML).text
    share_id = url.rsplit("/", 1)[1]
    revoked = client.post(f"/me/shares/{share_id}/revoke", data={"csrf_token": me.csrf_token})
    assert revoked.status_code == 303
    assert client.get(url, headers=HTML).status_code == 404
    actions = [a[0] for a in _audit(world.services)]
    assert "share_made" in actions and "share_revoked" in actions


def test_wallet_offer_for_oneself(world: World, alice: tuple[TestClient, SignedInBrowser]) -> None:
    client, me = alice
    offer = client.post(f"/me/credentials/{world.alice_globex}/wallet",
                        data={"csrf_token": me.csrf_token})  # fmt: skip
    assert offer.status_code == 303
    location = offer.headers["location"]
    assert location.startswith(f"{BASE_URL}/credentials/{world.alice_globex}/wallet?offer=")
    page = client.get(location.removeprefix(BASE_URL), headers=HTML)
    assert page.status_code == 200 and "Statistics" in page.text
    assert ("offer_made", "a.smith", world.alice_globex) in _audit(world.services)


def test_one_learner_cannot_act_on_anothers_things(
    world: World,
    alice: tuple[TestClient, SignedInBrowser],
    bob: tuple[TestClient, SignedInBrowser],
) -> None:
    client, me = alice
    client.post("/me/shares", data={"csrf_token": me.csrf_token, "learner": world.alice[0].id})
    alices_share = _share_urls(world)[0].rsplit("/", 1)[1]
    mallory, bob_me = bob
    token = {"csrf_token": bob_me.csrf_token}
    for path, data in (
        (f"/me/credentials/{world.alice_acme}/visibility", {**token, "hidden": "true"}),
        (f"/me/credentials/{world.alice_acme}/wallet", token),
        (f"/me/shares/{alices_share}/revoke", token),
        ("/me/shares", {**token, "learner": str(world.alice[0].id)}),
    ):
        refused = mallory.post(path, data=data)
        assert refused.status_code == 404, (path, refused.text)
    assert mallory.post("/me/name", data={**token, "name": "Alice Smith"}).status_code == 422
    # Bob's page shows none of Alice's things; nothing of hers changed.
    page = mallory.get("/me", headers=HTML).text
    assert world.alice_acme not in page and alices_share not in page
    with Session(world.services.engine) as session:
        assert session.exec(select(HiddenCredential)).all() == []
        shares = session.exec(select(RecordShare)).all()
        assert [(s.learner_id, s.revoked_at) for s in shares] == [(world.alice[0].id, None)]
        assert len(session.exec(select(LearnerLink)).all()) == 3  # alice x2, bob
    assert client.get(f"/records/{alices_share}", headers=HTML).status_code == 200


#: Every state-changing form of a signed-in learner (a test below checks none is missing).
FORMS = {
    "/me/credentials/{uuid}/visibility": {"hidden": "true"},
    "/me/credentials/{uuid}/wallet": {},
    "/me/name": {"name": "Alice Smith"},
    "/me/shares": {"learner": "{learner}"},
    "/me/shares/{share_id}/revoke": {},
    "/me/link/{org}": {},
    "/signout": {},
    "/me/apps/{client_id}/disconnect": {},  # app/web/consent.py: withdraw an API host's access
}


def test_every_form_refuses_a_missing_or_foreign_csrf_token(
    world: World,
    alice: tuple[TestClient, SignedInBrowser],
    bob: tuple[TestClient, SignedInBrowser],
) -> None:
    client, me = alice
    client.post("/me/shares", data={"csrf_token": me.csrf_token, "learner": world.alice[0].id})
    share_id = _share_urls(world)[0].rsplit("/", 1)[1]
    before = _audit(world.services)
    values = {"uuid": world.alice_acme, "share_id": share_id, "org": "globex",
              "learner": str(world.alice[0].id), "client_id": "any-client"}  # fmt: skip
    for template, fields in FORMS.items():
        path = template.format(**values)
        data = {k: v.format(**values) for k, v in fields.items()}
        for token in (None, "", bob[1].csrf_token, me.csrf_token[:-1] + "x"):
            sent = data if token is None else {**data, "csrf_token": token}
            refused = client.post(path, data=sent)
            assert refused.status_code == 403, (path, token, refused.text)
            assert refused.json()["type"].endswith("/csrf-refused")
    assert _audit(world.services) == before  # nothing happened


def test_a_browser_sees_a_refused_form_as_a_page(
    world: World, alice: tuple[TestClient, SignedInBrowser]
) -> None:
    client, me = alice
    refused = client.post("/me/name", data={"name": "Alice Smith"}, headers=HTML)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "Not allowed" in refused.text and "reload the page" in refused.text
    wrong = client.post("/me/name", data={"csrf_token": me.csrf_token, "name": "X"}, headers=HTML)
    assert wrong.status_code == 422 and "must be one of the names" in wrong.text


def test_the_csrf_list_covers_every_learner_form(app_client: TestClient) -> None:
    posts = {
        path
        for path, route in _routes(app_client.app.routes)  # type: ignore[attr-defined]
        if "POST" in getattr(route, "methods", set()) and path.startswith(("/me", "/signout"))
    }
    assert posts == set(FORMS)
