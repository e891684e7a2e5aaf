"""An organization's settings an admin may change after creating it (CLI and API).

Suspension (a second status entry, see app/models/organization.py), the LinkedIn company id
that "Add to profile" links carry, and whether certificate pages may be indexed.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from app.models import Organization

#: LinkedIn company ids are numbers ("1337"), sent as the organizationId parameter.
LinkedInOrganizationId = Annotated[str, Field(pattern=r"^[0-9]{1,20}$")]


class OrganizationSettings(BaseModel):
    """PATCH: only the fields sent change; ``null`` clears the LinkedIn id."""

    model_config = ConfigDict(extra="forbid")

    suspension_enabled: bool | None = None
    linkedin_organization_id: LinkedInOrganizationId | None = None
    indexable: bool | None = None


class OrganizationSettingsPublic(BaseModel):
    slug: str
    name: str
    suspension_enabled: bool
    linkedin_organization_id: str | None
    indexable: bool


def settings_of(org: Organization) -> OrganizationSettingsPublic:
    return OrganizationSettingsPublic(
        slug=org.slug,
        name=org.name,
        suspension_enabled=org.suspension_enabled,
        linkedin_organization_id=org.linkedin_organization_id,
        indexable=org.indexable,
    )


def update_settings(
    session: Session, org: Organization, changes: OrganizationSettings
) -> Organization:
    """Apply the fields that were sent. Suspension applies to credentials issued from now on:
    those already issued keep the status entries they were signed with."""
    sent = changes.model_dump(exclude_unset=True)
    for name in ("suspension_enabled", "indexable"):
        if sent.get(name) is not None:
            setattr(org, name, sent[name])
    if "linkedin_organization_id" in sent:
        org.linkedin_organization_id = sent["linkedin_organization_id"]
    session.add(org)
    session.flush()
    return org
