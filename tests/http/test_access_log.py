"""Offer tokens and share ids never reach uvicorn's access log (a real server, real records)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from app.config import Settings
from app.container import Services
from app.http.access_log import ACCESS_LOGGER, RedactCapabilities, redact_url
from app.main import create_app

SECRET = "Zq7-offer-capability-token"


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def access_lines(settings: Settings, services: Services) -> Iterator[tuple[str, list[str]]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings, services), host="127.0.0.1", port=port, log_level="info"
    )
    server = uvicorn.Server(config)
    handler = _Records()
    logging.getLogger(ACCESS_LOGGER).addHandler(handler)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline and thread.is_alive():
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", handler.lines
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        logging.getLogger(ACCESS_LOGGER).removeHandler(handler)


def test_capabilities_are_redacted_in_the_access_log(
    access_lines: tuple[str, list[str]],
) -> None:
    base, lines = access_lines
    with httpx.Client(base_url=base, timeout=30) as http:
        http.get(f"/credentials/some-uuid/wallet?offer={SECRET}&lang=en")
        http.get(f"/credentials/some-uuid/download?format=json&offer={SECRET}")
        http.get(f"/oid4vci/offers/{SECRET}")
        http.post(f"/exchanges/{SECRET}", json={})
        http.post(f"/exchanges/{SECRET}/{SECRET}-challenge", json={})
        http.get(f"/records/{SECRET}")
        http.get("/.well-known/did.json")
    deadline = time.monotonic() + 5
    while len(lines) < 7 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(lines) == 7, lines
    assert not [line for line in lines if SECRET in line], lines
    assert "/credentials/some-uuid/wallet?offer=[redacted]&lang=en" in lines[0]
    assert "/oid4vci/offers/[redacted]" in lines[2]
    assert "/exchanges/[redacted]/[redacted]" in lines[4]
    assert "/records/[redacted]" in lines[5]
    assert "/.well-known/did.json" in lines[6]


def test_the_filter_is_installed_once(settings: Settings, services: Services) -> None:
    create_app(settings, services)
    create_app(settings, services)
    filters = logging.getLogger(ACCESS_LOGGER).filters
    assert sum(isinstance(f, RedactCapabilities) for f in filters) == 1
    assert redact_url("/x?tx_code=123456&a=b") == "/x?tx_code=[redacted]&a=b"
