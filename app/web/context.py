"""What the HTML views share: the Jinja environment, the themes and the caches."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.verification.report import VerificationReport
from app.web import i18n
from app.web.cache import LruCache
from app.web.security_headers import InlineScripts
from app.web.themes import Theme, ThemeRegistry, asset_url
from app.web.urls import allowed_url

#: The verifier's answer for a page is reused this long (the JSON is cached as long, too).
REPORT_TTL_SECONDS = 30
PDF_TTL_SECONDS = 300


def make_environment(templates_dir: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=True,
    )
    env.filters["allowed_url"] = allowed_url  # every templated href and src goes through it
    env.globals["asset_url"] = asset_url
    i18n.install(env)  # _(), ngettext(), language(), Babel date/number filters
    return env


@dataclass
class WebContext:
    templates_dir: Path
    env: Environment = field(init=False)
    themes: ThemeRegistry = field(init=False)
    scripts: InlineScripts = field(init=False)
    reports: LruCache[tuple[VerificationReport, datetime]] = field(
        default_factory=lambda: LruCache(4096, REPORT_TTL_SECONDS)
    )
    previews: LruCache[bytes] = field(default_factory=lambda: LruCache(512))
    qr_codes: LruCache[str] = field(default_factory=lambda: LruCache(1024))
    #: Certificate PDFs: a few hundred ms each to lay out; a course setting may change what
    #: they show (the grade), so they are kept a few minutes only.
    pdfs: LruCache[bytes] = field(default_factory=lambda: LruCache(256, PDF_TTL_SECONDS))

    def __post_init__(self) -> None:
        self.env = make_environment(self.templates_dir)
        self.scripts = InlineScripts(self.templates_dir)
        self.env.globals["inline_script"] = self.scripts
        self.themes = ThemeRegistry(self.templates_dir / "themes")

    def render(self, names: list[str], **context: Any) -> str:
        return self.env.select_template(names).render(**context)

    def theme_template(self, theme: Theme, layout: str) -> list[str]:
        """A theme's own template for this layout, its generic override, then the default."""
        names = []
        if theme.slug:
            names += [f"themes/{theme.slug}/{layout}.html", f"themes/{theme.slug}/certificate.html"]
        return [*names, f"credentials/{layout}.html"]


def get_web(request: Request) -> WebContext:
    return request.app.state.web


WebDep = Annotated[WebContext, Depends(get_web)]
