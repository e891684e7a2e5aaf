"""Languages of the pages: which one a request gets, its gettext catalog, and Babel formatting.

The reader's language is chosen per request (``?lang=`` first, then ``Accept-Language``
(RFC 9110 §12.5.4), else English) by ``LanguageMiddleware`` and held in a context variable, so
templates, Python code and error pages all see it without passing it around. HTML answers say
which language they are in (``Content-Language``) and that they vary by ``Accept-Language``
(shared caches must not hand a Spanish page to a French reader).

Marking strings:
- templates: ``{{ _("Verified") }}``, ``{{ _("Awarded to %(name)s", name=view.learner_name) }}``
  (new-style gettext: placeholders are filled and escaped by Jinja), and
  ``{{ ngettext("%(num)d credential", "%(num)d credentials", n) }}``;
- Python: ``from app.web.i18n import gettext as _`` and call it at request time; for module
  constants mark with ``N_("...")`` and translate where shown: ``_(CONSTANT)``.
Then ``make messages`` extracts, updates ``app/web/locales/*/LC_MESSAGES/messages.po`` and
compiles the ``.mo`` files (committed, so a fresh clone has them).
"""

from __future__ import annotations

import contextvars
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.support import NullTranslations, Translations
from markupsafe import Markup
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.marking import N_ as N_  # re-exported: Python code marks with it

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
DEFAULT = "en"


@dataclass(frozen=True)
class Language:
    code: str  # BCP 47 tag used in lang="" and Content-Language
    native_name: str  # how the switcher names it, in itself
    direction: str  # "ltr" or "rtl" (HTML dir attribute)
    babel_locale: str  # the CLDR locale whose date and number patterns it uses


#: English dates as "3 May 2026" (day first, as the pages always wrote them).
LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("en", "English", "ltr", "en_GB"),
        Language("es", "Español", "ltr", "es"),
        Language("fr", "Français", "ltr", "fr"),
        Language("ar", "العربية", "rtl", "ar"),
    )
}
#: At most this many Accept-Language entries are read (the header has no length of its own).
_MAX_RANGES = 32


def _supported(tag: str) -> str | None:
    primary = tag.strip().lower().replace("_", "-").split("-", 1)[0]
    return primary if primary in LANGUAGES else None


def negotiate(query_lang: str | None, accept_language: str | None) -> str:
    """``?lang=`` if it names a language we have, else the best ``Accept-Language`` match
    (q-values; a language range matches by its primary subtag), else English."""
    if query_lang and (chosen := _supported(query_lang[:35])):
        return chosen
    ranges: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")[:_MAX_RANGES]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranges.append((-quality, index, tag))
    for _, _, tag in sorted(ranges):
        if chosen := _supported(tag):
            return chosen
    return DEFAULT


@lru_cache(maxsize=len(LANGUAGES))
def translations(code: str) -> NullTranslations:
    """The compiled catalog of a language (English is the source: no catalog)."""
    if code == DEFAULT:
        return NullTranslations()
    return Translations.load(str(LOCALES_DIR), [code], domain=DOMAIN)


@dataclass(frozen=True)
class RequestLanguage:
    """The language of this request, and its query (for links to the same page in another)."""

    language: Language
    query: tuple[tuple[str, str], ...] = ()

    @property
    def code(self) -> str:
        return self.language.code

    @property
    def dir(self) -> str:
        return self.language.direction

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.language.babel_locale)

    @property
    def chosen(self) -> str:
        """ "?lang=xx" when the reader picked the language by the query, else "": for form
        actions and links that must keep the choice (Accept-Language needs no help)."""
        return f"?lang={self.code}" if any(k == "lang" for k, _ in self.query) else ""

    def switch_links(self) -> list[dict[str, Any]]:
        """One link per language to this page in it: a query-only relative reference keeps
        the path (and any mount prefix) and every other parameter."""
        others = [(k, v) for k, v in self.query if k != "lang"]
        return [
            {
                "code": lang.code,
                "name": lang.native_name,
                "href": "?" + urlencode([*others, ("lang", lang.code)]),
                "current": lang.code == self.code,
            }
            for lang in LANGUAGES.values()
        ]


_ENGLISH = RequestLanguage(LANGUAGES[DEFAULT])
_current: contextvars.ContextVar[RequestLanguage | None] = contextvars.ContextVar(
    "laurel_language", default=None
)


def current() -> RequestLanguage:
    """The request's language (English outside a request)."""
    return _current.get() or _ENGLISH


def use_language(code: str, query: Iterable[tuple[str, str]] = ()) -> contextvars.Token[Any]:
    """Make ``code`` the language of what runs next in this context (tests, CLI, workers)."""
    return _current.set(RequestLanguage(LANGUAGES.get(code, LANGUAGES[DEFAULT]), tuple(query)))


def gettext(message: str, **variables: Any) -> str:
    text = translations(current().code).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, number: int, **variables: Any) -> str:
    text = translations(current().code).ngettext(singular, plural, number)
    return text % {"num": number, **variables}


# -- Babel formatting in the reader's locale ------------------------------------------------


