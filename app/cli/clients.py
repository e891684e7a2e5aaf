"""`laurel clients ...`: the API clients (LMSs) of an organization and their tokens."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer
from sqlmodel import Session

from app.cli import context
from app.db import session_scope

if TYPE_CHECKING:
    from app.models import ApiClient

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
    with session_scope(services.engine) as session:  # the command owns the transaction
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


ClientId = Annotated[str, typer.Option(help="The client_id (as in `laurel clients list`).")]


@clients_app.command("list")
def clients_list(
    org: Annotated[str | None, typer.Option(help="Only this organization's clients.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List API clients (never their secrets: only a hash is stored)."""
    from app.issuers.clients import list_clients

    services = context.services()
    with Session(services.engine) as session:
        org_id, slugs = context.org_filter(session, org)
        rows = [
            {
                "client_id": c.client_id,
                "org": slugs.get(c.org_id, ""),
                "name": c.name,
                "scope": c.scopes,
                "status": "disabled" if c.disabled else "enabled",
                "created": c.created_at.isoformat(),
            }
            for c in list_clients(session, org_id)
        ]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    for row in rows:
        typer.echo("\t".join(row[c] for c in ("client_id", "org", "status", "scope", "name")))


@clients_app.command("disable")
def clients_disable(client_id: ClientId) -> None:
    """Refuse the client's tokens now and any new ones, until `laurel clients enable`."""
    from app.issuers.clients import set_disabled

    revoked = _change(client_id, lambda session, client: set_disabled(session, client, True))
    typer.echo(f"disabled client {client_id}; revoked {revoked} token(s)")


@clients_app.command("enable")
def clients_enable(client_id: ClientId) -> None:
    """Let a disabled client get tokens again (its old tokens stay revoked)."""
    from app.issuers.clients import set_disabled

    _change(client_id, lambda session, client: set_disabled(session, client, False))
    typer.echo(f"enabled client {client_id}; it may get new tokens")


@clients_app.command("revoke-tokens")
def clients_revoke_tokens(client_id: ClientId) -> None:
    """Revoke every token of the client now; it may get new ones with its secret."""
    from app.issuers.clients import revoke_tokens

    revoked = _change(client_id, revoke_tokens)
    typer.echo(f"revoked {revoked} token(s) of client {client_id}")


@clients_app.command("delete")
def clients_delete(
    client_id: ClientId,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete the client and its tokens; what it issued stays issued."""
    from app.issuers.clients import delete_client

    if not yes:
        typer.confirm(
            f"delete client {client_id}? its tokens stop working and its secret "
            "can never be used again",
            abort=True,
        )
    revoked = _change(client_id, delete_client)
    typer.echo(f"deleted client {client_id}; revoked {revoked} token(s)")


def _change(client_id: str, change: Callable[[Session, ApiClient], int]) -> int:
    """Find the client, apply ``change`` and commit: the command owns the transaction."""
    from app.errors import AppError
    from app.issuers.clients import client_by_id

    services = context.services()
    with session_scope(services.engine) as session:  # the command owns the transaction
        try:
            result = change(session, client_by_id(session, client_id))
        except AppError as exc:
            context.fail(exc.detail)
    return result
