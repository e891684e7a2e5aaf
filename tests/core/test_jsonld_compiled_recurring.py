"""Adversarial shapes for the JSON-LD templates: planted recurring IRIs, compact and full
forms of one IRI, datatypes and keyword aliases (a reviewer's attacks, kept as tests).

Each generated document is a node tree over an inline context with every kind of position (an
``@id``, a ``@type: @id`` term, a ``@type: @vocab`` term, a literal, a value object with an
aliased ``@type``, an xsd:double literal, a reverse property, an aliased ``@index``); its
strings come from a small pool, so values recur across positions and prefixes. Two fillings
of one skeleton often share a shape key: the compiled path must then give pyld's N-Quads, or
the same refusal, byte for byte.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.core.jsonld import FastCanonicalizer, JsonLdError, JsonLdProcessor, SafeModeCanonicalizer
from tests.core.test_jsonld_compiled import _STORE, VC2, _compiled, _fresh

XSD = "http://www.w3.org/2001/XMLSchema#"
NS = "https://example.org/ns#"
CONTEXT: list[Any] = [
    VC2,
    {
        "ex": NS,
        "xsd": XSD,
        "link": {"@id": "ex:link", "@type": "@id"},
        "voc": {"@id": "ex:voc", "@type": "@vocab"},
        "lit": "ex:lit",
        "dbl": {"@id": "ex:dbl", "@type": "xsd:double"},
        "kind": "@type",
        "idx": "@index",
        "up": {"@reverse": "ex:down"},
        "g": {"@id": "ex:g", "@container": "@graph"},
        "j": {"@id": "ex:j", "@type": "@json"},
        "lang": {"@id": "ex:lang", "@language": "en"},
        "uri": {"@id": "ex:uri", "@type": "xsd:anyURI"},
    },
]
POOL = [
    "ex:a",
    NS + "a",
    "ex:b",
    NS + "b",
    "https://u.example/x",
    "https://u.example/x#grade",
    "did:web:u.example",
    "urn:x:1",
    "rel/a",
    "plain",
    "5",
    "ex:",
    XSD + "string",
    XSD + "double",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString",
]
_VALUE = st.sampled_from(POOL)


@st.composite
def skeletons(draw: Any, depth: int = 0) -> dict[str, Any]:
    """A node object whose strings are slots ("?"), filled later from ``POOL``."""
    node: dict[str, Any] = {}
    if draw(st.booleans()):
        node["id"] = "?"
    if draw(st.integers(0, 3)) == 0:
        node["kind"] = "?"
    if draw(st.integers(0, 4)) == 0:
        node["idx"] = "i1"
    keys = draw(
        st.lists(
            st.sampled_from(
                ["link", "voc", "lit", "dbl", "up", "ex:other", "g", "j", "lang", "uri"]
            ),
            max_size=5,
            unique=True,
        )
    )
    for key in keys:
        choice = draw(st.integers(0, 4 if depth < 2 else 2))
        if key == "j":
            node[key] = {"k": "?", "l": ["?"]}
        elif choice == 0:
            node[key] = "?"
        elif choice == 1:
            node[key] = ["?", "?"]
        elif choice == 2:
            node[key] = {"@value": "?", "kind": "?"}
        else:
            node[key] = draw(skeletons(depth + 1))
    return node


def _fill(node: Any, values: list[str], at: list[int]) -> Any:
    if node == "?":
        at[0] += 1
        return values[(at[0] - 1) % len(values)]
    if isinstance(node, dict):
        return {k: _fill(v, values, at) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill(v, values, at) for v in node]
    return node


def _document(skeleton: dict[str, Any], values: list[str]) -> dict[str, Any]:
    body = _fill(skeleton, values, [0])
    return {"@context": CONTEXT, "type": "VerifiableCredential", "credentialSubject": body}


def _pyld(processor: JsonLdProcessor, document: dict[str, Any]) -> str:
    try:
        return processor.pyld_nquads(document)
    except (JsonLdError, TypeError) as exc:  # pyld 3.3 raises TypeError on equal @index twice
        return f"refused: {exc}"


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    skeleton=skeletons(),
    first=st.lists(_VALUE, min_size=12, max_size=12),
    second=st.lists(_VALUE, min_size=12, max_size=12),
)
def test_planted_recurrences_give_pyld_nquads(
    skeleton: dict[str, Any], first: list[str], second: list[str]
) -> None:
    processor = _fresh()
    one, two = _document(skeleton, first), _document(skeleton, second)
    try:
        compiled = _compiled(processor, one, two)
    except (JsonLdError, TypeError):
        compiled = None
    event("compiled" if compiled is not None else "pyld")
    if compiled is not None:
        assert compiled == _pyld(processor, two)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    skeleton=skeletons(),
    first=st.lists(_VALUE, min_size=12, max_size=12),
    second=st.lists(_VALUE, min_size=12, max_size=12),
)
def test_planted_recurrences_canonicalize_as_the_uncompiled_path(
    skeleton: dict[str, Any], first: list[str], second: list[str]
) -> None:
    processor = _fresh()
    uncompiled = JsonLdProcessor(_STORE, compiled=False)

    def outcome(p: JsonLdProcessor, document: dict[str, Any]) -> str:
        try:
            return SafeModeCanonicalizer(FastCanonicalizer(p), p).canonicalize(document)
        except Exception as exc:  # the same refusal, whatever it is
            return f"{type(exc).__name__}"

    one, two = _document(skeleton, first), _document(skeleton, second)
    for document in (one, one, two):
        got = outcome(processor, document)
    assert got == outcome(uncompiled, two)


def _typed(value: Any, datatype: str | None = None, key: str = "dbl") -> dict[str, Any]:
    body: dict[str, Any] = (
        {key: value} if datatype is None else {"lit": {"@value": value, "kind": datatype}}
    )
    return {"@context": CONTEXT, "type": "VerifiableCredential", "credentialSubject": body}


def test_a_string_typed_xsd_double_is_not_a_hole() -> None:
    """pyld 3 writes the string "5" typed xsd:double as "5.0E0": the text depends on the
    value, so a template filled with "5" must not say "5"."""
    processor = _fresh()
    assert _compiled(processor, _typed("abc"), _typed("5")) in (None, _pyld(processor, _typed("5")))
    assert processor.to_nquads(_typed("5")) == _pyld(processor, _typed("5"))
    assert '"5.0E0"' in processor.to_nquads(_typed("5"))


def test_a_datatype_is_not_a_hole() -> None:
    """A value object's datatype through an alias of @type: xsd:string and a language-less
    rdf:langString are written as no datatype, and a number typed xsd:double is rewritten."""
    for value, datatype in (
        ("x", XSD + "string"),
        ("x", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"),
        (5, XSD + "double"),
    ):
        processor = _fresh()
        template_from = _typed(value, "http://ex.org/dt")
        document = _typed(value, datatype)
        assert _compiled(processor, template_from, document) in (None, _pyld(processor, document))
        assert processor.to_nquads(document) == _pyld(processor, document)


def test_two_spellings_of_one_node_with_other_indexes_are_refused_as_pyld_does() -> None:
    """``ex:a`` and its full IRI are one node to pyld, two in a template: with other @index
    values pyld refuses the document (conflicting indexes); the template must not answer."""
    processor = _fresh()

    def doc(second_id: str) -> dict[str, Any]:
        return {
            "@context": CONTEXT,
            "type": "VerifiableCredential",
            "link": {"id": "ex:a", "idx": "1"},
            "voc": {"id": second_id, "idx": "2"},
        }

    attack = doc(NS + "a")
    assert _compiled(processor, doc(NS + "b"), attack) is None
    assert _pyld(processor, attack).startswith("refused")


def test_a_recurring_iri_whose_first_sighting_is_kept_verbatim() -> None:
    """The IRI first in a JSON literal (its placeholder is no plain hole: kept verbatim), then
    as a node id, a literal and a ``@type: @vocab`` value: all its places keep the value."""
    processor = _fresh()

    def doc(iri: str, other: str) -> dict[str, Any]:
        return {
            "@context": CONTEXT,
            "type": "VerifiableCredential",
            "j": {"k": iri},
            "credentialSubject": {"id": iri, "lit": iri, "voc": iri, "link": other},
        }

    first = doc("https://u.example/x", "https://u.example/y")
    same_iri = doc("https://u.example/x", "https://u.example/z")
    other_iri = doc("https://u.example/q", "https://u.example/z")
    for document in (same_iri, other_iri):
        compiled = _compiled(processor, first, document)
        assert compiled is None or compiled == _pyld(processor, document)
    assert _compiled(processor, first, same_iri) is not None