def format_date(value: date | datetime | None, format: str = "long") -> str:
    """ "3 May 2026", "3 de mayo de 2026", "3 mai 2026", "3 مايو 2026"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return babel_dates.format_date(value, format=format, locale=current().locale)


def format_time(value: datetime, format: str = "HH:mm") -> str:
    """A time of day in the reader's digits (pages add "UTC" themselves)."""
    return babel_dates.format_time(value, format=format, locale=current().locale)


def format_number(value: float | int) -> str:
    return babel_numbers.format_decimal(value, locale=current().locale)


def format_percent(value: float) -> str:
    """``0.5`` → "50%" or "50 %" as the locale writes it."""
    return babel_numbers.format_percent(value, locale=current().locale)


def install(env: Any) -> None:
    """Give a Jinja environment ``_``/``gettext``/``ngettext`` (new style: placeholders are
    filled and escaped by Jinja), the language of the request and the Babel filters."""
    env.add_extension("jinja2.ext.i18n")

    def _gettext(message: str) -> str:
        return translations(current().code).gettext(message)

    def _ngettext(singular: str, plural: str, number: int) -> str:
        return translations(current().code).ngettext(singular, plural, number)

    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)
    env.globals["language"] = current
    env.filters["date"] = format_date
    env.filters["time"] = format_time
    env.filters["number"] = format_number
    env.filters["percent"] = format_percent
    env.filters["bidi"] = isolate
    env.filters["text_dir"] = text_dir
    env.filters["time_tag"] = time_tag
    env.filters["strong"] = strong
    env.filters["translated"] = _gettext


def isolate(value: Any) -> Markup:
    """A name or title of unknown direction inside a sentence: <bdi> keeps an Arabic name from
    reordering an English sentence and the other way round (HTML §4.5.24). The explicit ``dir``
    is for renderers without bidi isolation (WeasyPrint, which makes the PDF)."""
    return Markup('<bdi dir="{}">{}</bdi>').format(text_dir(value), value)


def text_dir(value: Any) -> str:
    """``rtl`` or ``ltr`` from the text's first strong letter (the rule of ``dir="auto"``,
    HTML §3.2.6.4, and of Unicode's paragraph level, UAX #9 P2-P3); ``ltr`` when it has none."""
    for char in str(value or ""):
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def time_tag(value: date | datetime) -> Markup:
    """``<time datetime="2026-05-03">3 May 2026</time>``: the date in words in the reader's
    language, machine-readable in the attribute (HTML §4.5.15)."""
    day = value.date() if isinstance(value, datetime) else value
    return Markup('<time datetime="{}">{}</time>').format(day.isoformat(), format_date(day))


def strong(value: Any) -> Markup:
    """A name set in bold inside a translated sentence (escaped)."""
    return Markup("<strong>{}</strong>").format(value)


# -- the middleware -------------------------------------------------------------------------


def _vary(headers: MutableHeaders) -> None:
    existing = [v.strip() for v in headers.get("vary", "").split(",") if v.strip()]
    if "accept-language" not in (v.lower() for v in existing) and "*" not in existing:
        headers["Vary"] = ", ".join([*existing, "Accept-Language"])


def language_headers(headers: MutableHeaders) -> None:
    """``Content-Language`` and ``Vary: Accept-Language`` for an answer made in the request's
    language (HTML gets them from the middleware; call this for other localized answers)."""
    headers["Content-Language"] = current().code
    _vary(headers)


#: The cookie that remembers a language chosen with ``?lang=`` (a year; only the code).
LANGUAGE_COOKIE = "lang"


def _cookie_language(scope: Scope) -> str | None:
    for key, value in scope["headers"]:
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                name, _, code = part.strip().partition("=")
                if name == LANGUAGE_COOKIE and code:
                    return _supported(code[:35])
    return None


def _language_cookie(code: str, scope: Scope) -> str:
    secure = "; Secure" if scope.get("scheme") == "https" else ""
    return f"{LANGUAGE_COOKIE}={code}; Path=/; Max-Age=31536000; SameSite=Lax{secure}"


def _private(headers: MutableHeaders) -> None:
    """A page whose language came from (or sets) the cookie is one reader's: shared caches must
    neither keep it nor serve it to others (``private``; ``Vary: Cookie`` for the rest)."""
    control = headers.get("cache-control", "")
    if "no-store" not in control:
        parts = [p.strip() for p in control.split(",") if p.strip() and p.strip() != "public"]
        headers["Cache-Control"] = ", ".join(["private", *[p for p in parts if p != "private"]])
    existing = [v.strip() for v in headers.get("vary", "").split(",") if v.strip()]
    if "cookie" not in (v.lower() for v in existing):
        headers["Vary"] = ", ".join([*existing, "Cookie"])


class LanguageMiddleware:
    """Chooses the language of each HTTP request and labels HTML answers with it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        accept = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == b"accept-language"), None
        )
        asked = dict(query).get("lang")
        picked = _supported(asked[:35]) if asked else None
        remembered = _cookie_language(scope) if picked is None else None
        code = negotiate(picked or remembered, accept)
        token = use_language(code, query)

        async def send_labelled(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith("text/html"):
                    language_headers(headers)
                    if picked:  # remembered for the next page (r15 5)
                        headers.append("Set-Cookie", _language_cookie(picked, scope))
                    if picked or remembered:
                        _private(headers)
            await send(message)

        try:
            await self.app(scope, receive, send_labelled)
        finally:
            _current.reset(token)
