"""Issuer keys for anyone's verifier: DID documents (did:web) and JWKS."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from app.core.did.document import PublishedKey, build_did_document
from app.deps import ServicesDep, SessionDep
from app.errors import NotFound
from app.http import media
from app.http.guard import GuardedRoute
from app.issuers.keys.keyring import public_key_of
from app.issuers.organizations import organization_by_slug
from app.models import SigningKey

router = APIRouter(tags=["identity"], route_class=GuardedRoute)

#: Short enough that a key rotation is visible within minutes (issue: key lifecycle).
CACHE = "public, max-age=300"


def _json(body: dict[str, Any], media_type: str) -> Response:
    return Response(
        json.dumps(body, indent=2),
        media_type=media_type,
        headers={"Cache-Control": CACHE, "Access-Control-Allow-Origin": "*"},
    )


def _did_document(did: str, published: list[SigningKey]) -> dict[str, Any]:
    return build_did_document(
        did,
        [
            PublishedKey(k.fragment, public_key_of(k), ("assertionMethod", "authentication"))
            for k in published
        ],
    )


def _jwks(published: list[SigningKey], did: str | None = None) -> dict[str, Any]:
    """Each key under its fragment; with the organization's did:web, also under the DID URL
    that its VC-JWTs carry as ``kid``, so a plain JWKS client (e.g. PyJWT's) finds it."""
    out = []
    for key in published:
        kids = [key.fragment, f"{did}#{key.fragment}"] if did else [key.fragment]
        for kid in kids:
            jwk = json.loads(key.public_jwk)
            jwk.update({"kid": kid, "use": "sig"})
            out.append(jwk)
    return {"keys": out}


@router.get("/.well-known/did.json", summary="The instance's did:web document")
def instance_did(session: SessionDep, services: ServicesDep) -> Response:
    did = services.identity.instance_did()
    return _json(_did_document(did, services.keys.published(session, None)), media.DID_JSON)


@router.get("/orgs/{slug}/did.json", summary="An organization's did:web document")
def org_did(slug: str, session: SessionDep, services: ServicesDep) -> Response:
    org = organization_by_slug(session, slug)
    if org is None:
        raise NotFound(f'no organization "{slug}"', field="slug")
    did = services.identity.org_web_did(org)
    return _json(_did_document(did, services.keys.published(session, org.id)), media.DID_JSON)


@router.get("/.well-known/jwks.json", summary="Every published issuer key as a JWK Set")
def jwks(session: SessionDep, services: ServicesDep) -> Response:
    return _json(_jwks(services.keys.all_published(session)), media.JWK_SET)


@router.get("/orgs/{slug}/jwks.json", summary="An organization's published keys as a JWK Set")
def org_jwks(slug: str, session: SessionDep, services: ServicesDep) -> Response:
    org = organization_by_slug(session, slug)
    if org is None:
        raise NotFound(f'no organization "{slug}"', field="slug")
    did = services.identity.org_web_did(org) if org.did_method == "web" else None
    return _json(_jwks(services.keys.published(session, org.id), did), media.JWK_SET)


@router.get("/orgs/{slug}/keys/{kid}", summary="One published key as a bare JWK (VC-JWT kid)")
def org_key(slug: str, kid: str, session: SessionDep, services: ServicesDep) -> Response:
    org = organization_by_slug(session, slug)
    key = services.keys.published_key(session, org, kid) if org is not None else None
    if org is None or key is None:
        raise NotFound(f'no published key "{kid}" for "{slug}"', field="kid")
    jwk = json.loads(key.public_jwk)
    jwk.update({"kid": key.fragment, "use": "sig"})
    return _json(jwk, "application/jwk+json")
