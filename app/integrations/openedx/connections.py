"""Connecting an organization to its Open edX site (``laurel openedx connect`` and the admin
API): what the REST path needs to trust the LMS's JWTs, and the course organization codes
whose runs belong to the organization."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.db import as_utc, utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.integrations.openedx import repository
from app.integrations.openedx.schemas import ConnectionIn, ConnectionOut
from app.models import OpenEdxConnection, Organization

#: An Open edX course organization code (opaque-keys' ORG part).
_CODE = re.compile(r"^[\w\-~.]{1,255}$")
_PREFIX = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")


@dataclass(frozen=True)
class ConnectionSettings:
    """What ``laurel openedx connect`` takes. Exactly one of ``jwt_secret`` (HS256, the LMS's
    ``JWT_AUTH['JWT_SECRET_KEY']``) and ``jwks_url`` (RS256/ES256 public keys)."""

    jwt_issuer: str
    jwt_audience: str
    service_user: str
    jwt_secret: str | None = None
    jwks_url: str | None = None
    course_orgs: tuple[str, ...] = field(default_factory=tuple)
    topic_prefix: str | None = None
    lms_url: str | None = None
    lms_client_id: str | None = None
    lms_client_secret: str | None = None

    def checked(self) -> ConnectionSettings:
        for name in ("jwt_issuer", "jwt_audience", "service_user"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip() or len(value) > 500:
                raise InvalidInput(f'"{name}" is required (at most 500 characters)', field=name)
        if (self.jwt_secret is None) == (self.jwks_url is None):
            raise InvalidInput(
                'give exactly one of "jwt_secret" (HS256) and "jwks_url" (RS256/ES256)',
                field="jwt_secret",
            )
        if self.jwt_secret is not None and not self.jwt_secret.strip():
            raise InvalidInput('"jwt_secret" must not be empty', field="jwt_secret")
        for name in ("jwks_url", "lms_url"):
            value = getattr(self, name)
            if value is not None and not _http_url(value):
                raise InvalidInput(f'"{name}" must be an http(s) URL', field=name)
        for code in self.course_orgs:
            if not _CODE.match(code):
                raise InvalidInput(
                    f'"course_orgs": "{code[:100]}" is not an Open edX organization code',
                    field="course_orgs",
                )
        if self.topic_prefix is not None and not _PREFIX.match(self.topic_prefix):
            raise InvalidInput(
                '"topic_prefix" may hold letters, digits, ".", "_" and "-"', field="topic_prefix"
            )
        if (self.lms_client_id is None) != (self.lms_client_secret is None):
            raise InvalidInput(
                'give both "lms_client_id" and "lms_client_secret", or neither',
                field="lms_client_id",
            )
        return self


def _http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and len(value) <= 2000


def connect(
    session: Session,
    org: Organization,
    wanted: ConnectionSettings,
    check_jwks_url: Callable[[str], None] | None = None,
) -> tuple[OpenEdxConnection, list[str]]:
    """Create or replace the organization's connection; returns it and its codes. A code
    another organization owns is a 409 (course keys do not name the site). A JWKS URL the
    fetch policy forbids is refused here (``check_jwks_url``, the verifier's JwksCache)."""
    wanted = wanted.checked()
    if wanted.jwks_url is not None and check_jwks_url is not None:
        check_jwks_url(wanted.jwks_url)
    codes = sorted(set(wanted.course_orgs))
    for code in codes:
        if any(owner.org_id != org.id for owner in repository.code_owners(session, code)):
            raise Conflict(
                f'the course organization "{code}" is connected to another organization',
                field="course_orgs",
            )
    connection = repository.connection_of_org(session, org.id) or OpenEdxConnection(
        org_id=org.id,
        jwt_issuer=wanted.jwt_issuer,
        jwt_audience=wanted.jwt_audience,
        service_user=wanted.service_user,
    )
    connection.jwt_issuer = wanted.jwt_issuer.strip()
    connection.jwt_audience = wanted.jwt_audience.strip()
    connection.service_user = wanted.service_user.strip()
    connection.jwt_secret = wanted.jwt_secret
    connection.jwks_url = wanted.jwks_url
    connection.topic_prefix = wanted.topic_prefix
    connection.lms_url = wanted.lms_url
    connection.lms_client_id = wanted.lms_client_id
    connection.lms_client_secret = wanted.lms_client_secret
    connection.updated_at = utcnow()
    conflict = Conflict(
        "another connection changed at the same time, or a course organization code is "
        "connected to another organization; retry",
        field="course_orgs",
    )
    try:
        with session.begin_nested():
            session.add(connection)
            session.flush()
            repository.replace_codes(session, connection, codes)
            session.flush()
    except IntegrityError:
        raise conflict from None
    return connection, codes


def connection_of(session: Session, org: Organization) -> tuple[OpenEdxConnection, list[str]]:
    connection = repository.connection_of_org(session, org.id)
    if connection is None:
        raise NotFound(f'organization "{org.slug}" is not connected to Open edX', field="org")
    return connection, repository.codes_of(session, connection.id)


def connection_out(connection: OpenEdxConnection, codes: list[str]) -> ConnectionOut:
    """The connection as the admin API and the CLI show it: no secret, only whether set."""
    return ConnectionOut(
        jwt_issuer=connection.jwt_issuer,
        jwt_audience=connection.jwt_audience,
        jwt_secret_set=bool(connection.jwt_secret),
        jwks_url=connection.jwks_url,
        service_user=connection.service_user,
        course_orgs=codes,
        topic_prefix=connection.topic_prefix,
        lms_url=connection.lms_url,
        lms_client_id=connection.lms_client_id,
        lms_client_secret_set=bool(connection.lms_client_secret),
        created_at=as_utc(connection.created_at).isoformat(),
        updated_at=as_utc(connection.updated_at).isoformat(),
    )


def settings_of(body: ConnectionIn) -> ConnectionSettings:
    return ConnectionSettings(
        jwt_issuer=body.jwt_issuer,
        jwt_audience=body.jwt_audience,
        service_user=body.service_user,
        jwt_secret=body.jwt_secret,
        jwks_url=body.jwks_url,
        course_orgs=tuple(body.course_orgs),
        topic_prefix=body.topic_prefix,
        lms_url=body.lms_url,
        lms_client_id=body.lms_client_id,
        lms_client_secret=body.lms_client_secret,
    )
