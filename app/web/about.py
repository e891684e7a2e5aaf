"""``/about/verification``: how verification works, for someone who is not a specialist.

Linked from every certificate page (and, through the site footer, from /verify), because the
question people ask of an online certificate is "what stops someone from faking this?".
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from app.http.guard import GuardedRoute
from app.web.context import WebDep
from app.web.themes import DEFAULT_THEME

router = APIRouter(include_in_schema=False, route_class=GuardedRoute)


@router.get("/about/verification")
def about_verification(web: WebDep) -> HTMLResponse:
    html = web.render(["about/verification.html"], theme=DEFAULT_THEME, root="../")
    return HTMLResponse(html, headers={"Cache-Control": "public, max-age=3600"})
