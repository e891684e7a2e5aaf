"""`laurel clients create`: the API clients (LMSs) of an organization."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from sqlmodel import Session

from app.cli import context

clients_app = typer.Typer(help="API clients of an organization.", no_args_is_help=True)


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

    services = context.services()
    with Session(services.engine, expire_on_commit=False) as session:
        organization = by_slug(session, org)
        if organization is None:
            context.fail(f'no organization "{org}" (create it with `laurel orgs create`)')
        try:
            client, secret = create_client(session, organization, scope, name)
        except AppError as exc:
            context.fail(exc.detail)
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
