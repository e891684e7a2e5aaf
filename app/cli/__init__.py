"""The `laurel` admin command. Its names are a contract: operators script against them."""

from __future__ import annotations

import sys

import typer

from app.cli.clients import clients_app
from app.cli.eventbus import consume
from app.cli.imports import import_app
from app.cli.keys import keys_app
from app.cli.mail import orgs_mail, outbox_app, worker
from app.cli.oidc import oidc_app
from app.cli.openedx import openedx_app
from app.cli.orgs import orgs_app
from app.cli.server import migrate, serve
from app.config import SettingsError

__all__ = ["app", "main"]

app = typer.Typer(
    help="Laurel: course certificates as Open Badges 3.0 credentials.", no_args_is_help=True
)
app.command()(migrate)
app.command()(serve)
app.add_typer(orgs_app, name="orgs")
app.add_typer(clients_app, name="clients")
app.add_typer(keys_app, name="keys")
app.add_typer(import_app, name="import")
app.command()(worker)
app.command()(consume)
app.add_typer(outbox_app, name="outbox")
app.add_typer(oidc_app, name="oidc")
orgs_app.command("mail")(orgs_mail)
app.add_typer(openedx_app, name="openedx")


def main() -> None:
    try:
        app()
    except SettingsError as exc:
        typer.echo(str(exc), err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
