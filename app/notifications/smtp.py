"""SMTP as users deploy it: one URL (``LAUREL_SMTP_URL``) says where, how and who.

- ``smtp://host:port``                  plain (port 25), e.g. a local relay
- ``smtp+starttls://user:pass@host:587`` upgraded with STARTTLS (RFC 3207), then AUTH
- ``smtps://user:pass@host:465``        implicit TLS (RFC 8314)

User and password are percent-decoded. A reply code 4xx or a dropped connection is temporary
(the outbox tries again later); 5xx is permanent (RFC 5321 §4.2.1).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

_DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


@dataclass(frozen=True)
class SmtpUrl:
    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> SmtpUrl:
        parts = urlsplit(url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError(
                f"LAUREL_SMTP_URL={_redacted(url)!r}: use smtp://host:25, "
                "smtp+starttls://user:pass@host:587 or smtps://user:pass@host:465"
            )
        return cls(
            scheme=parts.scheme,
            host=parts.hostname,
            port=parts.port or _DEFAULT_PORTS[parts.scheme],
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


class SendError(Exception):
    """A message not accepted; ``temporary`` says whether trying again may help."""

    def __init__(self, reason: str, temporary: bool) -> None:
        super().__init__(reason)
        self.reason = reason[:1000]
        self.temporary = temporary


class SmtpSender:
    """One connection reused for a batch; reconnects after an error."""

    def __init__(self, url: SmtpUrl, timeout: float = 30.0) -> None:
        self.url = url
        self.timeout = timeout
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        url = self.url
        conn: smtplib.SMTP
        if url.scheme == "smtps":
            conn = smtplib.SMTP_SSL(
                url.host, url.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            conn = smtplib.SMTP(url.host, url.port, timeout=self.timeout)
            if url.scheme == "smtp+starttls":
                conn.starttls(context=ssl.create_default_context())
        if url.username:
            conn.login(url.username, url.password or "")
        return conn

    def send(self, envelope_from: str, recipient: str, data: bytes) -> None:
        """``data`` as composed (CRLF line ends): flattened once, not again by smtplib."""
        try:
            if self._conn is None:
                self._conn = self._connect()
            refused = self._conn.sendmail(envelope_from, [recipient], data)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            code, text = next(iter(exc.recipients.values()))
            raise SendError(f"{code} {_text(text)}", 400 <= code < 500) from None
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise SendError(
                f"{exc.smtp_code} {_text(exc.smtp_error)}", 400 <= exc.smtp_code < 500
            ) from None
        except (smtplib.SMTPException, OSError) as exc:  # connection refused, reset, timeout
            self.close()
            raise SendError(f"{type(exc).__name__}: {exc}", True) from None
        if refused:  # one recipient per message: refused means not delivered
            code, text = next(iter(refused.values()))
            raise SendError(f"{code} {_text(text)}", 400 <= code < 500)

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
