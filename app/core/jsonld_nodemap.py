"""Linear de-duplication for pyld's node map (JSON-LD 1.1 API §7.2 Node Map Generation).

Node map generation adds every value to its subject with ``add_value(..., allowDuplicate=
False)``, and pyld checks for a duplicate by comparing the new value with each value already
there (``has_value`` -> ``compare_values``). An array of N distinct values costs N²/2
comparisons: 8 million for 4,000 strings, seconds of CPU from one anonymous request.

Inside ``indexed_add_value()`` the same function keeps, per value array, a set of keys that
are equal exactly when ``compare_values`` says the values are equal, and appends in the same
order. The node map, and every RDF output built from it, is unchanged; only the cost is linear.
The patch is installed once on pyld's class (its node-map code calls
``JsonLdProcessor.add_value`` by class name) but acts only inside ``indexed_add_value()``:
anywhere else the original runs, untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pyld.jsonld import JsonLdProcessor

_Key = tuple[Any, ...]


def freeze(value: Any) -> Any:
    """A hashable stand-in equal to another exactly when Python's ``==`` says the values are.

    pyld compares nested JSON (``@json`` literals) with ``==``: 1, 1.0 and True are equal
    inside, and so are their frozen forms; objects compare without order, as frozensets do.
    """
    if isinstance(value, dict):
        return frozenset((k, freeze(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    return value


def value_key(value: Any) -> _Key | None:
    """The key of a value to be added; None when ``compare_values`` finds it equal to nothing
    but itself. Mirrors pyld 3.3 ``compare_values``:

    1. two primitives: equal values, and a bool only equals a bool;
    2. two value objects: same ``@type``, ``@language``, ``@index`` and ``@value`` (rule 1
       for the ``@value``; NaN equals nothing);
    3. two other objects: the new value has an ``@id`` and the other the same ``@id``.
    """
    if not isinstance(value, dict):
        return ("p", isinstance(value, bool), value)
    if "@value" in value:
        inner = value["@value"]
        if isinstance(inner, float) and inner != inner:
            return None
        return (
            "v",
            freeze(value.get("@type")),
            freeze(value.get("@language")),
            freeze(value.get("@index")),
            isinstance(inner, bool),
            freeze(inner),
        )
    node_id = value.get("@id")
    return None if node_id is None else ("id", freeze(node_id))


def _keys_of_existing(value: Any) -> list[_Key]:
    """Every key under which an existing value matches a new one (rule 3 looks at ``@id`` of
    any object, a value object included)."""
    keys = []
    own = value_key(value)
    if own is not None:
        keys.append(own)
    if isinstance(value, dict) and "@value" in value and value.get("@id") is not None:
        keys.append(("id", freeze(value["@id"])))
    return keys


class _ValueIndex:
    """The keys of one subject's value array, caught up lazily with whatever was appended."""

    __slots__ = ("ids", "keys", "seen", "values")

    def __init__(self, values: list[Any]) -> None:
        self.values = values  # a reference: the array's id() stays unique while indexed
        self.seen = 0
        self.keys: set[_Key] = set()
        self.ids: set[int] = set()

    def contains(self, value: Any) -> bool:
        values = self.values
        if self.seen < len(values):
            for item in values[self.seen :]:
                if isinstance(item, dict):
                    self.ids.add(id(item))
                self.keys.update(_keys_of_existing(item))
            self.seen = len(values)
        if isinstance(value, dict):
            if id(value) in self.ids:  # compare_values: v1 is v2
                return True
            if "@value" in value and "@id" in value:  # not valid JSON-LD: pyld's own scan
                compare = JsonLdProcessor.compare_values
                return any(compare(value, v) for v in values)
        key = value_key(value)
        return key is not None and key in self.keys


_INDEXES: ContextVar[dict[int, _ValueIndex] | None] = ContextVar(
    "laurel_node_map_indexes", default=None
)
#: pyld's own function, kept on its class too so that a re-import never wraps the wrapper.
_original_add_value: Callable[..., None] = (
    getattr(JsonLdProcessor, "_laurel_original_add_value", None) or JsonLdProcessor.add_value
)


def _add_value(
    subject: dict[str, Any], property: str, value: Any, options: dict[str, Any] | None = None
) -> None:
    """pyld's ``add_value``, with the duplicate check of a value array done by key."""
    indexes = _INDEXES.get()
    if (
        indexes is None
        or options is None
        or options.get("allowDuplicate", True)
        or options.get("valueIsArray", False)
        or isinstance(value, list)
    ):
        return _original_add_value(subject, property, value, options)
    values = subject.get(property)
    if not isinstance(values, list):  # absent or a single value: pyld's own path is O(1)
        return _original_add_value(subject, property, value, options)
    index = indexes.get(id(values))
    if index is None or index.values is not values:
        index = indexes[id(values)] = _ValueIndex(values)
    if not index.contains(value):
        values.append(value)
    return None


def install() -> None:
    """Put the indexed ``add_value`` on pyld's class (idempotent; inert outside the scope)."""
    if JsonLdProcessor.__dict__["add_value"].__func__ is not _add_value:
        JsonLdProcessor._laurel_original_add_value = staticmethod(_original_add_value)
        JsonLdProcessor.add_value = staticmethod(_add_value)


def is_indexing() -> bool:
    return _INDEXES.get() is not None


@contextmanager
def indexed_add_value() -> Iterator[None]:
    """Within the block, this thread's node-map building de-duplicates by key."""
    install()
    token = _INDEXES.set({})
    try:
        yield
    finally:
        _INDEXES.reset(token)
