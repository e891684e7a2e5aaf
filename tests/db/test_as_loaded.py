"""``as_loaded`` builds a table model as the ORM builds a loaded row (issue 13: the
constructor cost more than the INSERT): the same field values as the constructor, defaults
included, and the object behaves as any persistent one once attached."""

from __future__ import annotations

from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, select

from app.db import as_loaded
from app.models import IssuedCredential, Organization


def _values() -> dict[str, object]:
    return {
        "uuid": "6a3c1b8e-2f4d-4e1a-9b7c-0d5e8f2a1c3b",
        "credential_id": "urn:uuid:6a3c1b8e-2f4d-4e1a-9b7c-0d5e8f2a1c3b",
        "org_id": 1,
        "document": "{}",
    }


def test_the_same_fields_as_the_constructor_defaults_included() -> None:
    built = as_loaded(IssuedCredential, _values())
    made = IssuedCredential(**_values())
    fields = set(IssuedCredential.model_fields) - {"issued_at"}  # a clock default
    assert {f: getattr(built, f) for f in fields} == {f: getattr(made, f) for f in fields}
    assert built.issued_at is not None


def test_attached_it_is_persistent_and_its_changes_are_flushed(session: Session) -> None:
    org = Organization(slug="loaded", name="Loaded U")
    session.add(org)
    session.commit()
    copy = as_loaded(Organization, org.model_dump())
    session.expunge_all()
    make_transient_to_detached(copy)
    session.add(copy)
    assert copy not in session.new  # no second INSERT
    copy.name = "Renamed U"
    session.commit()
    session.expunge_all()
    assert session.exec(select(Organization.name)).one() == "Renamed U"
