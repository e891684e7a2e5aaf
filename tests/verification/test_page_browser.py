"""The /verify page in headless Chromium: paste a credential, read the verdict (no JavaScript)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.factories import Factory
from tests.web.conftest import browser, live_server, page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_paste_and_read_the_checks(live_server: str, page: Any, factory: Factory) -> None:  # noqa: F811
    vc = factory.issue(factory.caller())
    page.goto(f"{live_server}/verify")
    page.get_by_text("Or paste it, or upload the file").click()
    page.get_by_label("Credential JSON or VC-JWT").fill(json.dumps(vc))
    page.get_by_role("button", name="Verify").last.click()
    page.wait_for_load_state()
    verdict = page.get_by_role("status").inner_text()
    assert page.locator("#verdict-title").inner_text().strip() == "✔ Verified"
    assert "Signed by its issuer, unchanged since, and not revoked." in verdict
    assert page.get_by_text("Signature", exact=True).is_visible()

    forged = copy.deepcopy(vc)
    forged["name"] = "Forged"
    page.get_by_label("Credential JSON or VC-JWT").fill(json.dumps(forged))  # still open
    page.get_by_role("button", name="Verify").last.click()
    page.wait_for_load_state()
    assert "Changed after it was issued" in page.get_by_role("status").inner_text()
