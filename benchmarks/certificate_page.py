"""The certificate page's weight and time to first byte, one reader at a time.

For before/after notes on page changes: the same command on two commits prints comparable
medians. Page weight is the HTML (everything is inline: CSS, the one script, the QR code);
TTFB is measured from sending the request to the first body byte, over loopback to uvicorn,
cold (a new credential each time: verify + render) and warm (the report reused for 30 s).
Run: ``.venv/bin/python -m benchmarks certificate_page``.
"""

from __future__ import annotations

import json
import statistics
import time

import httpx

from benchmarks.server import running_server
from tests.web.helpers import graded_badge, uuid_of

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ROUNDS = 25


def _ttfb(client: httpx.Client, path: str) -> tuple[float, int]:
    start = time.perf_counter()
    with client.stream("GET", path, headers=BROWSER) as response:
        chunks = response.iter_bytes()
        first = next(chunks)
        elapsed = time.perf_counter() - start
        size = len(first) + sum(len(c) for c in chunks)
    assert response.status_code == 200, response.status_code
    return elapsed, size


def run() -> None:
    print(f"== certificate page: weight and TTFB, sequential, median of {ROUNDS} ==")
    with running_server() as server:
        server.laurel("orgs", "create", "--slug", "acme", "--name", "Acme University")
        creds = json.loads(server.laurel("clients", "create", "--org", "acme", "--json"))
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            token = client.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(creds["client_id"], creds["client_secret"]),
            ).json()["access_token"]
            uuids = []
            for _ in range(ROUNDS + 1):
                issued = client.post(
                    "/credentials/issue",
                    json={"credential": graded_badge("Applied Machine Learning")},
                    headers={"Authorization": f"Bearer {token}"},
                )
                issued.raise_for_status()
                uuids.append(uuid_of(issued.json()["verifiableCredential"]))
            cold = [_ttfb(client, f"/credentials/{u}") for u in uuids[1:]]
            warm = [_ttfb(client, f"/credentials/{uuids[0]}") for _ in range(ROUNDS + 1)][1:]
    size = statistics.median(s for _, s in cold)
    print(f"  HTML weight           {size / 1000:8.1f} kB ({int(size)} bytes)")
    for label, runs in (("cold (verify+render)", cold), ("warm (report cached)", warm)):
        print(f"  TTFB {label:20s} {statistics.median(t for t, _ in runs) * 1000:8.1f} ms")


if __name__ == "__main__":
    run()
