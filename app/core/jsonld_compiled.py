"""JSON-LD -> N-Quads compiled per document shape, checked against pyld on every new shape.

Credentials of one kind differ in their values, not in their shape: the same keys, the same
@context, the same types; only names, dates and ids change. pyld re-does all of JSON-LD 1.1
expansion (JSON-LD 1.1 API §5.1), node map generation (§7.2) and RDF conversion (§8.1) for each
of them, although what a *value* contributes to the output is fixed by its place in the shape:

- a string in a literal position becomes the lexical form of a literal (its datatype or
  language comes from the term definition, i.e. from the key and the context, never from the
  value), N-Quads-escaped (RDF 1.1 N-Quads §2.5; pyld's ``escape``);
- an absolute IRI ``prefix:suffix`` in an IRI position becomes ``f(prefix) + suffix``
  (IRI Expansion, JSON-LD 1.1 API §4.5.2: the suffix is never looked at, only the prefix and
  whether the suffix starts with ``//``), provided the whole value is not itself a term.

So pyld runs once on a *template*: the document with each such string replaced by a unique
placeholder of the same kind (a bare token, or ``prefix:[//]token``). The template's N-Quads are
read back: a placeholder that came out whole as a literal's lexical form, or as the tail of an
IRI, is a hole that later documents of this shape fill with their own (escaped) value. Any
placeholder that came out otherwise (a type, which selects type-scoped contexts; a relative IRI
that toRDF drops; an ``@json`` literal; a language tag) is put back to its real value, which then
becomes part of the shape, and pyld runs again until every remaining hole is proven a plain hole.
A later document of the same shape is then turned into N-Quads by filling holes and sorting
lines, as pyld's serializer sorts them, without running pyld at all.

An IRI that recurs (a node referenced by its id elsewhere, as an OB 3.0 Result names its
ResultDescription) keeps one placeholder for all its places: which IRI leaves are equal is part
of the shape, so the template's node map merges nodes exactly where the document's does.

What this path refuses (the caller runs pyld): a shape seen only once (no template yet); a
nested ``@context``; ``@list`` output (toRDF labels list nodes in subject order, which depends
on values); duplicate lines (the node map would have de-duplicated values); any string
containing the placeholder marker; a template on which pyld raised.
``tests/core/test_jsonld_compiled.py`` checks the output equal to pyld's, byte for byte, on
generated shapes (hypothesis).
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.core.budget import checkpoint

#: Never in real data (checked): the marker every placeholder carries.
MARKER = "lAuReLpH"
_TOKEN = re.compile(MARKER + r"(\d{6})Q")
#: ``prefix:[//]rest`` where pyld takes the absolute-IRI branch for any ``rest`` of these chars
#: (pyld ``_is_absolute_iri``: no white space; N-Quads IRIREF forbids the others).
_IRI = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):(//)?([^\s<>\"{}|\\^`\x00-\x20]*)\Z")
#: Keys whose string values are kept as they are (they select contexts or are keywords).
_VERBATIM_KEYS = frozenset(
    {"@type", "type", "@language", "@direction", "@index", "@vocab", "@base", "@version"}
)
_LIST_NODE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#first>"
#: pyld (3.x) rewrites a *string* typed xsd:double to the canonical double form ("5" ->
#: "5.0E0"): such a literal's text depends on its value, so it is never a hole.
_XSD_DOUBLE = "^^<http://www.w3.org/2001/XMLSchema#double>"

#: Larger documents are not compiled (a template costs a few pyld runs to prove).
_MAX_PARTS = 4000
_MAX_LEAVES = 512

_LITERAL = 0
_IRI_TAIL = 1

#: What the compiler calls to get pyld's N-Quads for a (template) document.
RunPyld = Callable[[dict[str, Any]], str]


class _Refused(Exception):
    """This document cannot take the compiled path (the caller runs pyld)."""


def escape_literal(value: str) -> str:
    """pyld's N-Quads escaping of a literal's lexical form (``pyld.nquads.escape``)."""
    return (
        value.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace('"', '\\"')
    )


@dataclass(slots=True)
class _Leaf:
    """A string of the document that may become a hole."""

    value: str
    #: ``prefix:`` plus ``//`` when the suffix starts with it; None for a bare (literal) leaf.
    iri_head: str | None

    def placeholder(self, index: int) -> str:
        token = f"{MARKER}{index:06d}Q"
        return token if self.iri_head is None else self.iri_head + token

    @property
    def iri_tail(self) -> str:
        return self.value[len(self.iri_head or "") :]


@dataclass
class _Shape:
    """A document taken apart: its shape key and the strings that may be holes."""

    key: tuple[Any, ...]
    leaves: list[_Leaf]
    #: Rebuilds the document with some leaves replaced (index -> replacement).
    rebuild: Callable[[Mapping[int, str]], dict[str, Any]]
    #: IRI leaves whose value an earlier IRI leaf has (index -> that leaf's index): a node
    #: referenced by id elsewhere in the document (e.g. an OB Result naming its
    #: ResultDescription). Which ones recur is part of the shape (the node map merges them).
    first_of_value: dict[int, int] = field(default_factory=dict)

    @property
    def same_iris(self) -> tuple[Any, ...]:
        pairs = tuple(sorted(self.first_of_value.items()))
        return (("same", pairs),) if pairs else ()


@dataclass(frozen=True)
class _Template:
    """pyld's N-Quads of a template, as lines of constant text and holes."""

    lines: tuple[tuple[str | tuple[int, int], ...], ...]
    #: Every blank node has its own multiset of (position, predicate): their first-degree
    #: hashes (RDFC-1.0 §4.6) differ whatever the values, so no Hash N-Degree Quads is needed.
    distinct_blank_nodes: bool = False
    #: Values computed once per template (``ShapeCompiler.derived``).
    derived: dict[str, Any] = field(default_factory=dict)

    def render(self, leaves: list[_Leaf]) -> str | None:
        out: list[str] = []
        for parts in self.lines:
            text = []
            for part in parts:
                if isinstance(part, str):
                    text.append(part)
                else:
                    leaf = leaves[part[0]]
                    text.append(
                        escape_literal(leaf.value) if part[1] == _LITERAL else leaf.iri_tail
                    )
            out.append("".join(text))
        out.sort()
        if len(set(out)) != len(out):
            return None  # pyld's node map would have merged these values
        return "".join(out)


