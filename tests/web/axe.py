"""axe-core (bundled by axe-playwright-python) run in the page: WCAG 2.x A/AA violations."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

_AXE = Axe()
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                              "wcag22aa", "best-practice"]}}  # fmt: skip


def axe_violations(page: Any) -> list[str]:
    """One line per violation and element: "rule-id: selector (impact)"."""
    results = _AXE.run(page, options={**WCAG, "resultTypes": ["violations"]})
    return [
        f"{v['id']}: {', '.join(map(str, node['target']))} ({v.get('impact')})"
        for v in results.response["violations"]
        for node in v["nodes"]
    ]
