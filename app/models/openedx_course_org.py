"""An Open edX course organization code (``Acme`` of ``course-v1:Acme+CS101+2026_T1``) and the
Laurel organization its course runs belong to. A code belongs to one organization only (the
unique constraint): course keys do not name the site, so two owners would be ambiguous."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class OpenEdxCourseOrg(SQLModel, table=True):
    __tablename__ = "openedx_course_orgs"

    id: int = Field(default=None, primary_key=True)
    connection_id: int = Field(foreign_key="openedx_connections.id", index=True)
    org_id: int = Field(foreign_key="organizations.id", index=True)
    code: str = Field(max_length=255, unique=True)
