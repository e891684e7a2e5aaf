"""create_app(): routers, problem+json errors, and start-up checks that fail fast."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import web
from app.api import (
    clr,
    exchanges,
    health,
    identity,
    ims_resources,
    keys,
    oauth,
    oauth2,
    obapi,
    oid4vci,
    openedx,
    presentations,
    record_shares,
    status,
    vc_api,
    verify,
    wallet,
)
from app.api.v1 import router as api_v1_router
from app.config import Settings, get_settings
from app.container import Services, build_services, prepare
from app.deps import api_client_guard, openedx_jwt_guard, wallet_token_guard
from app.http.access_log import install_access_log_redaction
from app.http.body_limit import BodyLimitMiddleware, BodyRule
from app.http.problems import install_problem_handlers
from app.verification.submission import MAX_BYTES as VERIFY_MAX_BYTES
from app.web.verify_page import MAX_FORM_BYTES


def body_rules(settings: Settings) -> list[BodyRule]:
    """Each route's largest body, and who must be authenticated before it is read."""
    default = settings.body_max_bytes
    return [
        BodyRule("/credentials/issue", settings.issue_body_max_bytes, api_client_guard),
        BodyRule("/credentials/issue:batch", settings.issue_batch_body_max_bytes, api_client_guard),
        BodyRule("/credentials/status", default, api_client_guard),
        BodyRule("/api/v1/grades:batch", settings.batch_body_max_bytes, api_client_guard),
        BodyRule("/api/v1/.*", default, api_client_guard),
        # The Open edX LMS (credentials-service API): its own JWT, checked before the body.
        BodyRule("/api/v2/.*", default, openedx_jwt_guard),
        BodyRule("/api/credentials/v1/.*", default, openedx_jwt_guard),
        BodyRule("/credentials/verify", VERIFY_MAX_BYTES),
        BodyRule("/presentations/verify", VERIFY_MAX_BYTES),
        BodyRule("/verify", MAX_FORM_BYTES),
        BodyRule("/exchanges/.*", exchanges.MAX_BODY),
        BodyRule("/oid4vci/credential", oid4vci.MAX_BODY, wallet_token_guard),
        BodyRule("/ims/(ob/v3p0|clr/v2p0)/credentials", ims_resources.MAX_BODY),
    ]


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    settings = settings or get_settings()
    services = services or build_services(settings)
    logging.basicConfig(level=settings.log_level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    install_access_log_redaction()  # offer tokens and share ids are capabilities

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        prepare(services)
        yield

    app = FastAPI(
        title="Laurel",
        summary="Course certificates and program credentials as Open Badges 3.0 credentials",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.services = services
    app.add_middleware(
        BodyLimitMiddleware, rules=body_rules(settings), default=settings.body_max_bytes
    )
    install_problem_handlers(app)
    app.include_router(oauth.router)
    app.include_router(vc_api.router)
    app.include_router(verify.router)
    app.include_router(presentations.router)
    app.include_router(identity.router)
    app.include_router(status.router)
    app.include_router(keys.router)
    app.include_router(record_shares.router)
    app.include_router(api_v1_router)
    app.include_router(openedx.router)
    app.include_router(wallet.router)
    app.include_router(exchanges.router)
    app.include_router(oid4vci.router)
    app.include_router(oauth2.router)
    app.include_router(obapi.router)
    app.include_router(clr.router)
    app.include_router(health.router)
    web.install(app, services)  # HTML views; wraps the problem handlers for browsers
    return app
