"""Holder binding: offers for awarded credentials, and the wallet copy a claim issues.

Decisions (see also the module docs of ``offers``, ``lcw`` and ``oid4vci``):

- **The awarded credential stays valid.** It is the LMS's copy (often without a subject id:
  the learner appears only as hashed identifiers). A claim issues a *new* credential, the
  wallet copy: the same content and ``awardedDate``, ``credentialSubject.id`` = the holder
  DID, its own id and status entries. ``wallet_offers.source_uuid`` / ``issued_uuid`` link them.
- **Revoking the award revokes its wallet copies** (``on_revoked``). A re-issue (the award
  superseded by a successor) does not: the award stands, and the copy already in the wallet
  stays valid; a new offer copies the successor. Suspension is not cascaded.
- **Who may claim.** The offer token is the capability. When the offer pins a DID, or the
  learner record has a ``holder_did``, or the awarded credential already names a DID subject,
  only a wallet proving control of that DID may claim.
- **Single use** is the conditional UPDATE in ``repository.mark_used``, in the same unit of
  work as the issuance: either both commit or neither does.
"""

from __future__ import annotations

import json
import uuid as uuidlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from app.awards import repository as awards
from app.core.proofs.data_integrity import DataIntegrityEngine
from app.core.vc.models import is_open_badge
from app.credentials import repository as credentials
from app.credentials.credential_input import issuer_id
from app.credentials.issuance import IssuanceService, IssueOptions
from app.credentials.jwt_encoding import JwtEncoder
from app.credentials.status_changes import Cascade, CredentialStatusService
from app.db import as_utc, retrying, utcnow
from app.errors import AppError, Conflict, InvalidInput, NotFound
from app.issuers import repository as orgs
from app.issuers.identity import IssuerIdentity
from app.models import IssuedCredential, Learner, Organization, WalletOffer
from app.models.enums import CredentialStatus, OfferState
from app.wallet import offers, repository
from app.wallet.errors import CredentialUnavailable, HolderMismatch, OfferGone, OfferNotFound
from app.wallet.nonces import NonceSigner
from app.wallet.offers import OpenOffer

_COPY_DROPS = ("proof", "credentialStatus", "id")
_GONE = {
    OfferState.USED: "this offer was already used: the credential is in a wallet",
    OfferState.EXPIRED: "this offer has expired: ask for a new one",
    OfferState.WITHDRAWN: "this offer was withdrawn",
}


def bound_document(original: dict[str, Any], holder_did: str) -> dict[str, Any]:
    """The awarded credential's content with ``credentialSubject.id`` set to the holder DID."""
    document = {k: v for k, v in original.items() if k not in _COPY_DROPS}
    subject: Any = document.get("credentialSubject")
    many = isinstance(subject, list)
    subjects: list[Any] = subject if many else [subject]
    if len(subjects) != 1 or not isinstance(subjects[0], dict):
        raise CredentialUnavailable(
            "only a credential with one credentialSubject can be bound to a wallet",
            field="credentialSubject",
        )
    bound = {"id": holder_did, **{k: v for k, v in subjects[0].items() if k != "id"}}
    document["credentialSubject"] = [bound] if many else bound
    return document


def subject_did(document: dict[str, Any]) -> str | None:
    subject = document.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if len(subject) == 1 else None
    value = subject.get("id") if isinstance(subject, dict) else None
    return value if isinstance(value, str) and value.startswith("did:") else None


@dataclass(frozen=True)
class OfferPage:
    opened: OpenOffer

    @property
    def offer(self) -> WalletOffer:
        return self.opened.record

    credential: IssuedCredential
    org: Organization | None
    state: str
    problem: str | None
    copy: IssuedCredential | None


