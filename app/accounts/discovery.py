"""Service Description Documents of the OB 3.0 API (§7.3.1 "Service Discovery") and the
CLR 2.0 API: OpenAPI 3.0 documents a host reads to find the registration, authorization and
token URLs and the scopes before it connects (``GET .../discovery``, unauthenticated)."""

from __future__ import annotations

from typing import Any, Literal

from app.accounts import api_scopes

Api = Literal["ob", "clr"]

REGISTER_PATH = "/oauth2/register"
AUTHORIZE_PATH = "/oauth2/authorize"
TOKEN_PATH = "/oauth2/token"
REVOKE_PATH = "/oauth2/revoke"
BASE_PATHS = {"ob": "/ims/ob/v3p0", "clr": "/ims/clr/v2p0"}
_TITLES = {"ob": "Open Badges API", "clr": "Comprehensive Learner Record API"}
_VERSIONS = {"ob": "3.0", "clr": "2.0"}


def _operation(op_id: str, scope: str, ok: str, tag: str) -> dict[str, Any]:
    return {
        "operationId": op_id,
        "tags": [tag],
        "security": [{"OAuth2ACG": [scope]}],
        "responses": {
            ok: {"description": "success"},
            "default": {
                "description": "An Imsx_StatusInfo error",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
        },
    }


def discovery_document(
    api: Api, base_url: str, privacy_policy_url: str, terms_of_service_url: str
) -> dict[str, Any]:
    scopes = api_scopes.OB_SCOPES if api == "ob" else api_scopes.CLR_SCOPES
    read, upsert, profile_read, profile_update = scopes
    tag = "OpenBadgeCredentials" if api == "ob" else "ClrCredentials"
    return {
        "openapi": "3.0.1",
        "info": {
            "title": _TITLES[api],
            "description": f"Laurel: the 1EdTech {_TITLES[api]} {_VERSIONS[api]} (Service "
            "Provider, read and write)",
            "termsOfService": terms_of_service_url,
            "version": _VERSIONS[api],
            "x-imssf-privacyPolicyUrl": privacy_policy_url,
        },
        "servers": [{"url": base_url + BASE_PATHS[api], "description": "Laurel"}],
        "tags": [{"name": tag}, {"name": "Profile"}, {"name": "Discovery"}],
        "paths": {
            "/credentials": {
                "get": _operation("getCredentials", read, "200", tag)
                | {
                    "parameters": [
                        {"name": n, "in": "query", "required": False, "schema": s}
                        for n, s in (
                            ("limit", {"type": "integer", "minimum": 1}),
                            ("offset", {"type": "integer", "minimum": 0}),
                            ("since", {"type": "string", "format": "date-time"}),
                        )
                    ]
                },
                "post": _operation("upsertCredential", upsert, "201", tag),
            },
            "/profile": {
                "get": _operation("getProfile", profile_read, "200", "Profile"),
                "put": _operation("putProfile", profile_update, "200", "Profile"),
            },
            "/discovery": {
                "get": {
                    "operationId": "getServiceDescription",
                    "tags": ["Discovery"],
                    "responses": {"200": {"description": "this document"}},
                }
            },
        },
        "components": {
            "securitySchemes": {
                "OAuth2ACG": {
                    "type": "oauth2",
                    "description": "OAuth 2.0 Authorization Code Grant with PKCE (S256); "
                    "clients register dynamically (RFC 7591).",
                    "x-imssf-registrationUrl": base_url + REGISTER_PATH,
                    "flows": {
                        "authorizationCode": {
                            "authorizationUrl": base_url + AUTHORIZE_PATH,
                            "tokenUrl": base_url + TOKEN_PATH,
                            "refreshUrl": base_url + TOKEN_PATH,
                            "x-imssf-revocationUrl": base_url + REVOKE_PATH,
                            "scopes": {s: api_scopes.DESCRIPTIONS[s] for s in scopes},
                        }
                    },
                }
            }
        },
    }
