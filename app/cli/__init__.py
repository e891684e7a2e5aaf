"""The `laurel` admin command. Its names are a contract: operators script against them."""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated

import typer
from sqlmodel import Session

from app.cli.imports import import_app
from app.config import Settings, SettingsError, get_settings, load_settings
from app.db import session_scope

app = typer.Typer(
    help="Laurel: course certificates as Open Badges 3.0 credentials.", no_args_is_help=True
)
orgs_app = typer.Typer(help="Organizations (issuers).", no_args_is_help=True)
clients_app = typer.Typer(help="API clients of an organization.", no_args_is_help=True)
keys_app = typer.Typer(help="Issuer signing keys.", no_args_is_help=True)
app.add_typer(orgs_app, name="orgs")
app.add_typer(clients_app, name="clients")
app.add_typer(keys_app, name="keys")
app.add_typer(import_app, name="import")


def _settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None


def _services():  # type: ignore[no-untyped-def]
    from app.container import build_services, prepare

    services = build_services(_settings())
    prepare(services)
    return services


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


@app.command()
def migrate() -> None:
    """Upgrade the database to the latest schema (Alembic head)."""
    from app.db import make_engine
    from app.migrations import upgrade

    settings = _settings()
    upgrade(make_engine(settings.database_url))
    typer.echo("database is at the latest revision")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the API and pages. The base URL follows the port unless LAUREL_BASE_URL is set."""
    import uvicorn

    if not os.environ.get("LAUREL_BASE_URL"):
        public_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        os.environ["LAUREL_BASE_URL"] = f"http://{public_host}:{port}"
    get_settings.cache_clear()
    try:
        load_settings()
    except SettingsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"Laurel on http://{host}:{port} (base URL {os.environ['LAUREL_BASE_URL']})")
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=True,
    )


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

    services = _services()
    with session_scope(services.engine) as session:  # the command owns the transaction
        try:
            org = create_organization(
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
            _fail(exc.detail)
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

    services = _services()
    with Session(services.engine) as session:
        for org in list_all(session):
            did = services.identity.org_did(org, keys.active_key(session, org.id, "Ed25519"))
            typer.echo(f"{org.slug}\t{org.name}\t{did}")


@clients_app.command("create")
def clients_create(
    org: Annotated[str, typer.Option(help="Organization slug.")],
    scope: Annotated[
        list[str] | None, typer.Option(help="A scope to grant (repeatable); default: every scope.")
    ] = None,
    name: Annotated[str, typer.Option(help="A label, e.g. the LMS name.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Create an API client; its secret is printed once and never stored."""
    from app.errors import AppError
    from app.issuers.clients import create_client
    from app.issuers.repository import by_slug

    services = _services()
    with session_scope(services.engine) as session:  # the command owns the transaction
        organization = by_slug(session, org)
        if organization is None:
            _fail(f'no organization "{org}" (create it with `laurel orgs create`)')
        try:
            client, secret = create_client(session, organization, scope, name)  # type: ignore[arg-type]
        except AppError as exc:
            _fail(exc.detail)
    if as_json:
        typer.echo(
            json.dumps(
                {"client_id": client.client_id, "client_secret": secret, "scope": client.scopes}
            )
        )
    else:
        typer.echo(
            f"client_id:     {client.client_id}\nclient_secret: {secret}\n"
            f"scope:         {client.scopes}\n"
            "The secret is shown only now; store it in the LMS."
        )


@keys_app.command("list")
def keys_list(
    org: Annotated[str | None, typer.Option(help="Only this organization's keys.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List signing keys (public facts only: never key material)."""
    from app.issuers import repository as orgs
    from app.issuers.keys import repository as keys

    services = _services()
    with Session(services.engine) as session:
        org_id = None
        if org is not None:
            found = orgs.by_slug(session, org)
            if found is None:
                _fail(f'no organization "{org}"')
            org_id = found.id  # type: ignore[union-attr]
        slugs = {o.id: o.slug for o in orgs.list_all(session)}
        rows = [
            {
                "kid": k.fragment,
                "org": slugs.get(k.org_id, "(instance)") if k.org_id else "(instance)",
                "type": k.key_type,
                "status": k.status,
                "created": k.created_at.isoformat(),
            }
            for k in keys.all_keys(session, org_id)
        ]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    for row in rows:
        typer.echo("\t".join(str(row[c]) for c in ("kid", "org", "type", "status", "created")))


from app.cli.keys import register as _register_key_commands  # noqa: E402

_register_key_commands(keys_app, _services)


def main() -> None:
    try:
        app()
    except SettingsError as exc:
        typer.echo(str(exc), err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
