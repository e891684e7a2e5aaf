"""A real SMTP server on loopback (aiosmtpd) that records what it receives, byte for byte,
and answers what a test scripts (a 4xx, a 5xx, or a stall in the middle of DATA); also with
TLS (STARTTLS or implicit) and AUTH, recording over what and as whom each message came."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import quote

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "laurel@acme.test", "s3cret:p@ss"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Arrival:
    """How one received message came: the TLS version (None: in clear), whether it came by
    STARTTLS, and the login it was authenticated as (None: not)."""

    tls: str | None
    starttls: bool
    login: bytes | None


class Inbox:
    """The handler: ``replies`` are answered to DATA in turn (then "250 OK")."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.arrivals: list[Arrival] = []
        #: AUTH attempts (login, password) seen, accepted or not, over TLS or not.
        self.logins: list[tuple[bytes, bytes]] = []
        self.attempts = 0
        self.replies: list[str] = []
        self.always: str | None = None
        #: Set: DATA is received, recorded, and then never answered (a send under way).
        self.stall = threading.Event()
        self.stalled = threading.Event()
        self.url = ""

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        self.attempts += 1
        if self.stall.is_set():
            self.received.append(envelope.original_content)
            self.stalled.set()
            await asyncio.sleep(3600)
        if self.always:
            return self.always
        if self.replies:
            return self.replies.pop(0)
        self.received.append(envelope.original_content)
        tls = server.transport.get_extra_info("ssl_object")
        self.arrivals.append(
            Arrival(
                tls=tls.version() if tls else None,
                starttls=session.ssl is not None,
                login=session.auth_data.login if session.authenticated else None,
            )
        )
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:  # type: ignore[no-untyped-def]
        assert isinstance(auth_data, LoginPassword)
        self.logins.append((auth_data.login, auth_data.password))
        ok = auth_data == (USER.encode(), PASSWORD.encode())
        return AuthResult(success=ok, auth_data=auth_data if ok else None)

    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(raw, policy=policy.default) for raw in self.received]  # type: ignore[misc]

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages()]


@contextmanager
def smtp_server(
    tls: str | None = None, context: ssl.SSLContext | None = None, auth: bool = False
) -> Iterator[Inbox]:
    """``tls``: None (plain, ``smtp://``), "starttls" (required before MAIL, and before AUTH
    when ``auth``) or "smtps" (implicit TLS); ``context`` is the server's certificate.
    ``auth``: AUTH offered (PLAIN, LOGIN) accepting USER and PASSWORD (required with STARTTLS)."""
    inbox = Inbox()
    port = free_port()
    options: dict[str, object] = {}
    if auth:
        # aiosmtpd's auth_require_tls (and auth_required with it) counts STARTTLS only;
        # implicit TLS is TLS from the start, and Arrival.login says who sent.
        starttls = tls == "starttls"
        options.update(
            authenticator=inbox.authenticate, auth_required=starttls, auth_require_tls=starttls
        )
    if tls == "starttls":
        options.update(tls_context=context, require_starttls=True)
    elif tls == "smtps":
        options.update(ssl_context=context)
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)  # type: ignore[arg-type]
    controller.start()
    scheme = {None: "smtp", "starttls": "smtp+starttls", "smtps": "smtps"}[tls]
    userinfo = f"{quote(USER, safe='')}:{quote(PASSWORD, safe='')}@" if auth else ""
    inbox.url = f"{scheme}://{userinfo}127.0.0.1:{port}"
    try:
        yield inbox
    finally:
        controller.stop()


@contextmanager
def blackhole() -> Iterator[tuple[str, threading.Event]]:
    """Accepts connections and never says a word: a worker connecting here has claimed its
    batch and not sent anything yet."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    connected = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            held.append(conn)
            connected.set()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"smtp://127.0.0.1:{sock.getsockname()[1]}", connected
    finally:
        sock.close()
        for conn in held:
            conn.close()
