"""`laurel migrate` and `laurel serve`: the schema, and the process that serves it."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from app.cli import context
from app.config import SettingsError, get_settings, load_settings


def migrate() -> None:
    """Upgrade the database to the latest schema (Alembic head)."""
    from app.db import make_engine
    from app.migrations import upgrade

    upgrade(make_engine(context.settings().database_url))
    typer.echo("database is at the latest revision")


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
        raise typer.Exit(context.EXIT_CONFIG) from None
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