class WalletService:
    def __init__(
        self,
        issuance: IssuanceService,
        status: CredentialStatusService,
        jwt: JwtEncoder,
        identity: IssuerIdentity,
        engine: DataIntegrityEngine,
        nonces: NonceSigner,
    ) -> None:
        self.issuance = issuance
        self.status = status
        self.jwt = jwt
        self.identity = identity
        #: Verifies DID-authentication presentations (lcw.py).
        self.engine = engine
        #: Signs and checks OID4VCI c_nonces (oid4vci.py).
        self.nonces = nonces

    @property
    def base_url(self) -> str:
        return self.identity.base_url

    # -- offers (the LMS, for the learner) -----------------------------------------------

    def create_offer(
        self,
        session: Session,
        org: Organization,
        credential_uuid: str,
        *,
        expected_did: str | None = None,
        tx_code: bool = False,
        ttl: timedelta = offers.OFFER_TTL,
        client_id: str | None = None,
        options: offers.OfferOptions | None = None,
    ) -> tuple[OpenOffer, str | None]:
        """A new offer and, when asked for, its transaction code (returned once, never stored)."""
        record = self.status.get_owned(session, org.id, credential_uuid)
        current = self.locked_award(session, record)
        if expected_did is not None and not expected_did.startswith("did:"):
            raise InvalidInput('"holder_did" must be a DID ("did:...")', field="holder_did")
        if not offers.MIN_OFFER_TTL <= ttl <= offers.MAX_OFFER_TTL:
            raise InvalidInput(
                f'"expires_in" must be between {int(offers.MIN_OFFER_TTL.total_seconds())} and '
                f"{int(offers.MAX_OFFER_TTL.total_seconds())} seconds",
                field="expires_in",
            )
        learner = self._learner_of(session, current)
        self._check_expected(expected_did, learner, current)
        token = offers.new_token(options)
        now = utcnow()
        offer = WalletOffer(
            id=str(uuidlib.uuid4()),
            token_hash=offers.digest(token),
            org_id=org.id,
            credential_uuid=record.uuid,
            learner_id=learner.id if learner else None,
            expected_did=expected_did,
            challenge=str(uuidlib.uuid4()),
            created_by_client=client_id,
            created_at=now,
            expires_at=now + ttl,
        )
        code = None
        if tx_code:
            code = offers.new_tx_code()
            offer.tx_code_hash = offers.tx_code_digest(offer.id, code)
            offer.tx_code_length = len(code)
        session.add(offer)
        session.flush()
        return OpenOffer(offer, token, self.base_url), code

    def offers_for(
        self, session: Session, org: Organization, credential_uuid: str
    ) -> list[WalletOffer]:
        record = self.status.get_owned(session, org.id, credential_uuid)
        return repository.offers_for_credential(session, org.id, record.uuid)

    def withdraw(
        self, session: Session, org: Organization, credential_uuid: str, offer_id: str
    ) -> WalletOffer:
        """Idempotent for a withdrawn offer; a used offer cannot be withdrawn (409)."""
        record = self.status.get_owned(session, org.id, credential_uuid)
        offer = repository.offer_by_id(session, offer_id)
        if offer is None or offer.credential_uuid != record.uuid:
            raise OfferNotFound(f'no wallet offer "{offer_id}" for this credential', field="id")
        if offer.used_at is not None:
            raise Conflict("the offer was already used; revoke the wallet copy instead", field="id")
        repository.withdraw(session, offer.id, utcnow())
        session.refresh(offer)
        return offer

    def offer_page(self, session: Session, token: str, uuid: str) -> OfferPage:
        """What the learner's offer page shows: the offer, its credential and organization,
        whether it can still be claimed (and why not), and the copy already delivered."""
        opened = self.open(session, token)
        offer = opened.record
        if uuid.lower() not in (offer.credential_uuid, offer.source_uuid, offer.issued_uuid):
            raise NotFound("no wallet offer for this link", field="offer")
        credential = credentials.by_uuid(session, offer.credential_uuid)
        assert credential is not None
        state: str = offers.state_of(offer, utcnow())
        problem = None
        if state == OfferState.PENDING:
            try:
                self.current_award(session, credential)
            except AppError as exc:
                state, problem = "unavailable", exc.detail
        return OfferPage(
            opened=opened,
            credential=credential,
            org=orgs.by_id(session, offer.org_id),
            state=state,
            problem=problem,
            copy=self.delivered(session, offer),
        )

    def open(self, session: Session, token: str) -> OpenOffer:
        """The offer behind a token, whatever its state; unknown tokens are a 404."""
        offer = repository.offer_by_token_hash(session, offers.digest(token)) if token else None
        if offer is None:
            raise OfferNotFound("no wallet offer for this link", field="offer")
        return OpenOffer(offer, token, self.base_url)

    @staticmethod
    def check_claimable(offer: WalletOffer, now: datetime | None = None) -> None:
        state = offers.state_of(offer, now or utcnow())
        if state != OfferState.PENDING:
            raise OfferGone(_GONE[state], state)

    # -- the award behind an offer, and who may claim it -----------------------------------

    @staticmethod
    def current_award(session: Session, record: IssuedCredential) -> IssuedCredential:
        """Follows re-issues to the current credential; it must be active and public."""
        seen = {record.uuid}
        while record.superseded_by is not None:
            successor = credentials.by_uuid(session, record.superseded_by)
            if successor is None or successor.uuid in seen:
                break
            seen.add(successor.uuid)
            record = successor
        if record.status != CredentialStatus.ACTIVE:
            raise CredentialUnavailable(
                f"the credential is {record.status}: it cannot be added to a wallet",
                field="status",
            )
        if record.public_from is not None and as_utc(record.public_from) > utcnow():
            raise CredentialUnavailable(
                "the credential is not available before "
                f"{as_utc(record.public_from).isoformat().replace('+00:00', 'Z')}",
                field="public_from",
            )
        return record

    @classmethod
    def locked_award(cls, session: Session, record: IssuedCredential) -> IssuedCredential:
        """``current_award`` under its row lock, held to the end of the transaction: a
        concurrent revocation either comes first (and is seen here) or waits, and then its
        cascade finds the copy this transaction delivers. No revoked credential is laundered."""
        award = cls.current_award(session, record)
        for _ in range(3):
            credentials.lock(session, award)
            current = cls.current_award(session, award)  # re-read under the lock
            if current.uuid == award.uuid:
                return award
            award = current  # re-issued meanwhile: lock the successor instead
        raise Conflict("the credential is being re-issued; retry", field="status")

    @staticmethod
    def _learner_of(session: Session, record: IssuedCredential) -> Learner | None:
        award: Any = awards.course_award_by_credential(session, record.uuid)
        if award is None:
            award = awards.program_award_by_credential(session, record.uuid)
        return session.get(Learner, award.learner_id) if award is not None else None

    @staticmethod
    def _check_expected(
        expected: str | None, learner: Learner | None, record: IssuedCredential
    ) -> None:
        """An offer may not pin a DID other than the one the learner is already bound to."""
        bound = (learner.holder_did if learner else None) or subject_did(
            json.loads(record.document)
        )
        if expected is not None and bound is not None and expected != bound:
            raise HolderMismatch(
                f'the learner is bound to "{bound}"; an offer cannot pin "{expected}"',
                field="holder_did",
            )

    def expected_holder(
        self, session: Session, offer: WalletOffer, award: IssuedCredential
    ) -> str | None:
        learner = session.get(Learner, offer.learner_id) if offer.learner_id else None
        return (
            offer.expected_did
            or (learner.holder_did if learner else None)
            or subject_did(json.loads(award.document))
        )

    def check_holder(
        self, session: Session, offer: WalletOffer, award: IssuedCredential, holder_did: str
    ) -> None:
        expected = self.expected_holder(session, offer, award)
        if expected is not None and expected != holder_did:
            raise HolderMismatch(
                f'this credential is bound to "{expected}"; the wallet proved control of '
                f'"{holder_did}"',
                field="holder",
            )

    # -- delivery: the one unit of work that uses the offer and issues the wallet copy ----

    def deliver(
        self,
        session: Session,
        offer_id: str,
        holder_did: str,
        protocol: str,
        *,
        enforce_expiry: bool = True,
        legacy_proof: bool = False,
    ) -> IssuedCredential:
        """Use the offer and issue the wallet copy, in one unit of work; ``legacy_proof``
        adds an Ed25519Signature2020 proof to it (a proof set, see ``OfferOptions``)."""
        offer = repository.offer_by_id(session, offer_id)
        if offer is None:
            raise OfferNotFound("no wallet offer for this link", field="offer")
        session.refresh(offer)  # the state another worker may just have changed
        state = offers.state_of(offer, utcnow())
        if state != OfferState.PENDING and not (state == OfferState.EXPIRED and not enforce_expiry):
            raise OfferGone(_GONE[state], state)
        original = credentials.by_uuid(session, offer.credential_uuid)
        assert original is not None
        award = self.locked_award(session, original)
        self.check_holder(session, offer, award, holder_did)
        org = orgs.by_id(session, award.org_id)
        assert org is not None
        document = bound_document(json.loads(award.document), holder_did)
        if issuer_id(document) != self.issuance.signer.context_for(session, org).did:
            document.pop("issuer", None)  # the organization's DID changed: its current profile
        if is_open_badge(document) and award.awarded_date and "awardedDate" not in document:
            document["awardedDate"] = award.awarded_date

        def unit() -> IssuedCredential:
            if not repository.mark_used(
                session, offer.id, utcnow(), holder_did, protocol, award.uuid
            ):
                raise OfferGone(_GONE[OfferState.USED], OfferState.USED)
            copy = self.issuance.issue(
                session,
                org,
                document,
                IssueOptions(legacy_proof=legacy_proof),
                client_id=offer.created_by_client,
                kind=award.kind,
            )
            copy.awarded_date = award.awarded_date
            copy.public_from = award.public_from
            session.add(copy)
            repository.set_issued(session, offer.id, copy.uuid)
            return copy

        return retrying(session, unit)

    def delivered(self, session: Session, offer: WalletOffer) -> IssuedCredential | None:
        return credentials.by_uuid(session, offer.issued_uuid) if offer.issued_uuid else None

    def jwt_form(self, session: Session, record: IssuedCredential, *, store: bool = False) -> str:
        """The OB 3.0 VC-JWT (§8.2) of a credential: EdDSA for did:key issuers, else RS256."""
        org = orgs.by_id(session, record.org_id)
        assert org is not None
        return self.jwt.encode(session, record, "ob", jwt_alg(org), store=store)

    # -- the revocation cascade (CredentialStatusService.on_revoked) ------------------------

    @staticmethod
    def on_revoked(session: Session, record: IssuedCredential, actor: str | None) -> list[Cascade]:
        """The wallet copies of a revoked award fall with it."""
        if record.superseded_by is not None:
            return []  # a re-issue: the award stands, the wallet copies stay valid
        reason = f"the awarded credential {record.credential_id} was revoked"
        return [
            Cascade(copy, reason)
            for copy in repository.bound_copies(session, record.uuid)
            if copy.status != CredentialStatus.REVOKED
        ]


def jwt_alg(org: Organization) -> str:
    return "EdDSA" if org.did_method == "key" else "RS256"
