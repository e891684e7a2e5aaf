"""`laurel orgs update`: suspension, LinkedIn company id and indexing, without SQL."""

from __future__ import annotations

from sqlmodel import Session

from app.config import get_settings
from app.db import make_engine
from app.issuers.repository import by_slug
from tests.cli.conftest import Laurel


def _org(slug: str = "acme") -> tuple[bool, str | None, bool]:
    engine = make_engine(get_settings().database_url)
    try:
        with Session(engine) as session:
            org = by_slug(session, slug)
            assert org is not None
            return org.suspension_enabled, org.linkedin_organization_id, org.indexable
    finally:
        engine.dispose()


def test_orgs_update_switches_each_setting(laurel: Laurel) -> None:
    assert laurel("orgs", "create", "--slug", "acme", "--name", "Acme U").exit_code == 0
    assert _org() == (False, None, False)
    on = laurel("orgs", "update", "--slug", "acme", "--suspension")
    assert on.exit_code == 0, on.output
    assert "suspension on" in on.stdout
    assert _org() == (True, None, False)
    both = laurel(
        "orgs", "update", "--slug", "acme", "--no-suspension", "--indexable",
        "--linkedin-organization-id", "1337",
    )  # fmt: skip
    assert both.exit_code == 0, both.output
    assert _org() == (False, "1337", True)
    cleared = laurel("orgs", "update", "--slug", "acme", "--linkedin-organization-id", "")
    assert cleared.exit_code == 0 and _org() == (False, None, True)


def test_orgs_update_refuses_nothing_unknown_and_bad_ids(laurel: Laurel) -> None:
    laurel("orgs", "create", "--slug", "acme", "--name", "Acme U")
    nothing = laurel("orgs", "update", "--slug", "acme")
    assert nothing.exit_code != 0 and "nothing to change" in nothing.output
    unknown = laurel("orgs", "update", "--slug", "nobody", "--suspension")
    assert unknown.exit_code != 0 and 'no organization "nobody"' in unknown.output
    bad = laurel("orgs", "update", "--slug", "acme", "--linkedin-organization-id", "acme co")
    assert bad.exit_code != 0 and "linkedin_organization_id" in bad.output
    assert _org() == (False, None, False)
