"""The object graph, built once per process from settings (no globals, easy to test)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.awards import repository as awards_repository
from app.awards.programs import ProgramAwarder
from app.awards.records import RecordsService
from app.awards.service import GradingService
from app.catalog.service import CatalogService
from app.config import Settings
from app.core.jsonld import (
    ContextStore,
    FastCanonicalizer,
    JsonLdProcessor,
    SafeModeCanonicalizer,
)
from app.core.proofs.data_integrity import DataIntegrityEngine
from app.core.vc.schema import SchemaRegistry
from app.credentials.issuance import IssuanceService
from app.credentials.jwt_encoding import JwtEncoder
from app.credentials.reissue import Reissuer
from app.credentials.signing import CredentialSigner
from app.credentials.status_changes import CredentialStatusService
from app.credentials.status_lists import StatusListService
from app.db import make_engine
from app.issuers.identity import IssuerIdentity
from app.issuers.keys.keyring import Keyring
from app.issuers.keys.lifecycle import KeyLifecycle
from app.models.enums import CredentialKind
from app.sharing.service import RecordShareService
from app.verification.fetch import Fetcher, FetchPolicy
from app.verification.service import Verifier
from app.wallet.service import WalletService


@dataclass
class Services:
    settings: Settings
    engine: Engine
    keyring: Keyring
    identity: IssuerIdentity
    processor: JsonLdProcessor
    schemas: SchemaRegistry
    signer: CredentialSigner
    issuance: IssuanceService
    verifier: Verifier
    status_lists: StatusListService
    credential_status: CredentialStatusService
    reissuer: Reissuer
    keys: KeyLifecycle
    jwt: JwtEncoder
    catalog: CatalogService
    grading: GradingService
    records: RecordsService
    wallet: WalletService
    sharing: RecordShareService


def build_services(settings: Settings, engine: Engine | None = None) -> Services:
    engine = engine or make_engine(settings.database_url)
    keyring = Keyring(settings.keys_dir)
    identity = IssuerIdentity(settings.public_base_url())
    processor = JsonLdProcessor(ContextStore.from_directory(settings.contexts_dir))
    fast = FastCanonicalizer(processor)
    signing_engine = DataIntegrityEngine(processor, SafeModeCanonicalizer(fast, processor))
    verify_engine = DataIntegrityEngine(processor, fast)
    schemas = SchemaRegistry(settings.schemas_dir)
    fetcher = Fetcher(
        FetchPolicy.of(
            settings.fetch_allowed_hosts, settings.fetch_timeout_seconds, settings.fetch_max_bytes
        )
    )
    signer = CredentialSigner(signing_engine, keyring, identity)
    status_lists = StatusListService(signer, identity, settings.status_list_size)
    credential_status = CredentialStatusService(status_lists)
    issuance = IssuanceService(signer, schemas, status_lists)
    reissuer = Reissuer(issuance, credential_status)
    # LMS awards: the program cascade on revocation, and re-issue from current learner data.
    programs = ProgramAwarder(issuance, credential_status, identity)
    credential_status.on_revoked.append(programs.on_revoked)
    reissuer.rebuilders[CredentialKind.COURSE] = programs.rebuild_course
    reissuer.rebuilders[CredentialKind.PROGRAM] = programs.rebuild_program
    # Holder binding: wallet copies of an award are revoked with it.
    wallet = WalletService(
        issuance, credential_status, JwtEncoder(keyring, identity), identity, verify_engine
    )
    credential_status.on_revoked.append(wallet.on_revoked)
    return Services(
        settings=settings,
        engine=engine,
        keyring=keyring,
        identity=identity,
        processor=processor,
        schemas=schemas,
        signer=signer,
        issuance=issuance,
        verifier=Verifier(verify_engine, processor, schemas, identity, status_lists, fetcher),
        status_lists=status_lists,
        credential_status=credential_status,
        reissuer=reissuer,
        keys=KeyLifecycle(keyring),
        jwt=JwtEncoder(keyring, identity),
        catalog=CatalogService(identity, awards_repository),
        grading=GradingService(issuance, identity, programs),
        records=RecordsService(identity),
        wallet=wallet,
        sharing=RecordShareService(identity),
    )


def prepare(services: Services) -> None:
    """First start creates the instance key; every start checks the key files are readable."""
    services.keyring.prepare()
    with Session(services.engine) as session:
        services.keyring.ensure_active_key(session, None)
        session.commit()
        services.keyring.check_published_keys(session)