@dataclass
class _Entry:
    """Every template of one shape key: per set of leaves kept verbatim, per their values."""

    sightings: int = 0
    compiles: int = 0
    refused: bool = False
    variants: dict[frozenset[int], dict[tuple[str, ...], _Template]] = field(default_factory=dict)


class ShapeCompiler:
    """N-Quads by template for documents whose shape was seen before; None when pyld must run.

    ``run_pyld`` is the reference conversion (the memoizing pyld processor); ``pinned_terms``
    every key of every pinned context (a value equal to a term may select a term definition,
    so it is never a hole).
    """

    MAX_SHAPES = 256
    MAX_COMPILES_PER_SHAPE = 16
    MAX_ROUNDS = 6

    def __init__(self, run_pyld: RunPyld, pinned_terms: Iterable[str]) -> None:
        self._run_pyld = run_pyld
        self._terms = frozenset(pinned_terms)
        self._entries: OrderedDict[tuple[Any, ...], _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.stats = {"compiled": 0, "fallback": 0, "templates": 0}

    def to_nquads(self, document: Mapping[str, Any]) -> str | None:
        """pyld's N-Quads of ``document`` by template, or None (then the caller runs pyld)."""
        found = self.render(document)
        return None if found is None else found[0]

    def render(self, document: Mapping[str, Any]) -> tuple[str, bool] | None:
        """``(N-Quads, blank nodes distinct by first degree)`` by template, or None."""
        found = self._template_of(document)
        return self._miss() if found is None else self._rendered(*found)

    def derived(
        self, document: Mapping[str, Any], name: str, compute: Callable[[], Any]
    ) -> Any | None:
        """A value that depends only on what a template keeps (keys, contexts, types and the
        strings kept as they are), computed by ``compute`` once per template; None when the
        document has no template (the caller computes it itself).

        Holes are literals or IRI tails (never types, never terms: those are kept), so for
        instance the terms no context defines are the same for every document of a template.
        """
        found = self._template_of(document)
        if found is None:
            return None
        template = found[0]
        with self._lock:
            if name in template.derived:
                return template.derived[name]
        value = compute()
        with self._lock:
            template.derived[name] = value
        return value

    def _template_of(self, document: Mapping[str, Any]) -> tuple[_Template, _Shape] | None:
        try:
            shape = _take_apart(document, self._terms)
        except _Refused:
            return None
        entry = self._entry(shape.key + shape.same_iris)
        if entry.refused or entry.sightings < 2:
            return None
        for verbatim, templates in list(entry.variants.items()):
            template = templates.get(tuple(shape.leaves[i].value for i in sorted(verbatim)))
            if template is not None:
                return template, shape
        if entry.compiles >= self.MAX_COMPILES_PER_SHAPE:
            return None
        entry.compiles += 1
        compiled = self._compile(shape, entry)
        return None if compiled is None else (compiled, shape)

    def _rendered(self, template: _Template, shape: _Shape) -> tuple[str, bool] | None:
        checkpoint()
        out = template.render(shape.leaves)
        if out is None:
            return self._miss()
        self.stats["compiled"] += 1
        return out, template.distinct_blank_nodes

    def _miss(self) -> tuple[str, bool] | None:
        self.stats["fallback"] += 1
        return None

    def _entry(self, key: tuple[Any, ...]) -> _Entry:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry()
                if len(self._entries) > self.MAX_SHAPES:
                    self._entries.popitem(last=False)
            else:
                self._entries.move_to_end(key)
            entry.sightings += 1
            return entry

    def _compile(self, shape: _Shape, entry: _Entry) -> _Template | None:
        """Run pyld on templates until every remaining placeholder is a proven hole.

        The first round (every candidate a placeholder) is the same for every document of
        the shape: when it fails (pyld refuses it, or it makes lists) the shape is refused for
        good. Later rounds put some real values back, so a failure there refuses only this
        document: another document of the same shape cannot spoil the shape for others.
        """
        from app.core.jsonld import JsonLdError  # the processor module imports this one

        verbatim: set[int] = set()
        first = shape.first_of_value
        for round_number in range(self.MAX_ROUNDS):
            holes = {
                i: leaf.placeholder(i)
                for i, leaf in enumerate(shape.leaves)
                if i not in verbatim and first.get(i, i) == i
            }
            # An IRI that recurs takes its first sighting's placeholder: the node map merges
            # the template's nodes exactly where it merges the document's.
            recurring = {i: holes[j] for i, j in first.items() if i != j and j in holes}
            try:
                nquads = self._run_pyld(shape.rebuild({**holes, **recurring}))
            except JsonLdError:
                entry.refused = entry.refused or round_number == 0
                return None
            if _LIST_NODE in nquads:
                entry.refused = entry.refused or round_number == 0
                return None
            template, bad = _read_template(nquads, shape.leaves, holes)
            if template is None:
                verbatim |= bad | {i for i, j in first.items() if j in bad}
                continue
            key = frozenset(verbatim)
            values = tuple(shape.leaves[i].value for i in sorted(key))
            with self._lock:
                entry.variants.setdefault(key, {})[values] = template
            self.stats["templates"] += 1
            return template
        return None


def _read_template(
    nquads: str, leaves: list[_Leaf], holes: Mapping[int, str]
) -> tuple[_Template | None, set[int]]:
    """The template, or the leaves whose placeholder did not come out as a plain hole."""
    bad: set[int] = set()
    seen: set[int] = set()
    lines: list[tuple[str | tuple[int, int], ...]] = []
    for line in _quads(nquads):
        parts: list[str | tuple[int, int]] = []
        at = 0
        for match in _TOKEN.finditer(line):
            index = int(match.group(1))
            if index not in holes:
                bad.add(index)  # cannot happen: verbatim values never carry the marker
                continue
            seen.add(index)
            placeholder = holes[index]
            start = match.end() - len(placeholder)
            if _is_whole_literal(line, start, match.end()) and not line.startswith(
                _XSD_DOUBLE, match.end() + 1
            ):
                parts.extend([line[at:start], (index, _LITERAL)])
                at = match.end()
            elif (
                leaves[index].iri_head is not None
                and _is_iri_tail(line, match.start(), match.end())
                and not _is_datatype(line, match.start())
            ):
                parts.extend([line[at : match.start()], (index, _IRI_TAIL)])
                at = match.end()
            else:
                bad.add(index)
        parts.append(line[at:])
        lines.append(tuple(p for p in parts if p != ""))
    bad |= set(holes) - seen  # dropped from the output: the value may matter
    if bad:
        return None, bad
    return _Template(tuple(lines), _blank_nodes_distinct(nquads)), set()


def _quads(nquads: str) -> list[str]:
    """The quads of an N-Quads text, each with its newline. Only ``\n`` ends a quad: pyld
    leaves U+2028, U+2029, U+0085, VT, FF and FS-RS unescaped inside literals, and
    ``str.splitlines`` would cut a literal there (then the sort interleaves its pieces)."""
    return [line + "\n" for line in nquads.split("\n")[:-1]] + (
        [tail] if (tail := nquads.rsplit("\n", 1)[-1]) else []
    )


def _blank_nodes_distinct(nquads: str) -> bool:
    """True when no two blank nodes share the multiset of (their positions in a quad, the
    predicate) over the quads that mention them.

    Their first-degree hash inputs (RDFC-1.0 §4.6: each quad mentioning the node, the node as
    ``_:a``, any other as ``_:z``) then differ in the predicates or the positions alone, for
    any values filled into the holes (holes are literals and IRIs, never blank nodes or
    predicates), so every first-degree hash is unique and RDFC-1.0 needs no N-degree step.
    """
    signatures: dict[str, list[tuple[str, str]]] = {}
    for line in _quads(nquads):
        terms = _quad_terms(line.rstrip("\n"))
        if terms is None:
            return False
        subject, predicate, obj, graph = terms
        labels = {t for t in (subject, obj, graph) if t.startswith("_:")}
        for label in labels:
            where = "".join(
                mark for mark, term in (("s", subject), ("o", obj), ("g", graph)) if term == label
            )
            signatures.setdefault(label, []).append((where, predicate))
    seen = {tuple(sorted(items)) for items in signatures.values()}
    return len(seen) == len(signatures)


def _quad_terms(line: str) -> tuple[str, str, str, str] | None:
    """Subject, predicate, object (literals as ``"``) and graph of one pyld N-Quads line."""
    subject, _, rest = line.partition(" ")
    predicate, _, rest = rest.partition(" ")
    if not rest.endswith(" ."):
        return None
    rest = rest[:-2]
    if rest.startswith('"'):
        end = rest.rfind('"')
        tail = rest[end + 1 :]
        obj, graph = '"', (tail.split(" ")[-1] if " " in tail else "")
    else:
        obj, _, graph = rest.partition(" ")
    terms = [subject, predicate] + ([] if obj == '"' else [obj]) + ([graph] if graph else [])
    if not all(_is_term(t) for t in terms) or not predicate.startswith("<"):
        return None  # not a line this reader understands: no claim about it
    return subject, predicate, obj, graph


def _is_term(term: str) -> bool:
    """An IRI ``<...>`` or a blank node ``_:x``, with no space, quote or bracket inside."""
    if term.startswith("_:"):
        body = term[2:]
    elif term.startswith("<") and term.endswith(">"):
        body = term[1:-1]
    else:
        return False
    return bool(body) and not any(c in body for c in ' "<>')


def _is_whole_literal(line: str, start: int, end: int) -> bool:
    """``<s> <p> "placeholder"`` followed by a datatype, a language tag or the graph/end."""
    return (
        start >= 2
        and line[start - 2 : start] == ' "'
        and line[end : end + 1] == '"'
        and line[end + 1 : end + 2] in (" ", "^", "@")
    )


def _is_datatype(line: str, start: int) -> bool:
    """The IRI around ``start`` is a literal's datatype (``"..."^^<IRI>``): never a hole, for
    its value changes the literal's text (pyld writes xsd:string and a language-less
    rdf:langString as no datatype, and canonicalizes a number typed xsd:double)."""
    opening = line.rfind("<", 0, start)
    return opening >= 2 and line[opening - 2 : opening] == "^^"


def _is_iri_tail(line: str, start: int, end: int) -> bool:
    """The token ends an IRI term ``<...token>`` (no space or quote between ``<`` and it)."""
    if line[end : end + 1] != ">":
        return False
    opening = line.rfind("<", 0, start)
    return opening >= 0 and not any(c in line[opening:start] for c in ' "')


def _recurring_iris(leaves: list[_Leaf]) -> dict[int, int]:
    """IRI leaves whose value an earlier IRI leaf has: index -> the earlier leaf's index."""
    first: dict[str, int] = {}
    recurring: dict[int, int] = {}
    for index, leaf in enumerate(leaves):
        if leaf.iri_head is not None:
            seen = first.setdefault(leaf.value, index)
            if seen != index:
                recurring[index] = seen
    return recurring


def _take_apart(document: Mapping[str, Any], pinned_terms: frozenset[str]) -> _Shape:
    """The shape key and the strings that may be holes, in one walk of the document.

    The key is a tuple naming, in document order, every object (its size and keys), array
    (its length), number, boolean, null and kept string, and for each hole candidate only its
    kind: bare, or the IRI prefix (and ``//``). Two documents with the same key differ only
    in the values of their hole candidates.
    """
    context = document.get("@context")
    try:
        parts: list[Any] = [json.dumps(context, ensure_ascii=False)]
    except (TypeError, ValueError):
        raise _Refused from None
    if MARKER in parts[0]:
        raise _Refused
    inline_terms = _keys_in(context)
    refused_keys = {"@index"} | _aliases_of("@index", context)
    leaves: list[_Leaf] = []
    append = parts.append

    def walk(value: Any, key: str | None) -> None:
        if isinstance(value, str):
            if MARKER in value:
                raise _Refused
            if _kept(value, key, pinned_terms, inline_terms):
                append("s" + value)
                return
            match = _IRI.match(value)
            head = f"{match.group(1)}:{match.group(2) or ''}" if match else None
            leaves.append(_Leaf(value, head))
            append("?" if head is None else "i" + head)
        elif isinstance(value, dict):
            append(len(value))
            for k, v in value.items():
                if not isinstance(k, str) or k == "@context" or MARKER in k:
                    raise _Refused  # a nested @context (or an odd key): pyld
                if k in refused_keys:
                    # pyld refuses two nodes of one IRI with other @index values; two IRI
                    # leaves that differ as text (``ex:a``, ``https://ex.org/a``) are two
                    # nodes in the template, one in the document
                    raise _Refused
                append("k" + k)
                walk(v, k)
        elif isinstance(value, list):
            append(("list", len(value)))
            for item in value:
                walk(item, key)
        elif value is None or isinstance(value, bool | int):
            append((type(value).__name__, value))
        elif isinstance(value, float):
            append(("float", repr(value)))  # -0.0 == 0.0, yet pyld writes them apart
        else:
            raise _Refused

    body = {k: v for k, v in document.items() if k != "@context"}
    walk(body, None)
    if len(parts) > _MAX_PARTS or len(leaves) > _MAX_LEAVES:
        raise _Refused  # not a credential-sized document: compiling it would not pay

    def rebuild(replacements: Mapping[int, str]) -> dict[str, Any]:
        counter = iter(range(len(leaves)))
        copy = _replace(body, None, replacements, counter, pinned_terms, inline_terms)
        return {"@context": context, **copy} if "@context" in document else copy

    return _Shape(tuple(parts), leaves, rebuild, _recurring_iris(leaves))


def _kept(
    value: str, key: str | None, pinned_terms: frozenset[str], inline_terms: frozenset[str]
) -> bool:
    """A string that is part of the shape as it is, never a hole: a value of a key that may
    select contexts or be a keyword, a keyword or blank node look-alike, or a term."""
    return (
        key in _VERBATIM_KEYS
        or value.startswith(("@", "_:"))
        or value in pinned_terms
        or value in inline_terms
    )


def _replace(
    value: Any,
    key: str | None,
    replacements: Mapping[int, str],
    counter: Iterator[int],
    pinned_terms: frozenset[str],
    inline_terms: frozenset[str],
) -> Any:
    """The body with hole candidates (numbered in the walk's order) swapped as asked."""
    if isinstance(value, str):
        if _kept(value, key, pinned_terms, inline_terms):
            return value
        return replacements.get(next(counter), value)
    if isinstance(value, dict):
        return {
            k: _replace(v, k, replacements, counter, pinned_terms, inline_terms)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_replace(v, key, replacements, counter, pinned_terms, inline_terms) for v in value]
    return value


def _aliases_of(keyword: str, context: Any) -> set[str]:
    """Terms of an inline context defined as ``keyword`` (``"t": "@index"`` or
    ``"t": {"@id": "@index"}``), at any depth (scoped contexts included)."""
    out: set[str] = set()
    stack = [context]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for k, v in item.items():
                if v == keyword or (isinstance(v, dict) and v.get("@id") == keyword):
                    out.add(k)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return out


def _keys_in(node: Any) -> frozenset[str]:
    """Every key of every object in an inline context (terms it may define)."""
    out: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            out.update(k for k in item if isinstance(k, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return frozenset(out)
