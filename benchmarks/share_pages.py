"""Share pages: GET /credentials/{uuid} as HTML (a browser) and as JSON (a machine).

The app runs under uvicorn in a subprocess; a separate client process loads it over loopback
(bounded in count). The HTML figure is the steady state of a shared link: the verifier's
report is reused for 30 s (app/web/context.py), so the cold figure (verify + render, a
different credential each time) is printed too, measured in-process.
"""

from __future__ import annotations

import json

import httpx
from fastapi.testclient import TestClient

from app.main import create_app
from benchmarks.common import measure, report, throwaway_services
from benchmarks.server import load, print_load, running_server
from tests.factories import Factory
from tests.web.helpers import graded_badge, uuid_of

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
MACHINE = {"Accept": "application/vc+ld+json"}


def _issue(base_url: str, client_id: str, secret: str) -> str:
    token = httpx.post(
        f"{base_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
    ).json()["access_token"]
    response = httpx.post(
        f"{base_url}/credentials/issue",
        json={"credential": graded_badge("Applied Machine Learning")},
        headers={"Authorization": f"Bearer {token}"},
    )
    response.raise_for_status()
    return uuid_of(response.json()["verifiableCredential"])


def run() -> None:
    print("== share pages: GET /credentials/{uuid}, uvicorn (1 worker), 8 concurrent clients ==")
    with running_server() as server:
        server.laurel("orgs", "create", "--slug", "northwind", "--name", "Northwind Institute")
        creds = json.loads(server.laurel("clients", "create", "--org", "northwind", "--json"))
        uuid = _issue(server.base_url, creds["client_id"], creds["client_secret"])
        path = f"/credentials/{uuid}"
        for label, headers, target in (
            ("HTML certificate page (themed, verified mark)", BROWSER, path),
            ("JSON signed credential (stored bytes)", MACHINE, path),
            ("preview image 1200x630 PNG (cached)", {}, f"{path}/preview.png"),
        ):
            load(server, method="GET", path=target, headers=headers, count=100, concurrency=4)
            print_load(
                label,
                load(server, method="GET", path=target, headers=headers, count=2000,
                     concurrency=8),
            )  # fmt: skip

    services = throwaway_services()
    app = create_app(services.settings, services)
    with TestClient(app) as client:
        factory = Factory(services, client)
        caller = factory.caller("northwind")
        uuids = [uuid_of(factory.issue(caller, graded_badge())) for _ in range(60)]
        turn = iter(uuids * 100)

        def cold() -> None:
            response = client.get(f"/credentials/{next(turn)}", headers=BROWSER)
            assert response.status_code == 200
            app.state.web.reports.clear()

        report("in-process HTML page, cold (verify + render each time)", measure(cold, 50))
