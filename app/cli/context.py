"""One services factory and one way to fail, shared by every `laurel` command group."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import typer
from sqlmodel import Session

from app.config import Settings, SettingsError, get_settings

if TYPE_CHECKING:
    from app.container import Services

#: Exit codes are part of the contract: 1 a refused command, 2 a setting or file to fix.
EXIT_REFUSED = 1
EXIT_CONFIG = 2


def fail(message: str, code: int = EXIT_REFUSED) -> NoReturn:
    """One line on stderr and a non-zero exit: operators script against both."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_CONFIG) from None


def services() -> Services:
    """The object graph, prepared (instance key, key files checked) as the server does it."""
    from app.container import build_services, prepare
    from app.issuers.keys.files import KeyFileError

    built = build_services(settings())
    try:
        prepare(built)
    except KeyFileError as exc:
        fail(str(exc), EXIT_CONFIG)
    return built


def org_filter(session: Session, slug: str | None) -> tuple[int | None, dict[int, str]]:
    """For list commands: the id of the ``--org`` given (refused when unknown; None for all)
    and every organization's slug by id, to print beside each row."""
    from app.issuers import repository as orgs

    org_id = None
    if slug is not None:
        found = orgs.by_slug(session, slug)
        if found is None:
            fail(f'no organization "{slug}"')
        org_id = found.id
    return org_id, {o.id: o.slug for o in orgs.list_all(session)}
