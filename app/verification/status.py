"""Status checks: BSL §3.2 (BitstringStatusListEntry, StatusList2021Entry), 1EdTechRevocationList.

For a status list: fetch the list credential (our own from the database, others' through the
guarded fetcher), verify its proof with a key its issuer controls, then ``read_status`` matches
the purpose, checks the length (``STATUS_LIST_LENGTH_ERROR``) and reads the bit. A verified list
is remembered by the sha256 of its bytes, so the proof of an unchanged list is checked once, and
so is its parsed JSON (parsed once); its decoded bitstring is memoized by ``read_status``. The
list itself is read from the store (or fetched) on every check: a revocation shows at once.

1EdTech Revocation List Status Method 1.0 (named by OB 3.0 §B.1.22): the entry's ``id`` is
the URL of a JSON ``RevocationList`` ``{id, issuer, revokedCredentials: [{id, revocationReason?}]}``
served over HTTPS; the credential is revoked when its ``id`` is listed.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from app.core.jsonld import JsonLdError
from app.core.proofs.data_integrity import DataIntegrityEngine, ProofCheck, parse_datetime
from app.core.status.credential import read_status
from app.core.text_input import find_bad_string
from app.credentials.status_lists import StatusListService
from app.verification.fetch import FetchError
from app.verification.keys import KeyResolver
from app.verification.report import Check

#: (session, list URL) -> the list's JSON text; raises ``FetchError`` when it cannot be had.
ListFetcher = Callable[[Session, str], str]

STATUS_LIST_TYPES = ("BitstringStatusListEntry", "StatusList2021Entry")
REVOCATION_LIST_1EDTECH = "1EdTechRevocationList"
_VERIFIED_CACHE = 64
#: Parsed lists kept by the sha256 of their text (a list of 131,072 entries is ~16 KB parsed).
_PARSED_CACHE = 32
#: How long a list's checked proof is trusted without checking again (a key may be revoked).
_VERIFIED_TTL = 300.0
#: Clocks differ: a status list dated up to this far ahead is taken as valid from now.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class StatusOutcome:
    """One entry's check plus the VCALM ``results.credentialStatus`` item."""

    check: Check
    result: dict[str, Any]


