"""The learner record page: /records/{share-id} (a revoked or unknown link is 404)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from app.deps import ServicesDep, SessionDep
from app.http.guard import GuardedRoute
from app.web.certificate import human_date
from app.web.context import WebDep

router = APIRouter(include_in_schema=False, route_class=GuardedRoute)


@router.get("/records/{share_id}", response_class=HTMLResponse)
def record_page(
    share_id: str, session: SessionDep, services: ServicesDep, web: WebDep
) -> HTMLResponse:
    records = services.sharing
    learner, org = records.open_share(session, share_id)
    record = records.record(session, org, learner)
    theme = web.themes.for_org(org.slug)
    html = web.render(
        ["records/record.html"],
        theme=theme,
        root="../",
        record=record,
        human_date=human_date,
        page_url=f"{services.identity.base_url}/records/{share_id}",
    )
    # Private to the learner's audience: no shared caches, no search engines.
    return HTMLResponse(
        html, headers={"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}
    )
