"""`laurel orgs create|list`: organizations, each an issuer with its own key."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlmodel import Session

from app.cli import context
from app.db import session_scope

orgs_app = typer.Typer(help="Organizations (issuers).", no_args_is_help=True)


@orgs_app.command("create")
def orgs_create(
    slug: Annotated[str, typer.Option(help="Short name used in URLs and the DID, e.g. acme.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    url: Annotated[str | None, typer.Option(help="The organization's web site.")] = None,
    email: Annotated[str | None, typer.Option(help="Contact email.")] = None,
    image: Annotated[str | None, typer.Option(help="Logo URL.")] = None,
    did_method: Annotated[str, typer.Option(help="web (default) or key.")] = "web",
) -> None:
    """Create an organization with its own Ed25519 signing key."""
    from app.errors import AppError
    from app.issuers.keys import repository as keys
    from app.issuers.organizations import create_organization
    from app.issuers.repository import by_slug

    services = context.services()
    with session_scope(services.engine) as session:  # the command owns the transaction
        try:
            create_organization(
                session,
                services.keyring,
                slug=slug,
                name=name,
                url=url,
                email=email,
                image_url=image,
                did_method=did_method,
            )
        except AppError as exc:
            context.fail(exc.detail)
        org = by_slug(session, slug)
        assert org is not None
        active = keys.active_key(session, org.id, "Ed25519")
        did = services.identity.org_did(org, active)
    typer.echo(
        f"created organization {slug}: {did}\n"
        f"(DID for base URL {services.identity.base_url}; set LAUREL_BASE_URL to match the "
        "server's public URL)"
    )


@orgs_app.command("list")
def orgs_list() -> None:
    """List organizations and their DIDs."""
    from app.issuers.keys import repository as keys
    from app.issuers.repository import list_all

    services = context.services()
    with Session(services.engine) as session:
        for org in list_all(session):
            did = services.identity.org_did(org, keys.active_key(session, org.id, "Ed25519"))
            typer.echo(f"{org.slug}\t{org.name}\t{did}")
