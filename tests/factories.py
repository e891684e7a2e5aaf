"""Test data through the real services (no hand-made rows)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from app.container import Services
from app.db import session_scope
from app.issuers.clients import create_client
from app.issuers.organizations import create_organization
from app.models import Organization

OB_CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
]


def open_badge(name: str = "Introduction to Cryptography", **subject: Any) -> dict[str, Any]:
    """An unsigned OB 3.0 credential as an LMS would submit it (issuer and id left out)."""
    credential_subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://lms.example.edu/courses/crypto-101",
            "type": ["Achievement"],
            "name": name,
            "description": "Awarded for passing the course with a grade of at least 70%.",
            "criteria": {"narrative": "Pass every graded assignment and the final exam."},
            "achievementType": "Course",
        },
        "identifier": [
            {
                "type": "IdentityObject",
                "hashed": True,
                "identityHash": "sha256$" + "c0ffee" + "0" * 58,
                "identityType": "emailAddress",
                "salt": "pepper",
            }
        ],
    }
    credential_subject.update(subject)
    return {
        "@context": list(OB_CONTEXTS),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name,
        "credentialSubject": credential_subject,
        "credentialSchema": [
            {
                "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
                "ob_v3p0_achievementcredential_schema.json",
                "type": "1EdTechJsonSchemaValidator2019",
            }
        ],
    }


@dataclass
class ApiCaller:
    client_id: str
    secret: str
    token: str
    org: Organization

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Factory:
    def __init__(self, services: Services, client: TestClient) -> None:
        self.services = services
        self.client = client

    def org(self, slug: str = "acme", **fields: Any) -> Organization:
        with session_scope(self.services.engine) as session:
            return create_organization(
                session,
                self.services.keyring,
                slug=slug,
                name=fields.pop("name", slug.title() + " University"),
                **fields,
            )

    def caller(self, slug: str = "acme", scopes: list[str] | None = None) -> ApiCaller:
        with session_scope(self.services.engine) as session:
            from app.issuers.repository import by_slug

            org = by_slug(session, slug) or self.org(slug)
            client, secret = create_client(session, org, scopes)
        response = self.client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client.client_id, secret),
        )
        assert response.status_code == 200, response.text
        return ApiCaller(client.client_id, secret, response.json()["access_token"], org)

    def issue(self, caller: ApiCaller, credential: dict[str, Any] | None = None) -> dict[str, Any]:
        body = {"credential": copy.deepcopy(credential or open_badge())}
        response = self.client.post("/credentials/issue", json=body, headers=caller.headers)
        assert response.status_code == 201, response.text
        return response.json()["verifiableCredential"]  # type: ignore[no-any-return]
