"""`laurel worker --once`, `laurel outbox list|retry|purge` and `laurel orgs mail`, run
in-process on the test database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from click.testing import Result
from typer.testing import CliRunner

from app.cli import app
from app.config import Settings, get_settings
from tests.lms import Lms
from tests.notifications.smtpd import Inbox

Laurel = Callable[..., Result]


@pytest.fixture
def laurel(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Laurel]:
    for name, value in {
        "DATABASE_URL": settings.database_url,
        "KEYS_DIR": str(settings.keys_dir),
        "BASE_URL": settings.public_base_url(),
        "SMTP_URL": settings.smtp_url,
        "OUTBOX_BACKOFF_SECONDS": "0",
        "OUTBOX_MAX_ATTEMPTS": "2",
    }.items():
        monkeypatch.setenv(f"LAUREL_{name}", str(value))
    runner = CliRunner()

    def run(*args: str) -> Result:
        get_settings.cache_clear()
        return runner.invoke(app, list(args))

    yield run
    get_settings.cache_clear()


def test_outbox_commands(lms: Lms, inbox: Inbox, laurel: Laurel) -> None:
    lms.course()
    lms.grade(expect=201, learner="ada")
    listed = laurel("outbox", "list")
    assert listed.exit_code == 0 and "\tpending\t0\tearned\tada@example.edu\t" in listed.output
    inbox.always = "451 4.3.0 Not now"
    sent = laurel("worker", "--once")
    assert sent.exit_code == 0, sent.output
    assert "sent 0, retried 1, failed 1" in sent.output
    failed = laurel("outbox", "list", "--state", "failed")
    assert "\tfailed\t2\tearned\t" in failed.output and "451 4.3.0 Not now" in failed.output
    assert "1 message(s) queued again" in laurel("outbox", "retry").output
    inbox.always = None
    assert "sent 1, retried 0, failed 0" in laurel("worker", "--once").output
    assert len(inbox.received) == 1
    assert "0 message(s) deleted" in laurel("outbox", "purge").output  # younger than 30 days
    assert "1 message(s) deleted" in laurel("outbox", "purge", "--older-than-days", "-1").output
    assert laurel("outbox", "list").output == ""


def test_orgs_mail_switches_kinds(lms: Lms, laurel: Laurel) -> None:
    lms.course()  # makes the organization "acme"
    shown = laurel("orgs", "mail", "acme")
    assert shown.output.split() == [
        "earned",
        "on",
        "program",
        "on",
        "revoked",
        "off",
        "expiry",
        "on",
    ]
    switched = laurel("orgs", "mail", "acme", "revoked", "on")
    assert switched.exit_code == 0 and "revoked\ton" in switched.output
    bad = laurel("orgs", "mail", "acme", "spam", "on")
    assert bad.exit_code == 1 and 'unknown kind "spam"' in bad.output
