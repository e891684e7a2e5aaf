"""did:web (W3C CCG did:web Method Specification): a DID hosted at an HTTPS URL.

``did:web:<host>[%3A<port>][:<path>...]`` <-> ``https://<host>[:<port>]/<path>/did.json``, or
``https://<host>/.well-known/did.json`` when there is no path (§3.2 "Read (Resolve)").
The ``scheme`` override exists for loopback tests only; real did:web is always HTTPS.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote, unquote, urlsplit

from app.core.did.errors import INVALID_DID, DIDResolutionError

PREFIX = "did:web:"
_SCHEMES = ("https", "http")
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?$")
_SEGMENT = re.compile(r"^(?:[A-Za-z0-9._~!$&'()*+,;=@-]|%[0-9A-Fa-f]{2})+$")


def _encode_segment(segment: str) -> str:
    if segment in ("", ".", ".."):
        raise ValueError(f'path segment "{segment}" cannot be part of a did:web')
    return quote(segment, safe="")


def did_web_for_url(base_url: str, path_segments: Sequence[str] = ()) -> str:
    """The did:web for ``base_url`` plus ``path_segments`` (did:web §3.1 "Create").

    ``("http://127.0.0.1:8000", ["orgs", "acme"])`` -> ``did:web:127.0.0.1%3A8000:orgs:acme``.
    A path in ``base_url`` (an app mounted under a prefix) comes before ``path_segments``.
    """
    parts = urlsplit(base_url)
    if parts.scheme not in _SCHEMES or not parts.hostname:
        raise ValueError(f'"{base_url}" is not an http(s) URL with a host')
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(f'"{base_url}" must not have user info, a query or a fragment')
    if ":" in parts.hostname:
        raise ValueError(f'"{base_url}": IPv6 hosts cannot be expressed as did:web')
    domain = parts.hostname
    if parts.port is not None:
        domain += f"%3A{parts.port}"
    base_segments = [unquote(s) for s in parts.path.split("/") if s]
    segments = [_encode_segment(s) for s in [*base_segments, *path_segments]]
    return ":".join([PREFIX + domain, *segments])


def did_web_to_url(did: str, *, scheme: str = "https") -> str:
    """The URL of a did:web's DID document (did:web §3.2 "Read (Resolve)").

    1. replace ":" with "/"; 2. percent-decode the port colon; 3. prepend ``https://``;
    4. add ``/.well-known`` when there is no path; 5. append ``/did.json``.
    A fragment or query (a DID URL) is ignored.
    """
    if scheme not in _SCHEMES:
        raise ValueError(f'scheme must be one of {_SCHEMES}, not "{scheme}"')
    if not isinstance(did, str) or not did.startswith(PREFIX):
        raise DIDResolutionError(f'"{did}" is not a did:web DID', INVALID_DID)
    bare = re.split(r"[?#]", did, maxsplit=1)[0]
    domain, *path = bare[len(PREFIX) :].split(":")
    host = unquote(domain)
    if not _HOST.match(host):
        raise DIDResolutionError(f'"{did}": "{domain}" is not a valid did:web domain', INVALID_DID)
    for segment in path:
        if not _SEGMENT.match(segment) or unquote(segment) in (".", ".."):
            raise DIDResolutionError(
                f'"{did}": path segment "{segment}" is not valid in a did:web', INVALID_DID
            )
    location = "/" + "/".join(path) if path else "/.well-known"
    return f"{scheme}://{host}{location}/did.json"
