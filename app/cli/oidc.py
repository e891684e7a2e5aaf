"""`laurel oidc set|show|list|remove`: each organization's learner sign-in provider."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlmodel import Session

from app.cli import context
from app.db import session_scope

oidc_app = typer.Typer(
    help="Learner sign-in: each organization's OpenID Connect provider (its LMS).",
    no_args_is_help=True,
)


@oidc_app.command("set")
def oidc_set(
    org: Annotated[str, typer.Option(help="Organization slug.")],
    issuer: Annotated[str, typer.Option(help="The provider's issuer URL (discovery).")],
    client_id: Annotated[str, typer.Option(help="The client id the provider gave Laurel.")],
    client_secret: Annotated[
        str | None,
        typer.Option(
            envvar="LAUREL_OIDC_CLIENT_SECRET",
            help="Its client secret (better: the LAUREL_OIDC_CLIENT_SECRET variable); "
            "left out: the stored one is kept.",
        ),
    ] = None,
    user_id_claim: Annotated[
        str, typer.Option(help="The ID-token claim holding the LMS user id.")
    ] = "sub",
    scopes: Annotated[str, typer.Option(help="Scopes to ask for.")] = "openid profile email",
    enabled: Annotated[bool, typer.Option("--enabled/--disabled")] = True,
    check: Annotated[
        bool, typer.Option("--check/--no-check", help="Read the discovery document first.")
    ] = True,
) -> None:
    """Set the organization's sign-in provider; prints the redirect URI to register there."""
    from pydantic import ValidationError

    from app.accounts import providers
    from app.accounts.schemas import ProviderSettings
    from app.errors import AppError
    from app.issuers.repository import by_slug

    services = context.services()
    try:
        settings = ProviderSettings(
            issuer=issuer,
            client_id=client_id,
            client_secret=client_secret,
            user_id_claim=user_id_claim,
            scopes=scopes,
            enabled=enabled,
        )
    except ValidationError as exc:
        context.fail("; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()))
    if check:
        try:
            found = services.oidc.discovery.metadata(settings.issuer)
        except AppError as exc:
            context.fail(f"{exc.detail} (use --no-check to store it anyway)")
        typer.echo(f"discovered: authorization {found.authorization_endpoint}")
    with session_scope(services.engine) as session:
        organization = by_slug(session, org)
        if organization is None:
            context.fail(f'no organization "{org}"')
        providers.configure(session, organization, settings)
    typer.echo(
        f"sign-in for {org}: {settings.issuer} (client {settings.client_id}, claim "
        f"{settings.user_id_claim})\nregister this redirect URI at the provider: "
        f"{services.oidc.redirect_uri}"
    )


@oidc_app.command("show")
def oidc_show(org: Annotated[str, typer.Option(help="Organization slug.")]) -> None:
    """The organization's provider settings as JSON (the secret only as has_client_secret)."""
    from app.accounts import providers
    from app.errors import AppError
    from app.issuers.repository import by_slug

    services = context.services()
    with Session(services.engine) as session:
        organization = by_slug(session, org)
        if organization is None:
            context.fail(f'no organization "{org}"')
        try:
            provider = providers.provider_of(session, organization)
        except AppError as exc:
            context.fail(exc.detail)
        typer.echo(providers.public(provider, services.oidc.redirect_uri).model_dump_json(indent=2))


@oidc_app.command("list")
def oidc_list() -> None:
    """Organizations learners can sign in with: slug, issuer, claim."""
    from app.accounts import providers

    services = context.services()
    with Session(services.engine) as session:
        for provider, org in providers.sign_in_choices(session):
            typer.echo(f"{org.slug}\t{provider.issuer}\t{provider.user_id_claim}")


@oidc_app.command("remove")
def oidc_remove(org: Annotated[str, typer.Option(help="Organization slug.")]) -> None:
    """Turn the organization's sign-in off (signed-in learners stay signed in until expiry)."""
    from app.accounts import providers
    from app.errors import AppError
    from app.issuers.repository import by_slug

    services = context.services()
    with session_scope(services.engine) as session:
        organization = by_slug(session, org)
        if organization is None:
            context.fail(f'no organization "{org}"')
        try:
            providers.remove(session, organization)
        except AppError as exc:
            context.fail(exc.detail)
    typer.echo(f"sign-in for {org} removed")
