"""`laurel keys list|rotate|revoke|affected|reissue`: key lifecycle for operators."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from sqlmodel import Session

from app.cli import context
from app.db import session_scope
from app.errors import AppError
from app.models.enums import KeyStatus

keys_app = typer.Typer(help="Issuer signing keys.", no_args_is_help=True)


@keys_app.command("list")
def keys_list(
    org: Annotated[str | None, typer.Option(help="Only this organization's keys.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List signing keys (public facts only: never key material)."""
    from app.issuers.keys import repository as keys

    services = context.services()
    with Session(services.engine) as session:
        org_id, slugs = context.org_filter(session, org)
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


@keys_app.command("rotate")
def rotate(
    org: Annotated[str, typer.Option(help="Organization slug.")],
    key_type: Annotated[str, typer.Option("--type", help="Ed25519, P-256 or RSA.")] = "Ed25519",
) -> None:
    """Make a new key active; the previous one is retired but stays published."""
    from app.issuers.repository import by_slug

    services = context.services()
    with session_scope(services.engine) as session:  # the command owns the transaction
        organization = by_slug(session, org)
        if organization is None:
            context.fail(f'no organization "{org}"')
        try:
            key = services.keys.rotate(session, organization.id, key_type)
        except AppError as exc:
            context.fail(exc.detail)
    typer.echo(
        f"new active {key.key_type} key {key.fragment} for {org}; the previous one "
        "is retired (still published)"
    )


@keys_app.command("revoke")
def revoke(
    kid: Annotated[str, typer.Option(help="Key id (as in `laurel keys list`).")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Unpublish a key: everything it signed stops verifying (then re-issue it)."""
    services = context.services()
    with session_scope(services.engine) as session:  # the command owns the transaction
        try:
            key = services.keys.get(session, None, kid)
            affected = services.keys.needing_reissue(session, key)
            if not yes:
                typer.confirm(
                    f"revoke {kid}? {len(affected)} credential(s) will stop "
                    "verifying until re-issued",
                    abort=True,
                )
            services.keys.revoke(session, key)
        except AppError as exc:
            context.fail(exc.detail)
    typer.echo(
        f"revoked {kid}; {len(affected)} credential(s) need re-issue "
        f"(`laurel keys reissue --kid {kid}`)"
    )


@keys_app.command("affected")
def affected(
    kid: Annotated[str, typer.Option(help="A revoked key id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the credentials a revoked key signed that still need re-issue."""
    services = context.services()
    with Session(services.engine) as session:
        try:
            key = services.keys.get(session, None, kid)
        except AppError as exc:
            context.fail(exc.detail)
        uuids = (
            [c.uuid for c in services.keys.needing_reissue(session, key)]
            if key.status == "revoked"
            else []
        )
    typer.echo(json.dumps(uuids) if as_json else "\n".join(uuids))


@keys_app.command("reissue")
def reissue(kid: Annotated[str, typer.Option(help="A revoked key id.")]) -> None:
    """Re-issue, with the active key, every credential a revoked key signed."""
    services = context.services()
    count = 0
    with session_scope(services.engine) as session:  # the command owns the transaction
        try:
            key = services.keys.get(session, None, kid)
        except AppError as exc:
            context.fail(exc.detail)
        if key.status != KeyStatus.REVOKED:
            context.fail(f'key "{kid}" is {key.status}: only a revoked key\'s credentials need it')
        for record in services.keys.needing_reissue(session, key):
            services.reissuer.reissue(session, record, "cli")
            count += 1
    typer.echo(f"re-issued {count} credential(s)")
