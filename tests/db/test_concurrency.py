"""Parallel issuance: every call succeeds with a distinct id (PostgreSQL and SQLite)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session, func, select

from app.models import IssuedCredential
from tests.factories import Factory, open_badge


def test_twenty_parallel_issue_calls(factory: Factory) -> None:
    caller = factory.caller()

    def issue(_: int) -> tuple[int, str]:
        response = factory.client.post(
            "/credentials/issue", json={"credential": open_badge()}, headers=caller.headers
        )
        return response.status_code, response.json().get("verifiableCredential", {}).get("id", "")

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(issue, range(20)))
    assert [status for status, _ in results] == [201] * 20
    ids = {vc_id for _, vc_id in results}
    assert len(ids) == 20
    with Session(factory.services.engine) as session:
        assert session.exec(select(func.count()).select_from(IssuedCredential)).one() == 20
