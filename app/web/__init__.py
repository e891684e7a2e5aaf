"""HTML views: certificate share pages and learner records (app/web/*, templates/)."""

from __future__ import annotations

from fastapi import FastAPI

from app.container import Services
from app.web import credential, errors, records, share, verify_page, wallet_page
from app.web.context import WebContext


def install(app: FastAPI, services: Services) -> None:
    """Add the HTML views to ``app``; call after the problem+json handlers are installed."""
    web = WebContext(services.settings.templates_dir)
    app.state.web = web
    app.include_router(credential.router)
    app.include_router(verify_page.router)
    app.include_router(wallet_page.router)
    app.include_router(share.router)
    app.include_router(records.router)
    errors.install_html_errors(app, web)
