"""The closed sets of strings stored in the tables. ``StrEnum`` members are the stored values
themselves ("active" == CredentialStatus.ACTIVE), so no migration: the columns stay strings."""

from __future__ import annotations

from enum import StrEnum


class CredentialStatus(StrEnum):
    """An issued credential's status (``issued_credentials.status``)."""

    ACTIVE = "active"
    REVOKED = "revoked"
    SUSPENDED = "suspended"


class CredentialKind(StrEnum):
    """What an issued credential records (``issued_credentials.kind``)."""

    VC = "vc"  # any VC issued through the VC-API
    OPEN_BADGE = "open_badge"  # an OB 3.0 credential issued through the VC-API
    COURSE = "course"  # a course run award
    PROGRAM = "program"  # a program award


class StatusPurpose(StrEnum):
    """A status list's ``statusPurpose`` (BSL §2.1) as this service uses it."""

    REVOCATION = "revocation"
    SUSPENSION = "suspension"


class StatusListFormat(StrEnum):
    """How a status list is published (``status_lists.format``)."""

    BITSTRING = "bitstring"  # Bitstring Status List (VC 2.0)
    SL2021 = "sl2021"  # Status List 2021 (VC 1.1)


class StatusAction(StrEnum):
    """A status history event (``status_events.action``)."""

    ISSUED = "issued"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    REINSTATED = "reinstated"


class OfferState(StrEnum):
    """A wallet offer's state, derived from its timestamps (never stored)."""

    PENDING = "pending"
    USED = "used"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class KeyType(StrEnum):
    ED25519 = "Ed25519"
    P256 = "P-256"
    RSA = "RSA"


class KeyStatus(StrEnum):
    ACTIVE = "active"  # signs new credentials, published
    RETIRED = "retired"  # signs nothing more, still published so old credentials verify
    REVOKED = "revoked"  # unpublished: credentials it signed no longer verify


class CredentialFormat(StrEnum):
    """How a credential was requested (``issued_credentials.format``; VC-API issue options)."""

    LDP_VC = "ldp_vc"  # embedded Data Integrity proof
    JWT_VC_JSON = "jwt_vc_json"  # OB 3.0 VC-JWT
    VC_JWT = "vc+jwt"  # VC-JOSE-COSE, enveloped


class MailKind(StrEnum):
    """A kind of e-mail to a learner: what an organization turns on or off and a learner
    unsubscribes from (``org_mail_kinds.kind``, ``mail_unsubscribes.kind``, ``outbox.kind``)."""

    EARNED = "earned"  # a course credential was awarded
    PROGRAM = "program"  # a program was completed
    REVOKED = "revoked"  # a credential was revoked (off by default)
    EXPIRY = "expiry"  # reminders 30 and 7 days before validUntil


#: Kinds sent unless the organization turns them off.
MAIL_KINDS_ON_BY_DEFAULT = frozenset({MailKind.EARNED, MailKind.PROGRAM, MailKind.EXPIRY})


class OutboxState(StrEnum):
    """Where an outbox message stands (``outbox.state``)."""

    PENDING = "pending"  # waiting for (another) attempt at next_attempt_at
    SENDING = "sending"  # claimed by a worker until lease_until
    SENT = "sent"
    FAILED = "failed"  # gave up: last_error says why
