"""Re-issue: a successor credential with the same awardedDate; the old one is superseded."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from sqlmodel import Session

from app.core.vc.models import is_open_badge
from app.credentials import repository as credentials
from app.credentials.credential_input import check_shape
from app.credentials.issuance import IssuanceService, IssueOptions
from app.credentials.status_changes import CredentialStatusService
from app.db import retrying
from app.errors import Conflict
from app.issuers import repository as orgs
from app.models import IssuedCredential
from app.models.enums import CredentialStatus

_REISSUED_FIELDS = ("proof", "credentialStatus", "id", "validFrom", "issuanceDate")

#: Rebuilds a credential's unsigned content from current data (e.g. the learner's new name).
Rebuilder = Callable[[Session, IssuedCredential], dict[str, Any]]


class Reissuer:
    def __init__(
        self,
        issuance: IssuanceService,
        status: CredentialStatusService,
        rebuilders: Mapping[str, Rebuilder] | None = None,
    ) -> None:
        self.issuance = issuance
        self.status = status
        #: By credential kind ("course", "program"); other kinds re-sign their old content.
        self.rebuilders: Mapping[str, Rebuilder] = dict(rebuilders or {})

    def reissue(
        self,
        session: Session,
        old: IssuedCredential,
        client_id: str | None,
        document: dict[str, Any] | None = None,
    ) -> IssuedCredential:
        """``document`` replaces the old content (e.g. rebuilt after a learner's name change).

        The old credential's row lock comes first, so two re-issues of it serialize: the
        second finds it revoked (superseded) and gets a 409.
        """
        if credentials.lock(session, old).status == CredentialStatus.REVOKED:
            raise Conflict("a revoked credential cannot be re-issued", field="status")
        org = orgs.by_id(session, old.org_id)
        assert org is not None
        if document is None and old.kind in self.rebuilders:
            document = self.rebuilders[old.kind](session, old)
        base = dict(document if document is not None else json.loads(old.document))
        for key in _REISSUED_FIELDS:
            base.pop(key, None)
        if is_open_badge(base) and old.awarded_date:
            base["awardedDate"] = old.awarded_date  # OB 3.0: the first award date is kept

        def unit() -> IssuedCredential:
            successor = self.issuance.issue(
                session,
                org,
                base,
                IssueOptions(),
                client_id=client_id,
                kind=old.kind,
            )
            successor.awarded_date = old.awarded_date
            old.superseded_by = successor.uuid
            session.add_all([successor, old])
            self.status.revoke(session, old, "superseded", client_id)
            return successor

        check_shape(base, self.issuance.limits)
        return retrying(session, unit)
