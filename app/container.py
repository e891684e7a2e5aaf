"""The object graph, built once per process from settings (no globals, easy to test).

Reactions of one aggregate to another's events are constructor arguments, wired here by
name: the revocation cascades (program awards, wallet copies) and the re-issue rebuilders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from app.accounts.csrf import SignInForms
from app.accounts.me import LearnerPages
from app.accounts.obapi import ObApiService
from app.accounts.oidc import RelyingParty
from app.accounts.oidc_discovery import Discovery
from app.awards import repository as awards_repository
from app.awards.clr import ClrBuilder
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
from app.credentials.credential_input import IssueLimits
from app.credentials.issuance import IssuanceService
from app.credentials.jwt_encoding import JwtEncoder
from app.credentials.reissue import Reissuer
from app.credentials.signing import CredentialSigner
from app.credentials.status_changes import Cascade, CredentialStatusService
from app.credentials.status_lists import StatusListService
from app.db import make_engine, session_scope
from app.db_statistics import PlannerStatistics
from app.http.rate_limit import Rate, make_limiter
from app.integrations.openedx.credentials_api import CredentialsApi, Throttle
from app.integrations.openedx.jwt_auth import JwksCache, LmsJwtVerifier
from app.integrations.openedx.service import OpenEdxService
from app.issuers.identity import IssuerIdentity
from app.issuers.keys.keyring import KeyClash, Keyring
from app.issuers.keys.lifecycle import KeyLifecycle
from app.issuers.throttle import TokenThrottle
from app.models.enums import CredentialKind
from app.notifications.service import Notifier
from app.notifications.templates import MailTemplates
from app.notifications.unsubscribe import UnsubscribeTokens
from app.sharing.service import RecordShareService
from app.verification.fetch import Fetcher, FetchPolicy
from app.verification.service import Verifier
from app.wallet.nonces import NonceSigner, key_file, key_from_secret
from app.wallet.offers import NONCE_TTL
from app.wallet.oid4vci import Oid4vciIssuer
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
    oid4vci: Oid4vciIssuer
    sharing: RecordShareService
    token_throttle: TokenThrottle
    notifier: Notifier
    openedx: OpenEdxService
    openedx_api: CredentialsApi
    clr: ClrBuilder
    obapi: ObApiService
    oidc: RelyingParty
    signin_forms: SignInForms
    learner_pages: LearnerPages
    #: Keeps PostgreSQL's planner statistics fresh while batches grow the tables.
    statistics: PlannerStatistics


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
    # JWKS URLs are set by tenants: the verifier's SSRF rules, no document cache (JwksCache
    # keeps the keys and refetches on an unknown key id), a short timeout.
    jwks_fetcher = Fetcher(
        FetchPolicy.of(
            settings.fetch_allowed_hosts,
            min(settings.fetch_timeout_seconds, 3.0),
            settings.fetch_max_bytes,
            cache_ttl_seconds=0.0,
        )
    )
    signer = CredentialSigner(signing_engine, keyring, identity)
    status_lists = StatusListService(signer, identity, settings.status_list_size)
    limits = IssueLimits(
        max_bytes=settings.issue_max_bytes,
        max_array_length=settings.issue_max_array_length,
        max_depth=settings.issue_max_depth,
        max_string_length=settings.issue_max_string_length,
        max_values=settings.issue_max_values,
    )
    issuance = IssuanceService(
        signer, schemas, status_lists, limits, settings.issue_cpu_budget_seconds
    )
    # The notifier needs the wallet service, which needs these: late-bound by name.
    late: dict[str, Notifier] = {}

    def mail_on_awarded(*args: Any) -> None:
        late["notifier"].on_awarded(*args)

    def mail_on_revoked(*args: Any) -> list[Cascade]:
        return late["notifier"].on_revoked(*args)

    # Awards put their e-mail (with a wallet offer) in the outbox, in their transaction.
    programs = ProgramAwarder(issuance, identity, on_awarded=[mail_on_awarded])
    credential_status = CredentialStatusService(
        status_lists,
        # A revocation takes with it the program awards that no longer hold (LMS awards)
        # and the wallet copies of the award (holder binding), and may tell the learner.
        on_revoked=[programs.on_revoked, WalletService.on_revoked, mail_on_revoked],
    )
    # Re-issue rebuilds LMS awards from current learner and course data.
    reissuer = Reissuer(
        issuance,
        credential_status,
        rebuilders={
            CredentialKind.COURSE: programs.rebuild_course,
            CredentialKind.PROGRAM: programs.rebuild_program,
        },
    )
    jwt = JwtEncoder(keyring, identity)
    secret = settings.nonce_secret
    nonce_key = (
        (lambda: key_from_secret(secret)) if secret else (lambda: key_file(settings.keys_dir))
    )
    nonces = NonceSigner(nonce_key, NONCE_TTL)
    wallet = WalletService(issuance, credential_status, jwt, identity, verify_engine, nonces)
    notifier = late["notifier"] = Notifier(
        identity,
        MailTemplates(settings.templates_dir),
        wallet,
        UnsubscribeTokens(nonce_key),
        mail_from=settings.mail_from,
        enabled=settings.smtp_url is not None,
    )
    grading = GradingService(issuance, identity, programs, on_awarded=[mail_on_awarded])
    catalog = CatalogService(identity, awards_repository)
    openedx = OpenEdxService(grading, credential_status)
    service_rate = settings.openedx_service_requests_per_minute
    openedx_api = CredentialsApi(
        openedx,
        catalog,
        identity,
        LmsJwtVerifier(JwksCache(jwks_fetcher)),
        Throttle(
            make_limiter(settings.redis_url),
            credentials=Rate(settings.openedx_learner_requests_per_minute, 60.0),
            grades=Rate(settings.openedx_grade_requests_per_minute, 60.0),
            service=Rate(service_rate, 60.0) if service_rate else None,
        ),
    )
    verifier = Verifier(
        verify_engine,
        processor,
        schemas,
        identity,
        status_lists,
        fetcher,
        budget_seconds=settings.verify_cpu_budget_seconds,
    )
    clr = ClrBuilder(signer)
    return Services(
        settings=settings,
        engine=engine,
        statistics=PlannerStatistics(engine),
        keyring=keyring,
        identity=identity,
        processor=processor,
        schemas=schemas,
        signer=signer,
        issuance=issuance,
        verifier=verifier,
        status_lists=status_lists,
        credential_status=credential_status,
        reissuer=reissuer,
        # Lists signed by a revoked key are signed again by the active one, in that transaction.
        keys=KeyLifecycle(keyring, on_revoked=[status_lists.on_key_revoked]),
        jwt=jwt,
        catalog=catalog,
        grading=grading,
        records=RecordsService(identity),
        wallet=wallet,
        oid4vci=Oid4vciIssuer(wallet),
        sharing=RecordShareService(identity, clr),
        token_throttle=TokenThrottle(
            make_limiter(settings.redis_url),
            settings.token_requests_per_minute,
            settings.token_failures_before_lockout,
            settings.token_lockout_seconds,
        ),
        notifier=notifier,
        # The Open edX LMS's word (REST calls and event-bus events) applied through grading.
        openedx=openedx,
        openedx_api=openedx_api,
        clr=clr,
        obapi=ObApiService(identity, verifier, schemas, clr),
        # Learner sign-in: providers on http only where the operator allows fetching so.
        oidc=RelyingParty(
            Discovery(frozenset(settings.fetch_allowed_hosts), settings.fetch_timeout_seconds),
            redirect_uri=settings.public_base_url() + "/signin/callback",
        ),
        signin_forms=SignInForms(nonce_key),
        learner_pages=LearnerPages(
            RecordsService(identity), RecordShareService(identity, clr), wallet
        ),
    )


def prepare(services: Services) -> None:
    """First start creates the instance key; every start checks the key files are readable
    and signs any status list whose signature is out of date (reads never sign)."""
    services.keyring.prepare()
    with session_scope(services.engine) as session:  # start-up owns this transaction
        try:
            with session.begin_nested():
                services.keyring.ensure_active_key(session, None)
        except KeyClash:  # another worker starting at the same time made it first
            pass
        services.keyring.check_published_keys(session)
        services.status_lists.resign_stale(session)  # lists no request will sign
