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


@orgs_app.command("update")
def orgs_update(
    slug: Annotated[str, typer.Option(help="The organization to change.")],
    suspension: Annotated[
        bool | None,
        typer.Option(
            "--suspension/--no-suspension",
            help="Give new Open Badges a suspension status entry too (leaves the strict "
            "OB 3.0 schema: one credentialStatus). Applies to credentials issued from now on.",
        ),
    ] = None,
    linkedin_organization_id: Annotated[
        str | None,
        typer.Option(help='LinkedIn company id for "Add to profile" links ("" clears it).'),
    ] = None,
    indexable: Annotated[
        bool | None,
        typer.Option(
            "--indexable/--no-indexable",
            help="Let search engines index certificate pages (default: noindex).",
        ),
    ] = None,
) -> None:
    """Change an organization's settings; options left out keep their value."""
    from pydantic import ValidationError

    from app.issuers.organizations import organization_by_slug
    from app.issuers.settings import OrganizationSettings, update_settings

    sent: dict[str, object] = {}
    if suspension is not None:
        sent["suspension_enabled"] = suspension
    if indexable is not None:
        sent["indexable"] = indexable
    if linkedin_organization_id is not None:
        sent["linkedin_organization_id"] = linkedin_organization_id or None
    if not sent:
        context.fail("nothing to change: give --suspension/--no-suspension, "
                     "--linkedin-organization-id or --indexable/--no-indexable")  # fmt: skip
    try:
        changes = OrganizationSettings.model_validate(sent)
    except ValidationError as exc:
        err = exc.errors()[0]
        context.fail(f"{err['loc'][0]}: {err['msg']}")
    services = context.services()
    with session_scope(services.engine) as session:
        org = organization_by_slug(session, slug)
        if org is None:
            context.fail(f'no organization "{slug}"')
        assert org is not None
        update_settings(session, org, changes)
        typer.echo(
            f"{org.slug}: suspension {'on' if org.suspension_enabled else 'off'}, "
            f"indexable {'yes' if org.indexable else 'no'}, "
            f"LinkedIn organization id {org.linkedin_organization_id or '(none)'}"
        )
