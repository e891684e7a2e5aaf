"""Offline JSON-LD: a pinned document loader, safe-mode term checks and RDFC-1.0.

The service never fetches a context over the network (DESIGN.md): every context URL maps to a
file under ``contexts/`` listed in ``contexts/index.json`` with its sha256, checked at load.

Canonicalization (RDF Dataset Canonicalization, RDFC-1.0) is one swappable piece:
``PyldCanonicalizer`` is the pure-Python reference; ``FastCanonicalizer`` keeps pyld for the
JSON-LD -> RDF step and hands the dataset to pyoxigraph's RDFC-1.0 (Rust). Tests check that both
give the same bytes on the spec vectors and on generated documents.

JSON-LD -> RDF itself runs by per-shape template for documents whose shape was seen before
(``jsonld_compiled``: pyld proves each template on placeholders; the output is pyld's text byte
for byte, checked by a hypothesis test); anything else goes through pyld.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pyld import jsonld as _pyld

from app.core import jsonld_nodemap, rdfc
from app.core.budget import WorkBudgetExceeded, checkpoint
from app.core.jsonld_compiled import ShapeCompiler

JsonObject = dict[str, Any]

#: Sentinel vocabulary used only to detect terms that no context defines (safe mode).
_UNDEFINED_VOCAB = "urn:laurel:undefined-term:"
_SENTINEL_CONTEXT = {"@vocab": _UNDEFINED_VOCAB}


class JsonLdError(ValueError):
    """A document that cannot be processed as JSON-LD (bad context, unknown URL, ...)."""


class UnknownContextError(JsonLdError):
    """A context URL that is not pinned under contexts/: never fetched."""

    def __init__(self, url: str) -> None:
        super().__init__(f'context "{url}" is not pinned in contexts/index.json (no network)')
        self.url = url


class UndefinedTermError(JsonLdError):
    """Terms that no context defines: JSON-LD safe mode in other verifiers rejects them."""

    def __init__(self, terms: list[str]) -> None:
        quoted = ", ".join(f'"{t}"' for t in terms)
        super().__init__(f"term(s) {quoted} not defined by any @context (JSON-LD safe mode)")
        self.terms = terms


@dataclass(frozen=True)
class PinnedContext:
    url: str
    document: JsonObject
    sha256: str


class ContextStore:
    """Pinned contexts by URL, loaded once from an index of ``{url: {file, sha256}}``."""

    def __init__(self, contexts: Mapping[str, PinnedContext]) -> None:
        self._contexts = dict(contexts)
        self.owned_object_ids = frozenset(
            id(obj) for pinned in self._contexts.values() for obj in _containers(pinned.document)
        ) | {id(_SENTINEL_CONTEXT)}

    @classmethod
    def from_directory(cls, directory: Path) -> ContextStore:
        index = json.loads((directory / "index.json").read_text())
        contexts: dict[str, PinnedContext] = {}
        for url, entry in index.items():
            raw = (directory / entry["file"]).read_bytes()
            digest = hashlib.sha256(raw).hexdigest()
            if digest != entry["sha256"]:
                raise JsonLdError(
                    f"context file {entry['file']} for {url} has sha256 {digest}, "
                    f"index.json pins {entry['sha256']}: restore the file from git"
                )
            contexts[url] = PinnedContext(url, json.loads(raw), digest)
        return cls(contexts)

    def __contains__(self, url: object) -> bool:
        return url in self._contexts

    def urls(self) -> list[str]:
        return sorted(self._contexts)

    def terms(self) -> frozenset[str]:
        """Every key of every object in every pinned context (a superset of their terms)."""
        return frozenset(
            key
            for pinned in self._contexts.values()
            for obj in _containers(pinned.document)
            if isinstance(obj, dict)
            for key in obj
        )

    def get(self, url: str) -> PinnedContext:
        try:
            return self._contexts[url]
        except KeyError:
            raise UnknownContextError(url) from None

    def pyld_loader(self) -> Callable[[str, Any], dict[str, Any]]:
        """A pyld document loader that answers from the pinned files only."""

        def load(url: str, options: Any = None) -> dict[str, Any]:
            pinned = self.get(url)
            return {"contextUrl": None, "documentUrl": url, "document": pinned.document}

        return load


def default_contexts_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "contexts"


class _MemoizingProcessor(_pyld.JsonLdProcessor):
    """pyld's processor with processed contexts memoized by identity, a linear node map and
    budget checkpoints in every recursive step.

    pyld re-derives a cache key for every type-scoped context it meets by JSON-canonicalizing
    the context (about half of expansion time on an OB 3.0 credential). Active contexts carry a
    unique ``_uuid``; scoped contexts are objects owned by cached term definitions, and the memo
    keeps a reference to each key object, so an id() is never reused while its entry lives.
    """

    _MAX_ENTRIES = 4096

    def __init__(self, owned_object_ids: frozenset[int]) -> None:
        super().__init__()
        self._owned = owned_object_ids
        self._memo: OrderedDict[tuple[Any, ...], tuple[Any, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def _expand(self, *args: Any, **kwargs: Any) -> Any:
        checkpoint()
        return super()._expand(*args, **kwargs)

    def _create_node_map(self, *args: Any, **kwargs: Any) -> Any:
        """JSON-LD 1.1 API §7.2, with duplicates found by key (``jsonld_nodemap``)."""
        checkpoint()
        try:
            if jsonld_nodemap.is_indexing():
                return super()._create_node_map(*args, **kwargs)
            with jsonld_nodemap.indexed_add_value():
                return super()._create_node_map(*args, **kwargs)
        except TypeError as exc:
            # pyld 3.3 compares a node's two equal string @index values as objects
            # (``input_['@index']['@id']``): a refusal, not a 500 on a public endpoint.
            raise _pyld.JsonLdError(
                "Invalid JSON-LD syntax; conflicting @index property detected.",
                "jsonld.SyntaxError",
                code="conflicting indexes",
            ) from exc

    def _object_to_rdf(self, *args: Any, **kwargs: Any) -> Any:
        checkpoint()
        return super()._object_to_rdf(*args, **kwargs)

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        checkpoint()
        local_key = _local_context_key(local_ctx, self._owned)
        active_id = active_ctx.get("_uuid") if hasattr(active_ctx, "get") else None
        if local_key is None or active_id is None or cycles:
            return super()._process_context(
                active_ctx,
                local_ctx,
                options,
                override_protected,
                propagate,
                validate_scoped,
                cycles,
            )
        key = (
            active_id,
            local_key,
            override_protected,
            propagate,
            validate_scoped,
            options.get("base", ""),
        )
        with self._lock:
            hit = self._memo.get(key)
            if hit is not None:
                self._memo.move_to_end(key)
                return hit[1]
        result = super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )
        if isinstance(result, dict) and "_uuid" not in result:
            result["_uuid"] = uuid.uuid4().hex
        with self._lock:
            self._memo[key] = (local_ctx, result)
            if len(self._memo) > self._MAX_ENTRIES:
                self._memo.popitem(last=False)
        return result


def _local_context_key(local_ctx: Any, owned: frozenset[int]) -> tuple[Any, ...] | None:
    """A stable key for a local context, or None when it is not safe to memoize.

    URLs name pinned, immutable files. Objects inside pinned contexts (scoped contexts of term
    definitions) are keyed by identity. Any other object (an inline context in a caller's
    document, which pyld deep-copies per call) is keyed by its JSON text, i.e. by value.
    """
    if isinstance(local_ctx, str):
        return ("url", local_ctx)
    keys = [
        _item_key(item, owned)
        for item in (local_ctx if isinstance(local_ctx, list) else [local_ctx])
    ]
    if any(k is None for k in keys):
        return None
    return ("list", *keys) if isinstance(local_ctx, list) else keys[0]


def _item_key(item: Any, owned: frozenset[int]) -> Any | None:
    if isinstance(item, str):
        return item
    if id(item) in owned:
        return ("obj", id(item))
    try:
        return ("json", json.dumps(item, sort_keys=True, separators=(",", ":")))
    except (TypeError, ValueError):
        return None


def _containers(node: Any) -> list[Any]:
    """Every dict and list inside a JSON value (for identity keys of pinned objects)."""
    out: list[Any] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            out.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            out.append(item)
            stack.extend(item)
    return out


class JsonLdProcessor:
    """Expansion and RDF conversion over pinned contexts, with safe-mode checks."""

    def __init__(self, store: ContextStore, *, compiled: bool = True) -> None:
        self.store = store
        self._loader = store.pyld_loader()
        self._processor = _MemoizingProcessor(store.owned_object_ids)
        #: N-Quads by per-shape template (``jsonld_compiled``); None: pyld for every document.
        self.compiler = ShapeCompiler(self.pyld_nquads, store.terms()) if compiled else None

    def _options(self, **extra: Any) -> dict[str, Any]:
        return {"documentLoader": self._loader, "base": None, **extra}

    def check_contexts(self, document: Mapping[str, Any]) -> None:
        """Refuse a document naming a context URL that is not pinned (no network)."""
        for url in _context_urls(document.get("@context")):
            self.store.get(url)

    def expand(self, document: Mapping[str, Any]) -> list[JsonObject]:
        self.check_contexts(document)
        try:
            return self._processor.expand(dict(document), self._options())
        except _pyld.JsonLdError as exc:
            _raise_budget_cause(exc)
            raise JsonLdError(_pyld_message(exc)) from exc

    def undefined_terms(self, document: Mapping[str, Any]) -> list[str]:
        """Terms and types that no @context defines (what JSON-LD safe mode rejects).

        pyld silently drops such properties. Appending a sentinel ``@vocab`` to a copy of the
        document's context makes each of them expand to a sentinel IRI we can list instead.
        """
        contexts = document.get("@context")
        if contexts is None:
            contexts = []
        elif not isinstance(contexts, list):
            contexts = [contexts]
        if any(self._defines_vocab(c) for c in contexts):
            return []  # a @vocab maps every term to an IRI: nothing is dropped
        probe = {**document, "@context": [*contexts, _SENTINEL_CONTEXT]}
        if self.compiler is not None:
            self.check_contexts(probe)
            per_template = self.compiler.derived(
                probe, "undefined_terms", lambda: self._undefined_terms(probe)
            )
            if per_template is not None:
                return list(per_template)
        return self._undefined_terms(probe)

    def _undefined_terms(self, probe: Mapping[str, Any]) -> list[str]:
        found: list[str] = []
        for iri in _all_iris(self.expand(copy.deepcopy(dict(probe)))):
            if iri.startswith(_UNDEFINED_VOCAB):
                term = iri[len(_UNDEFINED_VOCAB) :]
                if term not in found:
                    found.append(term)
        return found

    def _defines_vocab(self, context: Any) -> bool:
        if isinstance(context, str):
            context = self.store.get(context).document.get("@context", {})
        return isinstance(context, dict) and context.get("@vocab") is not None

    def require_defined_terms(self, document: Mapping[str, Any]) -> None:
        terms = self.undefined_terms(document)
        if terms:
            raise UndefinedTermError(terms)

    def to_nquads(self, document: Mapping[str, Any]) -> str:
        """JSON-LD -> RDF (N-Quads, not canonical): by the template of the document's shape
        when there is one (the same text as pyld's, ``jsonld_compiled``), else by pyld."""
        return self.to_nquads_checked(document)[0]

    def to_nquads_checked(self, document: Mapping[str, Any]) -> tuple[str, bool]:
        """``to_nquads`` and whether its blank nodes are proven distinct by their first-degree
        hashes (a template's property: then RDFC-1.0 needs no poison check)."""
        self.check_contexts(document)
        if self.compiler is not None:
            compiled = self.compiler.render(document)
            if compiled is not None:
                return compiled
        return self.pyld_nquads(document), False

    def pyld_nquads(self, document: Mapping[str, Any]) -> str:
        """pyld's JSON-LD -> RDF (N-Quads, not canonical), with pinned contexts only."""
        self.check_contexts(document)
        try:
            return self._processor.to_rdf(
                dict(document), self._options(format="application/n-quads")
            )
        except _pyld.JsonLdError as exc:
            _raise_budget_cause(exc)
            raise JsonLdError(_pyld_message(exc)) from exc


class Canonicalizer(Protocol):
    """RDFC-1.0: a JSON-LD document -> canonical N-Quads (UTF-8 text)."""

    def canonicalize(self, document: Mapping[str, Any]) -> str: ...


class PyldCanonicalizer:
    """Reference implementation: pyld's toRDF and pyld's URDNA2015 (= RDFC-1.0)."""

    def __init__(self, processor: JsonLdProcessor) -> None:
        self.processor = processor

    def canonicalize(self, document: Mapping[str, Any]) -> str:
        self.processor.check_contexts(document)
        try:
            return _pyld.normalize(
                dict(document),
                {
                    "algorithm": "URDNA2015",
                    "format": "application/n-quads",
                    "documentLoader": self.processor._loader,
                },
            )
        except _pyld.JsonLdError as exc:
            raise JsonLdError(_pyld_message(exc)) from exc


class FastCanonicalizer:
    """pyld's toRDF (memoized contexts) + pyoxigraph's RDFC-1.0 in Rust (``rdfc``: pyld's,
    stoppable, when blank nodes are alike enough to need Hash N-Degree Quads)."""

    def __init__(self, processor: JsonLdProcessor) -> None:
        self.processor = processor

    def canonicalize(self, document: Mapping[str, Any]) -> str:
        nquads, distinct = self.processor.to_nquads_checked(document)
        if not nquads:
            return ""
        checkpoint(force=True)
        canonical = rdfc.canonicalize_nquads(nquads, distinct_blank_nodes=distinct)
        checkpoint(force=True)
        return canonical


def _context_urls(context: Any) -> list[str]:
    if context is None:
        return []
    items = context if isinstance(context, list) else [context]
    return [c for c in items if isinstance(c, str)]


def _all_iris(node: Any) -> list[str]:
    """Every property IRI and @type value in an expanded document."""
    out: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                if key == "@type":
                    out.extend(
                        v
                        for v in (value if isinstance(value, list) else [value])
                        if isinstance(v, str)
                    )
                elif not key.startswith("@"):
                    out.append(key)
                if key != "@value":
                    stack.append(value)
    return out


def _raise_budget_cause(exc: BaseException) -> None:
    """pyld wraps what a hook raises (e.g. in a scoped context) in its own errors: a spent
    budget must come out as itself, not as "invalid JSON-LD"."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, WorkBudgetExceeded):
            raise cause from None
        details = getattr(cause, "details", None)
        nested = details.get("cause") if isinstance(details, dict) else None
        cause = nested if isinstance(nested, BaseException) else cause.__cause__


def _pyld_message(exc: Exception) -> str:
    """pyld wraps the real cause (e.g. our UnknownContextError) several levels deep."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, UnknownContextError):
            return str(cause)
        details = getattr(cause, "details", None)
        nested = details.get("cause") if isinstance(details, dict) else None
        cause = nested if isinstance(nested, BaseException) else cause.__cause__
    return str(getattr(exc, "message", exc)) or "invalid JSON-LD"


class SafeModeCanonicalizer:
    """Canonicalize and refuse undefined terms in one pass (issuance hot path).

    The document is canonicalized with a sentinel ``@vocab`` appended to its context. A term no
    context defines then becomes a sentinel IRI instead of being dropped: we refuse, naming it.
    When no sentinel IRI appears, the output is exactly the output without the sentinel, since
    ``@vocab`` only applies to terms that would otherwise be undefined.
    """

    def __init__(self, inner: Canonicalizer, processor: JsonLdProcessor) -> None:
        self.inner = inner
        self.processor = processor

    def canonicalize(self, document: Mapping[str, Any]) -> str:
        contexts = document.get("@context")
        contexts = (
            [] if contexts is None else contexts if isinstance(contexts, list) else [contexts]
        )
        if any(self.processor._defines_vocab(c) for c in contexts):
            return self.inner.canonicalize(document)
        probe = dict(document)
        probe["@context"] = [*contexts, _SENTINEL_CONTEXT]
        nquads = self.inner.canonicalize(probe)
        if _UNDEFINED_VOCAB in nquads:
            terms = list(dict.fromkeys(_SENTINEL_IRI.findall(nquads)))
            raise UndefinedTermError(terms)
        return nquads


_SENTINEL_IRI = re.compile("<" + re.escape(_UNDEFINED_VOCAB) + "([^>]*)>")
