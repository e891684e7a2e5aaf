"""Every page in every language: no English source string left in a Spanish, French or Arabic
page (compared against the catalog), and the right lang and dir on <html>."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from app.web import i18n
from tests.factories import Factory
from tests.lms import Lms
from tests.wallet.conftest import make_offer
from tests.web.helpers import BROWSER_ACCEPT, named_badge, set_status, uuid_of
from tests.web.test_records import _learner_with_awards, _share

LOCALES = Path(i18n.__file__).parent / "locales"
LANGUAGES = ("es", "fr", "ar")
_SKIPPED = {"script", "style", "pre", "code", "svg", "textarea"}
_READ_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")


class _Text(HTMLParser):
    """What a reader sees or hears: text nodes (not code) and the attributes read aloud."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self.skipping = 0
        self.html_attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.html_attrs = dict(attrs)
        if tag in _SKIPPED:
            self.skipping += 1
        named = dict(attrs)
        for attribute in _READ_ATTRIBUTES:
            if named.get(attribute):
                self.nodes.append(str(named[attribute]))
        if tag == "meta" and named.get("name") == "description" and named.get("content"):
            self.nodes.append(str(named["content"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            self.nodes.append(" ".join(data.split()))


def _source_strings(code: str) -> list[str]:
    """The catalog's English messages whose translation differs (an identical one, such as a
    product name, is not a sign of a missing translation)."""
    with (LOCALES / code / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=code)
    out = []
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        out += [one for one in ids if one not in strings]
    return out


def untranslated(html: str, code: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    text = " ".join(parser.nodes)
    found = []
    for source in _source_strings(code):
        literal = [re.escape(" ".join(part.split())) for part in re.split(r"%\(\w+\)[sd]", source)]
        if len(source.split()) == 1 and len(literal) == 1:  # one word: a whole text node
            if source in parser.nodes:
                found.append(source)
        elif len(literal) > 1 and len(re.sub(r"%\(\w+\)[sd]", " ", source).split()) < 3:
            continue  # "%(num)s credential": too little English of its own to tell it from data
        elif re.search(r"(?:.{1,80}?)".join(literal), text):
            found.append(source)
    return found


def html_lang(html: str) -> tuple[str | None, str | None]:
    parser = _Text()
    parser.feed(html)
    return parser.html_attrs.get("lang"), parser.html_attrs.get("dir")


Pages = dict[str, Callable[[str], str]]


@pytest.fixture
def pages(factory: Factory, lms: Lms, app_client: TestClient) -> Pages:
    """Each page once per language: a function from language code to its HTML."""

    def get(path: str, status: int = 200) -> Callable[[str], str]:
        def fetch(code: str) -> str:
            joiner = "&" if "?" in path else "?"
            answer = app_client.get(
                f"{path}{joiner}lang={code}", headers={"Accept": BROWSER_ACCEPT}
            )
            assert answer.status_code == status, (path, answer.text[:300])
            return answer.text

        return fetch

    uuids = _learner_with_awards(lms)
    set_status(lms.services, uuids["103"], "revoke")
    record = urlsplit(_share(lms)["url"]).path
    offer = make_offer(lms, uuids["101"])
    token = parse_qs(urlsplit(offer["links"]["page"]).query)["offer"][0]
    mine = uuid_of(factory.issue(factory.caller(), named_badge("Data Science Foundations")))
    revoked = uuid_of(factory.issue(factory.caller(), named_badge("Cryptography")))
    set_status(factory.services, revoked, "revoke")
    unsubscribe = factory.services.notifier.tokens.token(1, "earned")
    return {
        "certificate": get(f"/credentials/{mine}"),
        "certificate-course": get(f"/credentials/{uuids['101']}"),
        "certificate-program-revoked": get(f"/credentials/{uuids['program']}"),
        "certificate-revoked": get(f"/credentials/{revoked}"),
        "about-verification": get("/about/verification"),
        "unsubscribe": get(f"/mail/unsubscribe/{unsubscribe}"),
        "verify-form": get("/verify"),
        "verify-verified": get(f"/verify?url=https://laurel.test/credentials/{mine}"),
        "verify-revoked": get(f"/verify?url=https://laurel.test/credentials/{revoked}"),
        "record": get(record),
        "wallet": get(f"/credentials/{uuids['101']}/wallet?offer={token}"),
        "wallet-unknown-link": get(f"/credentials/{uuids['101']}/wallet?offer=nope", 404),
        "not-found": get("/credentials/nothing-here", 404),
    }


def test_every_page_in_every_language(pages: Pages) -> None:
    problems = {}
    for name, fetch in pages.items():
        english = fetch("en")
        assert html_lang(english) == ("en", "ltr"), name
        for code in LANGUAGES:
            html = fetch(code)
            assert html_lang(html) == (code, "rtl" if code == "ar" else "ltr"), (name, code)
            missing = untranslated(html, code)
            if missing:
                problems[f"{name} [{code}]"] = missing
        # The check finds English where it is: the English page is full of source strings.
        assert untranslated(english, "es"), name
    assert not problems, problems
