"""The scopes of the 1EdTech OB 3.0 API (§7.1.1, App. "Scopes") and the CLR 2.0 API."""

from __future__ import annotations

from app.core.marking import N_

OB = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
CLR = "https://purl.imsglobal.org/spec/clr/v2p0/scope/"

OB_CREDENTIAL_READONLY = OB + "credential.readonly"
OB_CREDENTIAL_UPSERT = OB + "credential.upsert"
OB_PROFILE_READONLY = OB + "profile.readonly"
OB_PROFILE_UPDATE = OB + "profile.update"
CLR_CREDENTIAL_READONLY = CLR + "credential.readonly"
CLR_CREDENTIAL_UPSERT = CLR + "credential.upsert"
CLR_PROFILE_READONLY = CLR + "profile.readonly"
CLR_PROFILE_UPDATE = CLR + "profile.update"

#: scope -> what the consent page tells the learner.
DESCRIPTIONS: dict[str, str] = {
    OB_CREDENTIAL_READONLY: N_("Read your Open Badges credentials"),
    OB_CREDENTIAL_UPSERT: N_("Add Open Badges credentials you received elsewhere to your record"),
    OB_PROFILE_READONLY: N_("Read your profile"),
    OB_PROFILE_UPDATE: N_("Change your profile"),
    CLR_CREDENTIAL_READONLY: N_("Read your Comprehensive Learner Records (CLR)"),
    CLR_CREDENTIAL_UPSERT: N_("Add Comprehensive Learner Records you received elsewhere"),
    CLR_PROFILE_READONLY: N_("Read your profile (CLR API)"),
    CLR_PROFILE_UPDATE: N_("Change your profile (CLR API)"),
}
OB_SCOPES = (OB_CREDENTIAL_READONLY, OB_CREDENTIAL_UPSERT, OB_PROFILE_READONLY, OB_PROFILE_UPDATE)
CLR_SCOPES = (
    CLR_CREDENTIAL_READONLY,
    CLR_CREDENTIAL_UPSERT,
    CLR_PROFILE_READONLY,
    CLR_PROFILE_UPDATE,
)
SUPPORTED = frozenset(DESCRIPTIONS)


def parse(scope: str | None) -> list[str]:
    """Scope tokens in order, each once (RFC 6749 §3.3: space-delimited, order irrelevant)."""
    out: list[str] = []
    for token in (scope or "").split(" "):
        if token and token not in out:
            out.append(token)
    return out
