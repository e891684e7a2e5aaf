"""An organization's switch for one kind of e-mail; no row: the kind's default
(app.models.enums.MAIL_KINDS_ON_BY_DEFAULT)."""

from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class OrgMailKind(SQLModel, table=True):
    __tablename__ = "org_mail_kinds"
    __table_args__ = (UniqueConstraint("org_id", "kind", name="uq_org_mail_kind"),)

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organizations.id", index=True)
    kind: str = Field(max_length=16)
    enabled: bool
