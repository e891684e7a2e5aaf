"""`laurel openedx connect|show`: an organization's Open edX site (docs/connect-openedx.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli import context
from app.db import session_scope

openedx_app = typer.Typer(help="Open edX sites: the credentials API and the event bus.")


@openedx_app.command("connect")
def openedx_connect(
    org: Annotated[str, typer.Option(help="The Laurel organization (slug).")],
    jwt_issuer: Annotated[str, typer.Option(help="The LMS's JWT_AUTH['JWT_ISSUER'].")],
    jwt_audience: Annotated[str, typer.Option(help="The LMS's JWT_AUTH['JWT_AUDIENCE'].")],
    service_user: Annotated[
        str, typer.Option(help="The LMS's CREDENTIALS_SERVICE_USERNAME (the only writer).")
    ],
    jwt_secret: Annotated[
        str | None,
        typer.Option(
            help="The LMS's JWT_AUTH['JWT_SECRET_KEY'] (HS256). Better passed in the "
            "environment variable LAUREL_OPENEDX_JWT_SECRET than on the command line.",
            envvar="LAUREL_OPENEDX_JWT_SECRET",
            show_envvar=True,
        ),
    ] = None,
    jwks_url: Annotated[
        str | None, typer.Option(help="The LMS's public keys (RS256/ES256), instead of a secret.")
    ] = None,
    course_org: Annotated[
        list[str] | None,
        typer.Option(help="An Open edX organization code whose runs are this org's (repeat)."),
    ] = None,
    topic_prefix: Annotated[
        str | None, typer.Option(help="The site's EVENT_BUS_TOPIC_PREFIX (event bus).")
    ] = None,
    lms_url: Annotated[
        str | None, typer.Option(help="The LMS root URL, to ask its user API for names.")
    ] = None,
    lms_client_id: Annotated[
        str | None, typer.Option(help="An LMS OAuth2 client (client credentials, staff user).")
    ] = None,
    lms_client_secret: Annotated[
        str | None,
        typer.Option(
            help="Its secret (better in LAUREL_OPENEDX_LMS_CLIENT_SECRET).",
            envvar="LAUREL_OPENEDX_LMS_CLIENT_SECRET",
            show_envvar=True,
        ),
    ] = None,
) -> None:
    """Connect (or reconnect) an organization to its Open edX site."""
    from app.errors import AppError
    from app.integrations.openedx.connections import ConnectionSettings, connect, connection_out
    from app.issuers.repository import by_slug

    services = context.services()
    with session_scope(services.engine) as session:  # the command owns the transaction
        found = by_slug(session, org)
        if found is None:
            context.fail(f'no organization "{org}"')
        wanted = ConnectionSettings(
            jwt_issuer=jwt_issuer,
            jwt_audience=jwt_audience,
            service_user=service_user,
            jwt_secret=jwt_secret,
            jwks_url=jwks_url,
            course_orgs=tuple(course_org or ()),
            topic_prefix=topic_prefix,
            lms_url=lms_url,
            lms_client_id=lms_client_id,
            lms_client_secret=lms_client_secret,
        )
        try:
            check = services.openedx_api.verifier.jwks.check_url
            connection, codes = connect(session, found, wanted, check)
        except AppError as exc:
            context.fail(exc.detail)
        shown = connection_out(connection, codes)
    key = "HS256 secret set" if shown.jwt_secret_set else f"JWKS {shown.jwks_url}"
    typer.echo(
        f"connected {org} to {shown.jwt_issuer} (audience {shown.jwt_audience}; {key}; "
        f"service user {shown.service_user}; course orgs: {', '.join(codes) or 'none'}"
        + (f"; topic prefix {shown.topic_prefix}" if shown.topic_prefix else "")
        + ")"
    )
    typer.echo(
        f"Point the LMS's CREDENTIALS_INTERNAL_SERVICE_URL and CREDENTIALS_PUBLIC_SERVICE_URL "
        f"at {services.identity.base_url} (docs/connect-openedx.md)."
    )


@openedx_app.command("show")
def openedx_show(org: Annotated[str, typer.Option(help="The Laurel organization (slug).")]) -> None:
    """Show an organization's Open edX connection (never its secrets)."""
    from sqlmodel import Session

    from app.errors import AppError
    from app.integrations.openedx.connections import connection_of, connection_out
    from app.issuers.repository import by_slug

    services = context.services()
    with Session(services.engine) as session:
        found = by_slug(session, org)
        if found is None:
            context.fail(f'no organization "{org}"')
        try:
            connection, codes = connection_of(session, found)
        except AppError as exc:
            context.fail(exc.detail)
        shown = connection_out(connection, codes)
    for name, value in shown.model_dump().items():
        typer.echo(f"{name}\t{value}")
