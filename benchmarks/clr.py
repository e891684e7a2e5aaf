"""CLR 2.0: building and signing a learner's record (a program and three courses: four inner
credentials), and verifying it (outer proof plus each inner credential's)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.awards.clr import ClrBuilder, record_contents
from app.main import create_app
from benchmarks.common import measure, report, throwaway_services
from tests.accounts.clr_setup import learner_row, learner_with_program
from tests.factories import Factory
from tests.lms import Lms


def run() -> None:
    print("== CLR 2.0: a record of 1 program + 3 courses (4 inner credentials) ==")
    services = throwaway_services()
    app = create_app(services.settings, services)
    with TestClient(app) as client:
        factory = Factory(services, client)
        lms = Lms(factory, factory.caller("acme"))
        learner_with_program(lms)
        learner = learner_row(lms)
        builder = ClrBuilder(services.signer)
        with Session(services.engine) as session:
            contents = record_contents(session, learner)
            clr = builder.build(session, learner, contents, "Record")

            def build() -> None:
                builder.build(session, learner, record_contents(session, learner), "Record")

            def verify() -> None:
                assert services.verifier.verify(session, clr).verified

            report("build + sign (eddsa-rdfc-2022, safe mode)", measure(build, 5))
            report("verify (outer + 4 inner, schema, status)", measure(verify, 5))
