"""Issue 15 on the certificate page, read as HTML: expiry, the achievement whole, LinkedIn,
privacy defaults (grade, indexing) and the organization settings that switch them."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select

from app.db import session_scope
from app.models import IssuedCredential
from app.web.certificate import human_code
from tests.factories import Factory
from tests.lms import RUN, Lms
from tests.web.helpers import (
    SKILL_URL,
    expired_badge,
    graded_badge,
    named_badge,
    uuid_of,
    whole_badge,
)

HTML = {"Accept": "text/html"}


def _page(factory: Factory, uuid: str) -> str:
    response = factory.client.get(f"/credentials/{uuid}", headers=HTML)
    assert response.status_code == 200
    return response.text


def _text(html: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _settings(factory: Factory, caller: Any, **changes: Any) -> Any:
    return factory.client.patch("/api/v1/organization", json=changes, headers=caller.headers)


# -- part 2: expiry is its own state ---------------------------------------------------------


def test_expired_credential_is_neutral_not_a_forgery(factory: Factory) -> None:
    uuid = uuid_of(factory.issue(factory.caller(), expired_badge()))
    html = _page(factory, uuid)
    text = _text(html)
    assert "Expired on 1 June 2026" in text
    assert "Valid 2 May 2024 \u2013 1 June 2026" in text  # an en dash between the dates
    assert "banner--neutral" in html
    assert "could not be verified" not in text
    assert 'aria-label="Expired credential"' in html and ">Expired</span>" in html
    assert "linkedin.com" not in html  # nothing to add to a profile
    assert "og:title" not in html and "twitter:card" not in html  # no share tags
    assert "status-pill--neutral" in html


def test_forged_credential_still_says_could_not_be_verified(factory: Factory) -> None:
    """The trust checks (signature, issuer, format) keep the alarm: a changed copy is shown
    through /verify, but the stored page reports what its verifier found."""
    uuid = uuid_of(factory.issue(factory.caller(), named_badge()))
    with session_scope(factory.services.engine) as session:
        record = session.exec(select(IssuedCredential).where(IssuedCredential.uuid == uuid)).one()
        record.document = record.document.replace("Introduction to Cryptography", "Forged Title")
        session.add(record)
    text = _text(_page(factory, uuid))
    assert "This credential could not be verified" in text
    assert "signature" in text.lower()


# -- part 3: the achievement whole -----------------------------------------------------------


def test_achievement_image_skills_tags_criteria_and_code(factory: Factory) -> None:
    vc = factory.issue(factory.caller(), whole_badge())
    uuid = uuid_of(vc)
    html = _page(factory, uuid)
    article = html[html.index("<article") : html.index("</article>")]
    assert 'class="certificate__image"' in article
    assert f'<a class="chip" href="{SKILL_URL}"' in article
    assert "Descriptive statistics" in article
    assert "Hypothesis testing" in article and 'href="javascript' not in html  # not linked
    assert "statistics</span>" in article and "data</span>" in article  # tags
    assert "Criteria:" in article  # under the description, not under "Share"
    assert article.index("certificate__description") < article.index("certificate__criteria")
    kicker = re.search(r'class="certificate__kicker">([^<]+)<', article)
    assert kicker and kicker.group(1) == "Badge"
    assert "urn:uuid:" not in _text(html)
    assert human_code(vc["id"]) in article
    assert re.fullmatch(r"[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}", human_code(vc["id"]))


def test_heading_word_follows_achievement_type(factory: Factory) -> None:
    course = uuid_of(factory.issue(factory.caller(), named_badge()))
    assert "Certificate of completion" in _page(factory, course)
    diploma = named_badge()
    diploma["credentialSubject"]["achievement"]["achievementType"] = "Diploma"
    html = _page(factory, uuid_of(factory.issue(factory.caller(), diploma)))
    assert '<p class="certificate__kicker">Diploma</p>' in html


# -- part 9: LinkedIn ------------------------------------------------------------------------


def test_linkedin_carries_organization_id_and_bare_uuid(factory: Factory) -> None:
    caller = factory.caller(scopes=["credentials:issue", "catalog:write", "catalog:read"])
    assert _settings(factory, caller, linkedin_organization_id="1337").status_code == 200
    vc = factory.issue(caller, named_badge())
    html = _page(factory, uuid_of(vc))
    (href,) = [unescape(h) for h in re.findall(r'href="([^"]*linkedin\.com[^"]*)"', html)]
    query = parse_qs(urlsplit(href).query)
    assert query["organizationId"] == ["1337"]
    assert query["certId"] == [vc["id"].removeprefix("urn:uuid:")]


# -- part 10: privacy defaults and the settings ----------------------------------------------


def test_grade_is_shown_only_when_the_course_opts_in(lms: Lms) -> None:
    lms.course(grade_bands=[{"name": "Distinction", "min_grade": 0.9}])
    quiet = lms.grade(expect=201, learner="quiet", grade=0.95)
    vc = lms.assert_valid(quiet["credential"]["uuid"])
    assert vc["credentialSubject"]["result"]  # the credential carries it (show_grade is on)
    page = lms.client.get(f"/credentials/{quiet['credential']['uuid']}", headers=HTML).text
    assert "Distinction" not in _text(page) and "95%" not in _text(page)

    opted_in = lms.client.patch(
        f"/api/v1/courses/{RUN}", json={"public_grade": True}, headers=lms.headers
    )
    assert opted_in.status_code == 200 and opted_in.json()["public_grade"] is True
    page = lms.client.get(f"/credentials/{quiet['credential']['uuid']}", headers=HTML).text
    assert "Distinction" in _text(page) and "95%" in _text(page)


def test_pages_are_noindex_unless_the_organization_opts_in(factory: Factory) -> None:
    caller = factory.caller(scopes=["credentials:issue", "catalog:write", "catalog:read"])
    uuid = uuid_of(factory.issue(caller, graded_badge()))
    response = factory.client.get(f"/credentials/{uuid}", headers=HTML)
    assert '<meta name="robots" content="noindex">' in response.text
    assert response.headers["x-robots-tag"] == "noindex"
    assert _settings(factory, caller, indexable=True).json()["indexable"] is True
    response = factory.client.get(f"/credentials/{uuid}", headers=HTML)
    assert 'name="robots"' not in response.text and "x-robots-tag" not in response.headers


def test_organization_settings_api(factory: Factory) -> None:
    caller = factory.caller(scopes=["catalog:read", "catalog:write"])
    got = factory.client.get("/api/v1/organization", headers=caller.headers).json()
    assert got == {
        "slug": "acme",
        "name": "Acme University",
        "suspension_enabled": False,
        "linkedin_organization_id": None,
        "indexable": False,
    }
    changed = _settings(factory, caller, suspension_enabled=True).json()
    assert changed["suspension_enabled"] is True and changed["indexable"] is False
    assert _settings(factory, caller, linkedin_organization_id=None).status_code == 200
    bad = _settings(factory, caller, linkedin_organization_id="acme-co")
    assert bad.status_code == 422 and "linkedin_organization_id" in bad.text
    assert _settings(factory, caller, colour="red").status_code == 422
    reader = factory.caller(scopes=["catalog:read"])
    assert _settings(factory, reader, indexable=True).status_code == 403


def test_suspension_setting_reaches_new_credentials(factory: Factory) -> None:
    caller = factory.caller(scopes=["credentials:issue", "catalog:write"])
    before = factory.issue(caller, named_badge())
    assert isinstance(before["credentialStatus"], dict)  # revocation only
    assert _settings(factory, caller, suspension_enabled=True).status_code == 200
    after = factory.issue(caller, named_badge())
    purposes = {entry["statusPurpose"] for entry in after["credentialStatus"]}
    assert purposes == {"revocation", "suspension"}


# -- part 12: how verification works ---------------------------------------------------------


@pytest.mark.parametrize("maker", [named_badge, expired_badge])
def test_every_certificate_links_how_verification_works(factory: Factory, maker: Any) -> None:
    html = _page(factory, uuid_of(factory.issue(factory.caller(), maker())))
    assert 'href="../about/verification"' in html
    assert 'href="../verify?url=' in html  # "Verify independently"


def test_how_verification_works_page(factory: Factory) -> None:
    response = factory.client.get("/about/verification")
    assert response.status_code == 200
    text = _text(response.text)
    for heading in ("What is signed", "Where the issuer's key lives", "What revocation means",
                    "What a forger cannot do", "What Laurel checks, step by step"):  # fmt: skip
        assert heading in text
    assert '<svg viewBox="0 0 720 260" role="img"' in response.text  # the diagram
    assert 'href="../verify"' in response.text


def test_theme_names_the_linkedin_company_when_the_organization_does_not(
    factory: Factory,
) -> None:
    from app.web.themes import parse_theme

    assert parse_theme("acme", {"linkedin_organization_id": "42"}).linkedin_organization_id == "42"
    assert parse_theme("acme", {"linkedin_organization_id": "x"}).linkedin_organization_id is None
