"""Signing in and out (the learner's side; app/accounts/ holds the decisions).

``POST /signout`` ends the server-side session (the row goes, so a kept cookie signs nobody
in) and clears the cookie. It is a form with the session's CSRF token: a GET would let any
page sign the learner out.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from app.accounts.sessions import end_session
from app.deps import FormLearner, ServicesDep, SessionDep
from app.http.guard import GuardedRoute
from app.web.session_cookie import clear_session_cookie

router = APIRouter(include_in_schema=False, route_class=GuardedRoute)


@router.post("/signout")
def sign_out(learner: FormLearner, session: SessionDep, services: ServicesDep) -> RedirectResponse:
    end_session(session, learner.session_id)
    response = RedirectResponse("/", status_code=303, headers={"Cache-Control": "no-store"})
    clear_session_cookie(response, services.settings)
    return response
