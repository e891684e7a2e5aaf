"""`laurel keys rotate|revoke|affected|reissue`: key lifecycle for operators."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import typer
from sqlmodel import Session

from app.errors import AppError
from app.models.enums import KeyStatus


def register(keys_app: typer.Typer, services_factory: Callable[[], Any]) -> None:
    def fail(message: str) -> None:
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(1)

    @keys_app.command("rotate")
    def rotate(
        org: Annotated[str, typer.Option(help="Organization slug.")],
        key_type: Annotated[str, typer.Option("--type", help="Ed25519, P-256 or RSA.")] = "Ed25519",
    ) -> None:
        """Make a new key active; the previous one is retired but stays published."""
        from app.issuers.repository import by_slug

        services = services_factory()
        with Session(services.engine, expire_on_commit=False) as session:
            organization = by_slug(session, org)
            if organization is None:
                fail(f'no organization "{org}"')
            try:
                key = services.keys.rotate(session, organization.id, key_type)
            except AppError as exc:
                fail(exc.detail)
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
        services = services_factory()
        with Session(services.engine, expire_on_commit=False) as session:
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
                fail(exc.detail)
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
        services = services_factory()
        with Session(services.engine) as session:
            try:
                key = services.keys.get(session, None, kid)
            except AppError as exc:
                fail(exc.detail)
            uuids = (
                [c.uuid for c in services.keys.needing_reissue(session, key)]
                if key.status == KeyStatus.REVOKED
                else []
            )
        typer.echo(json.dumps(uuids) if as_json else "\n".join(uuids))

    @keys_app.command("reissue")
    def reissue(kid: Annotated[str, typer.Option(help="A revoked key id.")]) -> None:
        """Re-issue, with the active key, every credential a revoked key signed."""
        services = services_factory()
        count = 0
        with Session(services.engine, expire_on_commit=False) as session:
            try:
                key = services.keys.get(session, None, kid)
            except AppError as exc:
                fail(exc.detail)
            if key.status != KeyStatus.REVOKED:
                fail(f'key "{kid}" is {key.status}: only a revoked key\'s credentials need it')
            for record in services.keys.needing_reissue(session, key):
                services.reissuer.reissue(session, record, "cli")
                count += 1
        typer.echo(f"re-issued {count} credential(s)")