class StatusChecker:
    def __init__(
        self,
        engine: DataIntegrityEngine,
        lists: StatusListService,
        key_resolver: Callable[[Session], KeyResolver],
        remote_fetch: ListFetcher | None = None,
    ) -> None:
        self.engine = engine
        self.lists = lists
        self.key_resolver = key_resolver
        self.remote_fetch = remote_fetch
        self._verified: OrderedDict[str, tuple[float, ProofCheck, str | None]] = OrderedDict()
        self._parsed_lists: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def checks(self, session: Session, credential: dict[str, Any]) -> list[Check]:
        return [o.check for o in self.outcomes(session, credential)]

    def outcomes(
        self, session: Session, credential: dict[str, Any], now: datetime | None = None
    ) -> list[StatusOutcome]:
        entries = credential.get("credentialStatus")
        if entries is None:
            return []
        entries = entries if isinstance(entries, list) else [entries]
        return [self._check_entry(session, credential, e, now) for e in entries]

    def _check_entry(
        self, session: Session, credential: dict[str, Any], entry: Any, now: datetime | None
    ) -> StatusOutcome:
        if not isinstance(entry, dict):
            check = Check(
                "status", False, "credentialStatus entries must be objects", "MALFORMED_VALUE_ERROR"
            )
            return StatusOutcome(check, {"valid": False})
        entry_type = entry.get("type")
        types = entry_type if isinstance(entry_type, list) else [entry_type]
        if REVOCATION_LIST_1EDTECH in types:
            return self._revocation_list(session, credential, entry)
        purpose = str(entry.get("statusPurpose") or "status")
        result: dict[str, Any] = {"type": entry_type, "statusPurpose": purpose, "valid": False}
        if not any(t in STATUS_LIST_TYPES for t in types):
            msg = f'status type "{entry_type}" is not supported, so the status is unknown'
            return StatusOutcome(Check(purpose, False, msg, "STATUS_VERIFICATION_ERROR"), result)
        url = entry.get("statusListCredential")
        if not isinstance(url, str):
            msg = '"statusListCredential" is missing'
            return StatusOutcome(Check(purpose, False, msg, "MALFORMED_VALUE_ERROR"), result)
        result["statusListCredential"] = url
        try:
            text = self._fetch(session, url)
        except FetchError as exc:
            msg = f"the status list {url} could not be retrieved: {exc}"
            return StatusOutcome(Check(purpose, False, msg, "STATUS_RETRIEVAL_ERROR"), result)
        digest = hashlib.sha256(text.encode()).hexdigest()
        try:
            list_credential = self._parsed(digest, text)
        except (ValueError, RecursionError) as exc:
            msg = f"the status list {url} is not usable JSON: {exc}"
            return StatusOutcome(Check(purpose, False, msg, "STATUS_VERIFICATION_ERROR"), result)
        problem = self._verify_list(session, digest, list_credential, credential)
        if problem is not None:
            return StatusOutcome(
                Check(purpose, False, problem, "STATUS_VERIFICATION_ERROR"), result
            )
        status = read_status(entry, list_credential, now=_list_now(list_credential, now))
        if status.code:
            msg = f"the status could not be read: {status.detail}"
            return StatusOutcome(Check(purpose, False, msg, status.code), result)
        result.update({"status": status.status, "valid": status.valid})
        if status.message and status.message not in ("set", "unset"):
            result["message"] = status.message
        if status.valid:
            return StatusOutcome(Check(purpose, True, _ok_message(purpose)), result)
        return StatusOutcome(
            Check(purpose, False, _set_message(purpose), _set_code(purpose)), result
        )

    def _verify_list(
        self,
        session: Session,
        digest: str,
        list_credential: Any,
        credential: dict[str, Any],
    ) -> str | None:
        """Why the list's proof is not acceptable (BSL §3.2 step 4), or None."""
        if not isinstance(list_credential, dict):
            return "the status list is not a JSON object"
        now = time.monotonic()
        with self._lock:
            cached = self._verified.get(digest)
        if cached is None or cached[0] < now:
            proof, controller = self._check_list_proof(session, list_credential)
            with self._lock:
                self._verified[digest] = (now + _VERIFIED_TTL, proof, controller)
                while len(self._verified) > _VERIFIED_CACHE:
                    self._verified.popitem(last=False)
        else:
            _, proof, controller = cached
        if not proof.verified:
            return f"the status list's proof does not verify: {proof.message}"
        issuer = _issuer_id(list_credential)
        if controller != issuer:
            return f'the status list is signed by "{controller}", not by its issuer "{issuer}"'
        if issuer != _issuer_id(credential):
            return f'the status list is issued by "{issuer}", not by the credential\'s issuer'
        return None

    def _parsed(self, digest: str, text: str) -> Any:
        """The list's JSON, parsed once per distinct text (by sha256): the same bytes give the
        same value, so an unchanged list is neither parsed nor scanned again. Callers only
        read it (``read_status`` and the proof check never modify a document)."""
        with self._lock:
            cached = self._parsed_lists.get(digest)
            if cached is not None:
                self._parsed_lists.move_to_end(digest)
                return cached
        value = _load_json(text)
        with self._lock:
            self._parsed_lists[digest] = value
            while len(self._parsed_lists) > _PARSED_CACHE:
                self._parsed_lists.popitem(last=False)
        return value

    def _check_list_proof(
        self, session: Session, list_credential: dict[str, Any]
    ) -> tuple[ProofCheck, str | None]:
        resolver = self.key_resolver(session)
        try:
            proofs = self.engine.verify(
                list_credential, resolver, expected_proof_purpose="assertionMethod"
            )
        except (JsonLdError, ValueError) as exc:
            return ProofCheck(False, "MALFORMED_PROOF_ERROR", str(exc)), None
        failed = next((p for p in proofs if not p.verified), None)
        if failed is not None:
            return failed, None
        controllers = {
            resolver.resolved[p.verification_method].controller
            for p in proofs
            if p.verification_method in resolver.resolved
        }
        return proofs[0], controllers.pop() if len(controllers) == 1 else None

    def _fetch(self, session: Session, url: str) -> str:
        prefix = f"{self.lists.identity.base_url}/status/"
        if url.startswith(prefix):
            published = self.lists.published(session, url.removeprefix(prefix))
            if published is None:
                raise FetchError(url, f"{url} is not one of our status lists")
            return published[0]
        if self.remote_fetch is None:
            raise FetchError(url, "fetching other issuers' status lists is not enabled")
        return self.remote_fetch(session, url)

    # -- 1EdTech Revocation List ---------------------------------------------------------

    def _revocation_list(
        self, session: Session, credential: dict[str, Any], entry: dict[str, Any]
    ) -> StatusOutcome:
        url = entry.get("id")
        result: dict[str, Any] = {"type": REVOCATION_LIST_1EDTECH, "valid": False}
        if not isinstance(url, str):
            msg = "the 1EdTechRevocationList entry has no id (the list URL)"
            return StatusOutcome(Check("revocation", False, msg, "MALFORMED_VALUE_ERROR"), result)
        result["id"] = url
        try:
            document = _load_json(self._fetch(session, url))
        except FetchError as exc:
            msg = f"the revocation list {url} could not be retrieved: {exc}"
            return StatusOutcome(Check("revocation", False, msg, "STATUS_RETRIEVAL_ERROR"), result)
        except (ValueError, RecursionError) as exc:
            msg = f"the revocation list {url} is not usable JSON: {exc}"
            return StatusOutcome(
                Check("revocation", False, msg, "STATUS_VERIFICATION_ERROR"), result
            )
        revoked = document.get("revokedCredentials") if isinstance(document, dict) else None
        if not isinstance(revoked, list):
            msg = f'the revocation list {url} has no "revokedCredentials" array'
            return StatusOutcome(
                Check("revocation", False, msg, "STATUS_VERIFICATION_ERROR"), result
            )
        list_issuer = document.get("issuer")
        list_issuer = list_issuer.get("id") if isinstance(list_issuer, dict) else list_issuer
        if list_issuer is not None and list_issuer != _issuer_id(credential):
            msg = f'the revocation list is published by "{list_issuer}", not by the issuer'
            return StatusOutcome(
                Check("revocation", False, msg, "STATUS_VERIFICATION_ERROR"), result
            )
        credential_id = credential.get("id")
        hit = next(
            (r for r in revoked if isinstance(r, dict) and r.get("id") == credential_id), None
        )
        if hit is None:
            result["valid"] = True
            return StatusOutcome(Check("revocation", True, _ok_message("revocation")), result)
        reason = hit.get("revocationReason")
        message = _set_message("revocation") + (f": {reason}" if isinstance(reason, str) else "")
        return StatusOutcome(Check("revocation", False, message, "REVOKED"), result)


def _list_now(list_credential: dict[str, Any], now: datetime | None) -> datetime:
    """The time to judge a list's validity at, forgiving a list dated slightly in the future:
    a list (re)signed during this very check, or a publisher's clock a little ahead."""
    now = now or datetime.now(UTC)
    start = parse_datetime(list_credential.get("validFrom") or list_credential.get("issuanceDate"))
    if start is not None and now < start <= now + CLOCK_SKEW:
        return start
    return now


def _load_json(text: str) -> Any:
    """A fetched list as JSON; a NUL or lone surrogate in it (unsignable text) is a ValueError."""
    value = json.loads(text)
    if (bad := find_bad_string(value)) is not None:
        raise ValueError(f'"{bad[0]}" {bad[1]}')
    return value


def _issuer_id(document: dict[str, Any]) -> str | None:
    issuer = document.get("issuer")
    issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
    return issuer if isinstance(issuer, str) else None


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
