"""A real SMTP server on loopback (aiosmtpd) that records what it receives, byte for byte,
and answers what a test scripts (a 4xx, a 5xx, or a stall in the middle of DATA)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """The handler: ``replies`` are answered to DATA in turn (then "250 OK")."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
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
        return "250 OK"

    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(raw, policy=policy.default) for raw in self.received]  # type: ignore[misc]

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages()]


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{port}"
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
