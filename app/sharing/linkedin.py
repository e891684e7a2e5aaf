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
) -> str:
    """LinkedIn's "Add licence or certification" link (startTask=CERTIFICATION_NAME)."""
    params: list[tuple[str, str]] = [
        ("startTask", "CERTIFICATION_NAME"),
        ("name", name),
        ("organizationName", organization),
    ]
    if issued is not None:
        params += [("issueYear", str(issued.year)), ("issueMonth", str(issued.month))]
    if expires is not None:
        params += [("expirationYear", str(expires.year)), ("expirationMonth", str(expires.month))]
    params += [("certUrl", cert_url), ("certId", cert_id)]
    return f"{LINKEDIN_ADD}?{urlencode(params, quote_via=quote)}"
