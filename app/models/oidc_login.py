"""A sign-in under way: what the callback needs to check the provider's answer.

Keyed by the SHA-256 of ``state`` (OIDC Core 1.0 §3.1.2.1, RFC 6749 §10.12): the callback
finds the row by the state it receives, checks it belongs to this browser (``browser_hash``,
the SHA-256 of a short-lived cookie), and deletes it, so a state (and with it the code)
answers once. ``nonce`` is checked in the ID token (§3.1.2.1); ``code_verifier`` is PKCE's
(RFC 7636 §4.1).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from app.db import utcnow


class OidcLogin(SQLModel, table=True):
    __tablename__ = "oidc_logins"

    id: str = Field(primary_key=True, max_length=64)
    org_id: int = Field(foreign_key="organizations.id", index=True)
    browser_hash: str = Field(max_length=64)
    nonce: str = Field(max_length=64)
    code_verifier: str = Field(max_length=128)
    #: Where the browser goes after signing in (a path on this site only).
    return_to: str = Field(default="/me", max_length=500)
    #: Set when a signed-in person asked to add this organization's account to theirs (only
    #: then are learners linked; a plain sign-in never joins someone else's account).
    link_account_id: int | None = Field(default=None, foreign_key="learner_accounts.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
