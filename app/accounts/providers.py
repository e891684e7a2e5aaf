"""Per-organization sign-in settings: which OpenID Connect provider (the LMS) signs its
learners in, and which claim names the LMS user id."""

from __future__ import annotations

from sqlmodel import Session

from app.accounts import repository
from app.accounts.schemas import ProviderPublic, ProviderSettings
from app.db import utcnow
from app.errors import NotFound
from app.models import OidcProvider, Organization


def configure(session: Session, org: Organization, settings: ProviderSettings) -> OidcProvider:
    """Create or replace the organization's provider. A missing ``client_secret`` keeps the
    stored one (so settings can be changed without handling the secret again)."""
    provider = repository.provider_of(session, org.id)
    if provider is None:
        provider = OidcProvider(org_id=org.id, issuer=settings.issuer, client_id=settings.client_id)
    provider.issuer = settings.issuer
    provider.client_id = settings.client_id
    if settings.client_secret is not None:
        provider.client_secret = settings.client_secret or None
    provider.user_id_claim = settings.user_id_claim
    provider.scopes = settings.scopes
    provider.enabled = settings.enabled
    provider.updated_at = utcnow()
    session.add(provider)
    session.flush()
    return provider


def provider_of(session: Session, org: Organization) -> OidcProvider:
    provider = repository.provider_of(session, org.id)
    if provider is None:
        raise NotFound(f'organization "{org.slug}" has no sign-in provider', field="org")
    return provider


def remove(session: Session, org: Organization) -> None:
    if repository.delete_provider(session, org.id) != 1:
        raise NotFound(f'organization "{org.slug}" has no sign-in provider', field="org")


def public(provider: OidcProvider, redirect_uri: str) -> ProviderPublic:
    return ProviderPublic(
        issuer=provider.issuer,
        client_id=provider.client_id,
        has_client_secret=bool(provider.client_secret),
        user_id_claim=provider.user_id_claim,
        scopes=provider.scopes,
        enabled=provider.enabled,
        redirect_uri=redirect_uri,
        updated_at=provider.updated_at,
    )


def sign_in_choices(session: Session) -> list[tuple[OidcProvider, Organization]]:
    """The organizations a learner can sign in with, by name."""
    return repository.enabled_providers(session)
