"""r15 3(b): "What was checked" on the certificate page speaks the reader's language with
dates in words, instead of the verifier's English messages with ISO dates."""

from __future__ import annotations

import pytest

from tests.factories import Factory
from tests.web.helpers import BROWSER_ACCEPT, expired_badge, uuid_of


@pytest.mark.parametrize(
    ("lang", "expired", "signature"),
    [
        ("en", "Expired on 1 June 2026.", "The issuer's signature matches the content."),
        ("es", "Caducó el 1 de junio de 2026.", "La firma del emisor coincide con el contenido."),
        (
            "fr",
            "A expiré le 1 juin 2026.",
            "La signature de l\u2019émetteur correspond au contenu.",
        ),
        ("ar", "انتهت صلاحيتها في 1 يونيو 2026.", "توقيع الجهة المُصدِرة يطابق المحتوى."),
    ],
)
def test_checks_are_told_in_the_readers_language(
    factory: Factory, lang: str, expired: str, signature: str
) -> None:
    uuid = uuid_of(factory.issue(factory.caller(), expired_badge()))
    page = factory.client.get(
        f"/credentials/{uuid}?lang={lang}", headers={"Accept": BROWSER_ACCEPT}
    ).text
    checks = page[page.index('<ul class="checks">') :]
    checks = checks[: checks.index("</ul>")]
    assert f"<small>{expired}</small>" in checks, checks
    assert f"<small>{signature}</small>" in checks.replace("&#39;", "'"), checks
    assert "T00:00:00Z" not in checks and "T10:" not in checks
    assert "not revoked" not in checks
