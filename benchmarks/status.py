"""Status changes on a 131,072-entry list: time per change (one bit + one re-sign), list size."""

from __future__ import annotations

import statistics
import time

from app.credentials import status_repository as repository
from app.credentials.issuance import IssueOptions
from app.db import session_scope
from app.issuers.organizations import create_organization
from benchmarks.common import throwaway_services


def _credential() -> dict[str, object]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "credentialSubject": {"id": "did:example:learner", "degree": "BSc"},
    }


def run(count: int = 300) -> None:
    services = throwaway_services()
    with session_scope(services.engine) as session:
        org = create_organization(session, services.keyring, slug="bench", name="Bench U")
        records = [
            services.issuance.issue(session, org, _credential(), IssueOptions())
            for _ in range(count)
        ]
        entries = repository.entries_of(session, records[0].uuid)
        public_id = next(lst.public_id for _, lst in entries if lst.purpose == "revocation")
        empty_size = len(services.status_lists.published(session, public_id)[0])  # type: ignore[index]
        timings = []
        for record in records:
            start = time.perf_counter()
            services.credential_status.revoke(session, record, "bench", "bench")
            session.commit()  # one transaction per change, as a request has
            timings.append(time.perf_counter() - start)
        full = services.status_lists.published(session, public_id)
        assert full is not None
    print(f"== status changes on a 131,072-entry list ({count} revocations, SQLite) ==")
    print(
        f"time per status change (set bit + re-sign + commit): median "
        f"{statistics.median(timings) * 1000:.2f} ms, p90 "
        f"{statistics.quantiles(timings, n=10)[-1] * 1000:.2f} ms"
    )
    print(
        f"published list size: {empty_size} bytes empty, {len(full[0])} bytes with {count} bits set"
    )
