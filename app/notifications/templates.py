"""Mail templates: ``templates/mail/<kind>.{subject,txt,html}``, each overridable per
organization by a file of the same name in ``templates/themes/<org-slug>/mail/``.

HTML is autoescaped and its links go through ``allowed_url``; the subject and plain text are
not HTML, and the subject is folded to one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def allowed_url(value: object) -> str:
    """Only absolute http(s) links reach a mail's HTML (as in the pages, app.web.urls)."""
    if not isinstance(value, str):
        return ""
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.hostname else ""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class MailTemplates:
    def __init__(self, templates_dir: Path) -> None:
        self.templates_dir = templates_dir

    @lru_cache(maxsize=256)  # noqa: B019  (one renderer per process, a few organizations)
    def _env(self, org_slug: str | None) -> Environment:
        loaders = []
        if org_slug and _SLUG.match(org_slug):
            loaders.append(FileSystemLoader(self.templates_dir / "themes" / org_slug / "mail"))
        loaders.append(FileSystemLoader(self.templates_dir / "mail"))
        env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(["html"], default_for_string=False, default=False),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            auto_reload=True,
        )
        env.filters["allowed_url"] = allowed_url  # every href in a mail goes through it
        return env

    def render(self, org_slug: str | None, kind: str, context: dict[str, Any]) -> Rendered:
        env = self._env(org_slug)
        subject = env.get_template(f"{kind}.subject").render(context)
        return Rendered(
            subject=" ".join(subject.split())[:500],
            text=env.get_template(f"{kind}.txt").render(context),
            html=env.get_template(f"{kind}.html").render(context),
        )
