"""`laurel import ...`: bulk imports from LMS exports, through the same pipeline as the API."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from app.db import session_scope

import_app = typer.Typer(help="Bulk imports from an LMS export.", no_args_is_help=True)


@import_app.command("grades")
def import_grades(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="CSV with columns learner_id, course_run, percent_grade (0-1), mode, "
            "timestamp (ISO 8601 with zone); optional event_id, learner_name, learner_email, "
            "holder_did, letter_grade.",
        ),
    ],
    org: Annotated[str, typer.Option(help="Organization slug.")],
    actor: Annotated[str, typer.Option(help="Who to record in the audit trail.")] = "cli:import",
    restart: Annotated[
        bool, typer.Option(help="Ignore a saved resume point and start from the first row.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Import grades: awards what passes, and resumes after an interruption (no duplicates)."""
    from app.awards.csv_import import GradeImporter, ImportFileError, Interrupted, count_rows
    from app.config import SettingsError, get_settings
    from app.container import build_services, prepare
    from app.issuers.repository import by_slug

    try:
        services = build_services(get_settings())
    except SettingsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    prepare(services)
    with session_scope(services.engine) as session:  # the command owns the transaction
        organization = by_slug(session, org)
    if organization is None:
        typer.echo(f'error: no organization "{org}"', err=True)
        raise typer.Exit(1)
    importer = GradeImporter(services.grading, services.engine, organization, actor)
    total = count_rows(file)

    def resumed(done: int, bar: Any) -> None:
        typer.echo(f"resuming after row {done} of {total} (--restart to start over)", err=True)
        bar.update(done)

    try:
        with typer.progressbar(length=total, label="grades", file=sys.stderr) as bar:
            summary = importer.run(
                file,
                restart=restart,
                on_row=lambda: bar.update(1),
                on_resume=lambda done: resumed(done, bar),
            )
    except ImportFileError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    except Interrupted as stop:
        typer.echo("\n".join(stop.summary.lines()), err=True)
        typer.echo(
            f"interrupted after row {stop.summary.rows}; run the same command to resume",
            err=True,
        )
        raise typer.Exit(130) from None
    if as_json:
        typer.echo(json.dumps(summary.to_json()))
    else:
        typer.echo(f"imported {file.name}")
        typer.echo("\n".join(summary.lines()))
