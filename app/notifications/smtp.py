"""SMTP as users deploy it: one URL (``LAUREL_SMTP_URL``) says where, how and who.

- ``smtp://host:port``                  plain (port 25), e.g. a local relay
- ``smtp+starttls://user:pass@host:587`` upgraded with STARTTLS (RFC 3207), then AUTH
- ``smtps://user:pass@host:465``        implicit TLS (RFC 8314)

User and password are percent-decoded. A reply code 4xx or a dropped connection is temporary
(the outbox tries again later); 5xx is permanent (RFC 5321 §4.2.1).

TLS is verified, never optional: the server's certificate must chain to the system CAs, or to
those in ``LAUREL_SMTP_CA_FILE`` (a private CA), and name the host of the URL. A certificate
that does not, or a server that does not offer STARTTLS when the URL asks for it, fails the
send with the reason; nothing (credentials included) is ever sent in clear instead. Such a
failure is temporary (the server's admin may fix it, or you the CA file, before the attempts
run out); ``laurel outbox retry`` sends what failed meanwhile.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from pathlib import Path
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


def tls_context(ca_file: Path | str | None = None) -> ssl.SSLContext:
    """Certificates and host names checked: against ``ca_file`` (PEM) if given, else the
    system CAs. Raises OSError or ssl.SSLError for a CA file that cannot be read."""
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


class SmtpSender:
    """One connection reused for a batch; reconnects after an error."""

    def __init__(
        self, url: SmtpUrl, timeout: float = 30.0, ca_file: Path | str | None = None
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.tls = tls_context(ca_file)
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        url = self.url
        where = f"{url.host}:{url.port}"
        conn: smtplib.SMTP | None = None
        try:
            if url.scheme == "smtps":
                conn = smtplib.SMTP_SSL(url.host, url.port, timeout=self.timeout, context=self.tls)
            else:
                conn = smtplib.SMTP(url.host, url.port, timeout=self.timeout)
                if url.scheme == "smtp+starttls":
                    try:
                        conn.starttls(context=self.tls)
                    except smtplib.SMTPNotSupportedError:  # not offered: never go on in clear
                        raise SendError(
                            f"{where} does not offer STARTTLS, which LAUREL_SMTP_URL asks for "
                            "(smtp+starttls): nothing sent in clear",
                            True,
                        ) from None
            if url.username:
                conn.login(url.username, url.password or "")
        except BaseException as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, ssl.SSLCertVerificationError):
                raise SendError(
                    f"TLS: the certificate of {where} is not trusted ({exc.verify_message}); "
                    "a private CA goes in LAUREL_SMTP_CA_FILE",
                    True,
                ) from None
            if isinstance(exc, ssl.SSLError):
                raise SendError(f"TLS with {where} failed: {exc}", True) from None
            raise
        return conn

    def send(self, envelope_from: str, recipient: str, data: bytes) -> None:
        """``data`` as composed (CRLF line ends): flattened once, not again by smtplib."""
        try:
            if self._conn is None:
                self._conn = self._connect()
            refused = self._conn.sendmail(envelope_from, [recipient], data)
        except SendError:
            self.close()
            raise
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
