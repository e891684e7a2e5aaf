"""HTML views: certificate share pages and learner records (app/web/*, templates/)."""

from __future__ import annotations

from fastapi import FastAPI

from app.container import Services
from app.web import (
    about,
    badge,
    consent,
    credential,
    errors,
    me,
    records,
    share,
    signin,
    unsubscribe,
    verify_page,
    wallet_page,
)
from app.web.context import WebContext
from app.web.i18n import LanguageMiddleware
from app.web.security_headers import SecurityHeaders


def install(app: FastAPI, services: Services) -> None:
    """Add the HTML views and the security headers of every page (app/web/security_headers.py)
    to ``app``; call after the problem+json handlers are installed."""
    web = WebContext(services.settings.templates_dir)
    app.state.web = web
    app.include_router(credential.router)
    app.include_router(verify_page.router)
    app.include_router(wallet_page.router)
    app.include_router(share.router)
    app.include_router(badge.router)
    app.include_router(records.router)
    app.include_router(about.router)
    app.include_router(unsubscribe.router)
    app.include_router(signin.router)
    app.include_router(consent.router)
    app.include_router(me.router)
    errors.install_html_errors(app, web)
    app.add_middleware(
        SecurityHeaders,
        docs_paths=(app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url),
    )
    # Outermost of the two: the language is chosen before any view or error handler runs.
    app.add_middleware(LanguageMiddleware)
