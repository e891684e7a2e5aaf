"""LAUREL_SMTP_URL as users write it, and a wrong one stopping start-up with the fix."""

from __future__ import annotations

import pytest

from app.config import SettingsError, load_settings
from app.notifications.smtp import SmtpUrl


@pytest.mark.parametrize(
    ("url", "parsed"),
    [
        ("smtp://localhost", SmtpUrl("smtp", "localhost", 25)),
        ("smtp://relay.example:2525", SmtpUrl("smtp", "relay.example", 2525)),
        (
            "smtp+starttls://apikey:p%40ss%3Aword@smtp.example",
            SmtpUrl("smtp+starttls", "smtp.example", 587, "apikey", "p@ss:word"),
        ),
        (
            "smtps://user%40example.edu:secret@mail.example:465",
            SmtpUrl("smtps", "mail.example", 465, "user@example.edu", "secret"),
        ),
    ],
)
def test_smtp_urls(url: str, parsed: SmtpUrl) -> None:
    assert SmtpUrl.parse(url) == parsed


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "mail.example:25"])
def test_a_wrong_smtp_url_stops_start_up_naming_the_setting(url: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(smtp_url=url)
    assert "LAUREL_SMTP_URL" in str(caught.value) and "smtp+starttls://" in str(caught.value)


def test_the_password_never_appears_in_the_message() -> None:
    with pytest.raises(ValueError) as caught:
        SmtpUrl.parse("ftp://user:hunter2@mail.example")
    assert "hunter2" not in str(caught.value)
