"""LinkedIn's "Add licence or certification" link: share pages and award e-mails offer it."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote, urlencode

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def linkedin_add_url(
    *,
    name: str,
    organization: str,
    issued: date | None,
    cert_url: str,
    cert_id: str,
    expires: date | None = None,
    organization_id: str | None = None,
) -> str:
    """LinkedIn's "Add licence or certification" link (startTask=CERTIFICATION_NAME).

    ``organization_id`` (LinkedIn's company id) makes the entry show the company's logo and
    link its page; without it LinkedIn shows only the name. ``certId`` is what the learner's
    profile prints as "Credential ID": the bare UUID, not the ``urn:uuid:`` form (RFC 9562).
    """
    params: list[tuple[str, str]] = [("startTask", "CERTIFICATION_NAME"), ("name", name)]
    if organization_id:
        params.append(("organizationId", organization_id))
    params.append(("organizationName", organization))
    if issued is not None:
        params += [("issueYear", str(issued.year)), ("issueMonth", str(issued.month))]
    if expires is not None:
        params += [("expirationYear", str(expires.year)), ("expirationMonth", str(expires.month))]
    params += [("certUrl", cert_url), ("certId", bare_id(cert_id))]
    return f"{LINKEDIN_ADD}?{urlencode(params, quote_via=quote)}"


def bare_id(credential_id: str) -> str:
    """``urn:uuid:1b4e…`` → ``1b4e…``; anything else unchanged."""
    return credential_id.removeprefix("urn:uuid:")
