"""Creating organizations: each one is an issuer with its own Ed25519 key from the start."""

from __future__ import annotations

import re

from pydantic import ValidationError
from sqlmodel import Session

from app.db import unique_or
from app.errors import Conflict, InvalidInput, NotFound
from app.issuers import repository
from app.issuers.keys.keyring import Keyring
from app.models import Organization
from app.models.organization import SLUG_PATTERN, OrganizationBase


def create_organization(
    session: Session,
    keyring: Keyring,
    *,
    slug: str,
    name: str,
    url: str | None = None,
    email: str | None = None,
    image_url: str | None = None,
    did_method: str = "web",
) -> Organization:
    try:
        data = OrganizationBase.model_validate(
            {
                "slug": slug,
                "name": name,
                "url": url,
                "email": email,
                "image_url": image_url,
                "did_method": did_method,
            }
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InvalidInput(f'"{err["loc"][0]}": {err["msg"]}', field=str(err["loc"][0])) from None
    if not re.fullmatch(SLUG_PATTERN, data.slug):
        raise InvalidInput(
            '"slug" must be lowercase letters, digits and inner hyphens (e.g. "acme-u"), '
            "at most 64 characters",
            field="slug",
        )
    if data.did_method not in ("web", "key"):
        raise InvalidInput('"did_method" must be "web" or "key"', field="did_method")
    if repository.by_slug(session, data.slug) is not None:
        raise Conflict(f'organization "{data.slug}" already exists', field="slug")
    org = Organization.model_validate(data)
    with unique_or(session, Conflict(f'organization "{data.slug}" already exists', field="slug")):
        session.add(org)
        session.flush()
        keyring.create_key(session, org.id)
    session.refresh(org)
    return org


def organization(session: Session, org_id: int) -> Organization:
    """The caller's organization (it may have been deleted since the token was issued)."""
    org = repository.caller_org(session, org_id)
    if org is None:
        raise NotFound("the caller's organization no longer exists")
    return org


def organization_or_none(session: Session, org_id: int) -> Organization | None:
    return repository.by_id(session, org_id)


def organization_by_slug(session: Session, slug: str) -> Organization | None:
    return repository.by_slug(session, slug)
