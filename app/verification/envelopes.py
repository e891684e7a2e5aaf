"""The object around an enveloped credential or presentation (VC DM 2.0 §4.13, VC-JOSE-COSE
§3.1-3.2): ``{"@context", "id": "data:application/vc+jwt,...", "type"}``.

VC DM 2.0 §4.3 and §4.13: ``@context`` is present and is an ordered set whose first item is
``https://www.w3.org/ns/credentials/v2`` (the context defining ``EnvelopedVerifiableCredential``;
the single string of that URL is the one-item form); every further item is a context this
verifier knows (pinned) or an inline object. Anything else, ``[]`` included, is a data model
error: the envelope is not a VC 2.0 object, whatever the token inside says.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import Any

from app.core.vocabulary import VC_V2


def envelope_context_problem(
    envelope: Mapping[str, Any], known: Container[str], kind: str = "EnvelopedVerifiableCredential"
) -> str | None:
    """Why the envelope's ``@context`` is not allowed, or None when it is."""
    if "@context" not in envelope:
        return f'the {kind} has no "@context"; it must start with "{VC_V2}"'
    context = envelope["@context"]
    if isinstance(context, str):
        context = [context]
    if not isinstance(context, list) or not context:
        return f'the {kind} "@context" must be a non-empty list starting with "{VC_V2}"'
    if context[0] != VC_V2:
        return f'the {kind} "@context" must start with "{VC_V2}", not {context[0]!r}'
    for item in context[1:]:
        if isinstance(item, dict):
            continue
        if not isinstance(item, str):
            return f'the {kind} "@context" holds {item!r}: a context is a URL or an object'
        if item not in known:
            return f'the {kind} "@context" names "{item}", a context this verifier does not know'
    return None
