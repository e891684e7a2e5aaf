"""Capabilities out of the access log.

Some URLs *are* the permission: a wallet offer token (``/credentials/{uuid}/wallet?offer=…``,
``/oid4vci/offers/{token}``, ``/exchanges/{token}/{challenge}``) claims a credential, and a
record share id (``/records/{id}``) shows a learner's record. uvicorn logs every request line;
this filter rewrites those parts to ``[redacted]`` before any handler sees the record.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlencode

REDACTED = "[redacted]"
ACCESS_LOGGER = "uvicorn.access"
#: Query parameters whose value grants something.
SECRET_PARAMETERS = frozenset(
    {"offer", "token", "access_token", "code", "pre-authorized_code", "tx_code", "challenge"}
)
#: A path prefix, then the segments after it that are capabilities.
_SECRET_PATHS = (
    re.compile(r"^(/oid4vci/offers/)[^/?]+"),
    re.compile(r"^(/exchanges/)[^/?]+(?:/[^/?]+)?"),
    re.compile(r"^(/records/)[^/?]+"),
)


def _redact_path(path: str) -> str:
    for pattern in _SECRET_PATHS:
        match = pattern.match(path)
        if match:
            tail = path[match.end() :]
            segments = path[len(match.group(1)) : match.end()].count("/") + 1
            return match.group(1) + "/".join([REDACTED] * segments) + tail
    return path


def redact_url(target: str) -> str:
    """A request target (path and query) with its capabilities replaced by ``[redacted]``."""
    path, sep, query = target.partition("?")
    path = _redact_path(path)
    if not sep:
        return path
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(name in SECRET_PARAMETERS for name, _ in pairs):
        return f"{path}?{query}"
    cleaned = [(name, REDACTED if name in SECRET_PARAMETERS else value) for name, value in pairs]
    return f"{path}?{urlencode(cleaned, safe='[]')}"


class RedactCapabilities(logging.Filter):
    """Rewrites the request target of uvicorn's access records
    (``'%s - "%s %s HTTP/%s" %d'``: client, method, target, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_url(args[2]), *args[3:])
        return True


def install_access_log_redaction(logger_name: str = ACCESS_LOGGER) -> None:
    """Adds the filter once (create_app runs once per worker, sometimes more in tests)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, RedactCapabilities) for f in logger.filters):
        logger.addFilter(RedactCapabilities())
