"""Strings a service can store and sign: no NUL, no lone surrogate.

- A lone surrogate (``"\\ud800"`` in JSON) is not a Unicode scalar value: RFC 8259 §8.2 calls
  such text unpredictable and RFC 7493 (I-JSON) §2.1 forbids it; it cannot be encoded as UTF-8,
  so hashing, canonicalizing (RDFC-1.0, JCS) or storing it fails.
- NUL (U+0000) is valid Unicode but PostgreSQL ``text`` cannot hold it, and no credential,
  identifier or name needs it.
- An integer beyond ±(2^53 - 1) is outside I-JSON (RFC 7493 §2.2): a JavaScript verifier
  reads another number (so a signature over it fails there), and one beyond the range of a
  double crashes the JSON-LD processor.

Input is checked once, where it enters (HTTP parameters and bodies, fetched documents), and
refused naming the field, rather than failing deep inside a query or a canonicalizer.
"""

from __future__ import annotations

import re
from typing import Any

_BAD = re.compile("[\x00\ud800-\udfff]")
#: RFC 7493 §2.2: the integers every JSON implementation reads exactly.
MAX_SAFE_INTEGER = 2**53 - 1


def string_problem(text: str) -> str | None:
    """Why ``text`` cannot be accepted, or None when it can."""
    found = _BAD.search(text)
    if found is None:
        return None
    char = found.group()
    if char == "\x00":
        return "contains a NUL character (U+0000)"
    return f"contains a lone surrogate (U+{ord(char):04X}), which is not valid Unicode"


def number_problem(number: int) -> str | None:
    """Why an integer cannot be accepted, or None when it can (``bool`` is always fine)."""
    if isinstance(number, bool) or abs(number) <= MAX_SAFE_INTEGER:
        return None
    return (
        "is an integer beyond ±(2^53 - 1), which JSON implementations do not all read the "
        "same (RFC 7493 §2.2): write it as a string"
    )


def find_bad_string(value: Any, path: tuple[str | int, ...] = ()) -> tuple[str, str] | None:
    """The first string (object key or value) or integer in a JSON value that cannot be
    accepted: ``(dotted path, reason)``; None when all are fine. A path only ever holds keys
    already found fine (every key of an object is checked before its values are visited)."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            problem = string_problem(item)
            if problem:
                return dotted(where), problem
        elif isinstance(item, int):
            if (problem := number_problem(item)) is not None:
                return dotted(where), problem
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                if isinstance(key, str) and (problem := string_problem(key)):
                    return dotted(where), f"has a property name that {problem}"
                stack.append((child, (*where, key)))
        elif isinstance(item, list):
            stack.extend((child, (*where, i)) for i, child in reversed(list(enumerate(item))))
    return None


def dotted(path: tuple[str | int, ...]) -> str:
    """``("credential", "issuer", 0)`` -> ``"credential.issuer.0"`` (``"body"`` when empty)."""
    return ".".join(str(p) for p in path) or "body"
