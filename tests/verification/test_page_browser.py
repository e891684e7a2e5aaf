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
    page.get_by_label("Credential JSON or VC-JWT").fill(json.dumps(vc))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text().strip().endswith("Verified: every check passed.")
    assert page.get_by_text("Signature", exact=True).is_visible()

    forged = copy.deepcopy(vc)
    forged["name"] = "Forged"
    page.get_by_label("Credential JSON or VC-JWT").fill(json.dumps(forged))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()
    assert "Not verified" in page.get_by_role("status").inner_text()
