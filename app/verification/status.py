"""Status checks (BSL §3.2): fetch the list, verify its proof, read the entry's bit."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from app.core.proofs.data_integrity import DataIntegrityEngine
from app.core.status.credential import read_status
from app.status_lists.service import StatusListService
from app.verification.report import Check

#: (session, list URL) -> the list credential, or None when it cannot be fetched.
ListFetcher = Callable[[Session, str], dict[str, Any] | None]


class StatusChecker:
    def __init__(
        self,
        engine: DataIntegrityEngine,
        lists: StatusListService,
        key_resolver: Callable[[Session], Any],
        remote_fetch: ListFetcher | None = None,
    ) -> None:
        self.engine = engine
        self.lists = lists
        self.key_resolver = key_resolver
        self.remote_fetch = remote_fetch

    def checks(self, session: Session, credential: dict[str, Any]) -> list[Check]:
        entries = credential.get("credentialStatus")
        if entries is None:
            return []
        entries = entries if isinstance(entries, list) else [entries]
        return [self._check_entry(session, e) for e in entries]

    def _check_entry(self, session: Session, entry: Any) -> Check:
        if not isinstance(entry, dict):
            return Check(
                "status", False, "credentialStatus entries must be objects", "MALFORMED_VALUE_ERROR"
            )
        purpose = str(entry.get("statusPurpose") or "status")
        url = entry.get("statusListCredential")
        if entry.get("type") not in ("BitstringStatusListEntry", "StatusList2021Entry"):
            return Check(
                purpose,
                False,
                f'unsupported status type "{entry.get("type")}"',
                "STATUS_VERIFICATION_ERROR",
            )
        if not isinstance(url, str):
            return Check(purpose, False, "statusListCredential is missing", "MALFORMED_VALUE_ERROR")
        list_credential = self._fetch(session, url)
        if list_credential is None:
            return Check(
                purpose,
                False,
                f"the status list {url} could not be retrieved",
                "STATUS_RETRIEVAL_ERROR",
            )
        proofs = self.engine.verify(list_credential, self.key_resolver(session))
        if not all(p.verified for p in proofs):
            failed = next(p for p in proofs if not p.verified)
            return Check(
                purpose,
                False,
                f"the status list's proof does not verify: {failed.message}",
                "STATUS_VERIFICATION_ERROR",
            )
        result = read_status(entry, list_credential)
        if result.code:
            return Check(purpose, False, result.detail, result.code)
        if result.valid:
            return Check(purpose, True, _ok_message(purpose))
        return Check(purpose, False, _set_message(purpose), _set_code(purpose))

    def _fetch(self, session: Session, url: str) -> dict[str, Any] | None:
        prefix = f"{self.lists.identity.base_url}/status/"
        if url.startswith(prefix):
            published = self.lists.published(session, url.removeprefix(prefix))
            return json.loads(published[0]) if published else None
        if self.remote_fetch is None:
            return None
        return self.remote_fetch(session, url)


def _ok_message(purpose: str) -> str:
    return {"revocation": "not revoked", "suspension": "not suspended"}.get(
        purpose, f"{purpose} status is clear"
    )


def _set_message(purpose: str) -> str:
    return {
        "revocation": "the credential has been revoked",
        "suspension": "the credential is suspended",
    }.get(purpose, f"{purpose} status is set")


def _set_code(purpose: str) -> str:
    return {"revocation": "REVOKED", "suspension": "SUSPENDED"}.get(purpose, "STATUS_SET")
