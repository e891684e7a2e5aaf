"""Our own did:web keys are reused across verifications only while the organization's
``key_version`` is the one they were resolved at: a revocation, committed by any connection
(any worker process), is seen by the very next verification."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlmodel import Session

from app.container import Services
from app.issuers.keys import repository as keys
from app.verification.keys import ResolvedKey
from tests.factories import Factory


def _fragment(vc: dict) -> str:  # type: ignore[type-arg]
    return vc["proof"]["verificationMethod"].partition("#")[2]


def test_a_revoked_key_is_refused_at_once_although_it_was_cached(
    factory: Factory, services: Services, session: Session
) -> None:
    services.verifier.fetcher = None
    vc = factory.issue(factory.caller())
    vm = vc["proof"]["verificationMethod"]
    assert services.verifier.verify(session, vc).verified
    assert services.verifier.own_keys.get(vm) is not None  # resolved once, remembered
    with Session(services.engine) as other:  # another connection, as another worker's
        key = keys.by_fragment(other, _fragment(vc))
        assert key is not None
        services.keys.revoke(other, key)
        other.commit()
    report = services.verifier.verify(session, vc)
    assert not report.verified
    assert {c.name: c.code for c in report.failed()}.get("issuer_key") == "KEY_NOT_FOUND"


def test_the_cached_key_is_used_while_the_version_holds_and_dropped_when_it_changes(
    factory: Factory, services: Services, session: Session
) -> None:
    services.verifier.fetcher = None
    vc = factory.issue(factory.caller())
    vm = vc["proof"]["verificationMethod"]
    assert services.verifier.verify(session, vc).verified
    cached = services.verifier.own_keys.get(vm)
    assert cached is not None
    org_id, version, slug, found = cached
    # a wrong key under the current version: used, so the proof fails (the cache is read)
    wrong = ResolvedKey(
        vm, found.controller, ed25519.Ed25519PrivateKey.generate().public_key(), found.source
    )
    services.verifier.own_keys.put(vm, org_id, version, slug, wrong)
    assert not services.verifier.verify(session, vc).verified
    # any key change writes a new version: the entry is no longer trusted
    with Session(services.engine) as other:
        keys.bump_key_version(other, org_id)
        other.commit()
    session.expire_all()
    assert services.verifier.verify(session, vc).verified
