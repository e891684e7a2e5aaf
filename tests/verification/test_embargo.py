"""The verifier honours the embargo: before its certificate available date our own credential
is, through ``/verify?url=``, exactly what an unknown one is (no way round, no oracle)."""

from __future__ import annotations

import uuid as uuidlib
from datetime import UTC, datetime, timedelta

from tests.conftest import BASE_URL
from tests.factories import Factory, open_badge
from tests.web.helpers import set_public_from, uuid_of

COURSE = "Embargoed Cryptanalysis"


def _verify_url(factory: Factory, uuid: str):  # type: ignore[no-untyped-def]
    return factory.client.get("/verify", params={"url": f"{BASE_URL}/credentials/{uuid}"})


def test_a_hidden_credential_answers_as_an_unknown_one(factory: Factory) -> None:
    vc = factory.issue(factory.caller("acme"), open_badge(COURSE))
    hidden = uuid_of(vc)
    set_public_from(factory.services, hidden, datetime.now(UTC) + timedelta(days=3))
    unknown = str(uuidlib.uuid4())

    answer = _verify_url(factory, hidden)
    control = _verify_url(factory, unknown)

    assert answer.status_code == control.status_code == 422
    assert COURSE not in answer.text and "Acme" not in answer.text
    assert answer.text.replace(hidden, "UUID") == control.text.replace(unknown, "UUID")


def test_once_public_the_same_url_verifies(factory: Factory) -> None:
    vc = factory.issue(factory.caller("acme"), open_badge(COURSE))
    uuid = uuid_of(vc)
    set_public_from(factory.services, uuid, datetime.now(UTC) - timedelta(seconds=1))
    answer = _verify_url(factory, uuid)
    assert answer.status_code == 200
    assert "Signed by its issuer, unchanged since, and not revoked." in answer.text
    assert COURSE in answer.text


def test_a_malformed_own_url_is_unknown_without_a_lookup(factory: Factory) -> None:
    """Not a uuid (here with a NUL, which PostgreSQL cannot even compare): simply not ours."""
    answer = factory.client.post(
        "/verify", data={"url": f"{BASE_URL}/credentials/a\x00b"}, headers={"Accept": "text/html"}
    )
    assert answer.status_code == 422
    assert "there is no credential at" in answer.text
