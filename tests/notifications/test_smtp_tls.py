"""The outbox over TLS to real servers on loopback: STARTTLS with AUTH, and implicit TLS
(SMTPS), with certificates of a throwaway CA named by LAUREL_SMTP_CA_FILE. A certificate not
trusted, or STARTTLS not offered, fails the send with the reason: nothing goes in clear."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import trustme
from sqlmodel import Session, select

from app.config import Settings, SettingsError, load_settings
from app.models import OutboxMessage
from app.notifications.worker import OutboxWorker
from tests.lms import Lms
from tests.notifications.smtpd import PASSWORD, USER, Arrival, Inbox, smtp_server


@dataclass(frozen=True)
class Server:
    tls: str | None  # None, "starttls" or "smtps" (tests/notifications/smtpd.py)
    cert: str = "ours"  # "ours", "other CA" (of a CA we do not trust), "other name"
    scheme: str | None = None  # the LAUREL_SMTP_URL scheme, if not the server's own


STARTTLS, SMTPS = Server("starttls"), Server("smtps")


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(request: pytest.FixtureRequest, ca: trustme.CA, tmp_path: Path) -> Path | None:
    """LAUREL_SMTP_CA_FILE: our CA; parametrized None, unset (the system CAs)."""
    if getattr(request, "param", "ours") is None:
        return None
    path = tmp_path / "smtp-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def server_context(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return context


@pytest.fixture
def inbox(request: pytest.FixtureRequest, ca: trustme.CA) -> Iterator[Inbox]:
    """Overrides conftest's plain server: the one ``request.param`` (a Server) describes."""
    server: Server = request.param
    context = {
        "ours": lambda: server_context(ca, "127.0.0.1", "localhost"),
        "other CA": lambda: server_context(trustme.CA(), "127.0.0.1", "localhost"),
        "other name": lambda: server_context(ca, "mail.example.com"),
    }[server.cert]()
    with smtp_server(server.tls, context, auth=True) as running:
        if server.scheme:
            running.url = urlsplit(running.url)._replace(scheme=server.scheme).geturl()
        yield running


@pytest.fixture
def settings(settings: Settings, ca_file: Path | None) -> Settings:
    return settings.model_copy(update={"smtp_ca_file": ca_file})


def only_row(lms: Lms) -> OutboxMessage:
    with Session(lms.services.engine) as session:
        (row,) = session.exec(select(OutboxMessage))
        return row


@pytest.mark.parametrize("inbox", [STARTTLS, SMTPS], ids=["starttls", "smtps"], indirect=True)
def test_mail_arrives_authenticated_over_verified_tls_byte_for_byte(
    lms: Lms, inbox: Inbox, worker: OutboxWorker
) -> None:
    lms.course()
    lms.grade(expect=201, learner="ada", email="ada@example.edu")
    stats = worker.run(poll_seconds=0, once=True)
    assert (stats.sent, stats.retried, stats.failed) == (1, 0, 0)
    row = only_row(lms)
    assert (row.state, row.attempts, row.last_error) == ("sent", 1, None)
    (raw,) = inbox.received
    assert raw.rstrip(b"\r\n") == row.raw.rstrip(b"\r\n")  # byte for byte what was stored
    (arrival,) = inbox.arrivals
    assert arrival == Arrival(
        tls=arrival.tls, starttls=inbox.url.startswith("smtp+starttls:"), login=USER.encode()
    )
    assert arrival.tls is not None and arrival.tls.startswith("TLSv1.")
    assert inbox.logins == [(USER.encode(), PASSWORD.encode())]  # once, over TLS


@pytest.mark.parametrize(
    ("inbox", "ca_file", "why"),
    [
        (Server("starttls", "other CA"), "ours", "unable to get local issuer certificate"),
        (Server("smtps", "other CA"), "ours", "unable to get local issuer certificate"),
        (Server("smtps", "other name"), "ours", "IP address mismatch"),
        (STARTTLS, None, "unable to get local issuer certificate"),  # system CAs by default
    ],
    ids=["starttls-other-ca", "smtps-other-ca", "smtps-other-name", "starttls-system-cas"],
    indirect=["inbox", "ca_file"],
)
def test_an_untrusted_certificate_fails_the_send_with_the_reason(
    lms: Lms, inbox: Inbox, worker: OutboxWorker, why: str
) -> None:
    lms.course()
    lms.grade(expect=201, learner="ada")
    stats = worker.run(poll_seconds=0, once=True)
    assert (stats.sent, stats.retried, stats.failed) == (0, 2, 1)  # max_attempts=3
    row = only_row(lms)
    assert (row.state, row.attempts) == ("failed", 3)
    port = urlsplit(inbox.url).port
    assert row.last_error is not None
    assert row.last_error.startswith(f"TLS: the certificate of 127.0.0.1:{port} is not trusted")
    assert why in row.last_error and "LAUREL_SMTP_CA_FILE" in row.last_error
    assert inbox.received == [] and inbox.logins == []  # no message, no password


@pytest.mark.parametrize(
    "inbox", [Server(None, scheme="smtp+starttls")], ids=["plain"], indirect=True
)
def test_starttls_not_offered_fails_and_sends_nothing_in_clear(
    lms: Lms, inbox: Inbox, worker: OutboxWorker
) -> None:
    lms.course()
    lms.grade(expect=201, learner="ada")
    stats = worker.run(poll_seconds=0, once=True)
    assert (stats.sent, stats.failed) == (0, 1)
    row = only_row(lms)
    port = urlsplit(inbox.url).port
    assert row.state == "failed" and row.last_error == (
        f"127.0.0.1:{port} does not offer STARTTLS, which LAUREL_SMTP_URL asks for "
        "(smtp+starttls): nothing sent in clear"
    )
    # The server offered AUTH in clear; the credentials were not given to it, nor the message.
    assert inbox.logins == [] and inbox.received == [] and inbox.attempts == 0


def test_the_ca_file_setting(
    ca_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAUREL_SMTP_CA_FILE", str(ca_file))
    assert load_settings().smtp_ca_file == ca_file
    not_pem = tmp_path / "ca.txt"
    not_pem.write_text("not a certificate")
    for wrong in (tmp_path / "missing.pem", not_pem):
        with pytest.raises(SettingsError) as caught:
            load_settings(smtp_ca_file=wrong)
        assert "LAUREL_SMTP_CA_FILE" in str(caught.value) and str(wrong) in str(caught.value)
