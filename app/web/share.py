"""The public certificate page and what it links to: preview image, QR code, JSON download.

``GET /credentials/{uuid}`` itself lives in app/api/vc_api.py, which negotiates: browsers get
``credential_page`` below, machines the stored signed bytes.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from markupsafe import Markup
from sqlmodel import Session

from app.container import Services
from app.credentials.visibility import current_renewal, public_credential
from app.db import utcnow
from app.deps import OptionalLearner, ServicesDep, SessionDep
from app.errors import NotFound, ServiceUnavailable
from app.http.guard import GuardedRoute
from app.issuers.organizations import organization_or_none
from app.models import Course, IssuedCredential, Organization
from app.models.enums import CredentialKind, CredentialStatus
from app.sharing.linkedin import bare_id
from app.verification.report import Check, VerificationReport
from app.web.certificate import TYPE_WORDS, CertificateView, certificate_view
from app.web.context import WebContext, WebDep
from app.web.i18n import N_, format_date, format_time, language_headers
from app.web.i18n import current as current_language
from app.web.i18n import gettext as _
from app.web.pdf import PdfUnavailable, render_pdf
from app.web.preview import logo_file, render_preview, share_title
from app.web.sharing import linkedin_add_url, mailto_url, qr_svg
from app.web.themes import Signatory, Theme
from app.web.urls import allowed_url
from app.web.viewer import private_if_hidden, viewer_account

router = APIRouter(include_in_schema=False, route_class=GuardedRoute)
log = logging.getLogger("laurel.web")

PAGE_CACHE = "public, max-age=60"
ENHANCE_SCRIPT = "credentials/enhance.js"
#: SVG opened on its own is a document: no scripts, no fetches.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"
#: Check groups whose failure means the document itself cannot be trusted (a forgery, a
#: changed copy, an unknown issuer): only they give "could not be verified". Status and
#: validity are states of a genuine credential and have banners of their own.
TRUST_GROUPS = ("Signature", "Issuer", "Format")
#: Verifier check names, grouped as the page explains them to a person.
CHECK_GROUPS = (
    (N_("Signature"), ("proof",)),
    (N_("Issuer"), ("issuer", "issuer_key")),
    (N_("Status"), ("revocation", "suspension", "status")),
    (N_("Validity"), ("validity",)),
    (N_("Format"), ("schema",)),
)


@dataclass(frozen=True)
class CheckGroup:
    label: str
    passed: bool
    messages: list[str]


def check_message(check: Check, view: CertificateView, today: date) -> str:
    """What a check found, in the reader's language with dates in words (r15 3b): the
    verifier's own messages are English with ISO dates; unknown checks keep them."""
    start, end = view.awarded_text, view.valid_until_text
    if check.code == "VERIFICATION_TOO_COSTLY":
        return check.message  # not a forgery: the verifier stopped, and its message says why
    if check.name == "proof":
        return (
            _("The issuer's signature matches the content.")
            if check.passed
            else _("The signature does not match: the content was changed after it was issued.")
        )
    if check.name == "issuer":
        return (
            _("The issuer is known to this verifier.")
            if check.passed
            else _("The issuer could not be confirmed.")
        )
    if check.name == "issuer_key":
        return (
            _("The signing key belongs to the issuer.")
            if check.passed
            else _("The signing key does not belong to the issuer.")
        )
    if check.name in ("revocation", "status"):
        return _("Not revoked.") if check.passed else _("Revoked by the issuer.")
    if check.name == "suspension":
        return _("Not suspended.") if check.passed else _("Suspended by the issuer.")
    if check.name == "schema":
        return (
            _("Its content follows the Open Badges 3.0 schema.")
            if check.passed
            else _("Its content does not follow the Open Badges 3.0 schema.")
        )
    if check.name == "validity":
        if check.passed:
            if start and end:
                return _("Valid from %(start)s until %(end)s.", start=start, end=end)
            return (
                _("Valid since %(date)s.", date=start)
                if start
                else _("Within its validity period.")
            )
        if view.valid_until is not None and view.valid_until < today and end:
            return _("Expired on %(date)s.", date=end)
        if start:
            return _("Not valid before %(date)s.", date=start)
        return _("Outside its validity period.")
    return check.message


def _groups(report: VerificationReport, view: CertificateView, today: date) -> list[CheckGroup]:
    groups = []
    for label, names in CHECK_GROUPS:
        checks = [c for c in report.checks if c.name in names]
        if checks:
            messages = [check_message(c, view, today) for c in checks]
            groups.append(CheckGroup(label, all(c.passed for c in checks), messages))
        elif label == "Status":
            groups.append(CheckGroup(label, True, [_("this credential carries no status entry")]))
    return groups


def _json_ld_script(document: str) -> str:
    """The stored JSON made safe inside <script>: "<", ">" and "&" only occur in strings,
    where their \\u escapes mean the same characters (RFC 8259 §7)."""
    return document.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _signatories(course: Course | None, theme: Theme) -> list[Signatory]:
    """The course's signatories when it names any, else the theme's signatory block."""
    people = []
    for entry in course.signatories if course else []:
        if not isinstance(entry, dict) or not entry.get("name"):
            continue
        title = ", ".join(str(entry[k]) for k in ("title", "organization") if entry.get(k))
        people.append(
            Signatory(
                name=str(entry["name"]),
                title=title,
                image=allowed_url(entry.get("signature_image_url"), "image") or None,
                image_alt=_("Signature of %(name)s", name=str(entry["name"])),
            )
        )
    return people or list(theme.signatories)


def heading_word(theme: Theme, view: CertificateView, layout: str) -> str:
    """What the certificate calls itself: the theme's word for the achievementType, the
    theme's word for the layout, the type's own word, then the layout's default."""
    kind = view.achievement_type or ""
    local = theme.titles_i18n.get(current_language().code, {})
    own = local.get(kind) or local.get(layout) or theme.titles.get(kind) or theme.titles.get(layout)
    if own:
        return own  # the theme's own words, in the theme's language
    if layout == "program" and kind in ("", "Certificate", "LearningProgram"):
        return _("Program certificate")  # a program's default type says no more than that
    return _(TYPE_WORDS.get(kind) or "Certificate of achievement")


def page_state(record: IssuedCredential, view: CertificateView, today: date) -> str:
    """revoked, suspended, expired (past validUntil) or active."""
    if record.status in (CredentialStatus.REVOKED, CredentialStatus.SUSPENDED):
        return str(record.status)
    if view.valid_until is not None and view.valid_until < today:
        return "expired"
    return str(CredentialStatus.ACTIVE)


def _layout(record: IssuedCredential, view: CertificateView) -> str:
    if record.kind == CredentialKind.PROGRAM or (
        record.kind != CredentialKind.COURSE and view.is_program
    ):
        return "program"
    return "course"


class CredentialPage:
    """Everything the certificate template needs, from one stored credential."""

    def __init__(
        self, services: Services, web: WebContext, session: Session, record: IssuedCredential
    ) -> None:
        self.services, self.web, self.session, self.record = services, web, session, record
        self.document: dict[str, Any] = json.loads(record.document)
        self.view = certificate_view(self.document)
        self.org: Organization | None = organization_or_none(session, record.org_id)
        self.theme = web.themes.for_org(self.org.slug if self.org else None)

    def report(self) -> tuple[VerificationReport, datetime]:
        """The verifier's report and when it was made (reused for a few seconds)."""
        key = (self.record.uuid, self.record.status)
        return self.web.reports.get_or_make(
            key,
            lambda: (self.services.verifier.verify_stored(self.session, self.document), utcnow()),
        )

    def urls(self) -> dict[str, str]:
        page = self.services.identity.credential_url(self.record.uuid)
        here = f"./{self.record.uuid}"  # relative to /credentials/{uuid}: prefix-proof
        return {
            "page": page,
            "page_display": page.split("://", 1)[-1],
            "json": f"{here}/credential.json",
            "qr": f"{here}/qr.svg",
            "badge_png": f"{here}/badge.png",
            "badge_svg": f"{here}/badge.svg",
            # Absolute (crawlers fetch it), in the page's language when it is not the default.
            "preview": f"{page}/preview.png" + current_language().chosen,
            "pdf": f"{here}/certificate.pdf",
            "verify": f"../verify?url={quote(page, safe='')}",
            "about": "../about/verification",
        }

    def _renewed_url(self, record: IssuedCredential) -> str | None:
        """A renewed credential's page points to the current one (validity periods)."""
        if record.valid_until is None:
            return None
        newest = current_renewal(self.session, record)
        return self.services.identity.credential_url(newest.uuid) if newest else None

    def summary(self) -> str:
        """One sentence for the meta description and the e-mail body."""
        view, values = self.view, {"issuer": self.view.issuer_name, "title": self.view.title}
        if view.learner_name and view.awarded_text:
            return _(
                "%(issuer)s awarded %(name)s “%(title)s” on %(date)s.",
                name=view.learner_name,
                date=view.awarded_text,
                **values,
            )
        if view.learner_name:
            return _("%(issuer)s awarded %(name)s “%(title)s”.", name=view.learner_name, **values)
        if view.awarded_text:
            return _(
                "%(issuer)s awarded “%(title)s” on %(date)s.", date=view.awarded_text, **values
            )
        return _("%(issuer)s awarded “%(title)s”.", **values)

    def course(self) -> Course | None:
        return self.services.records.course_of(self.session, self.record)

    def render(self) -> str:
        view, record, urls = self.view, self.record, self.urls()
        report, checked = self.report()
        state = page_state(record, view, utcnow().date())
        course = self.course()
        layout = _layout(record, view)
        headline = share_title(view.learner_name, view.title)  # name first, <= 70 chars
        kicker = heading_word(self.theme, view, layout)
        summary = self.summary()
        issuer = self.document.get("issuer")
        changed = None
        if state in (CredentialStatus.REVOKED, CredentialStatus.SUSPENDED):
            events = self.services.credential_status.history(self.session, record.uuid)
            if events:
                changed = format_date(events[-1].at.date())
        groups = _groups(report, view, utcnow().date())
        untrusted = [_(g.label).lower() for g in groups if g.label in TRUST_GROUPS and not g.passed]
        label = _("QR code of this page's address")  # in the reader's language (r15 3c)
        qr = self.web.qr_codes.get_or_make(
            (urls["page"], label), lambda: qr_svg(urls["page"], inline=True, label=label)
        )
        org = self.org
        return self.web.render(
            self.web.theme_template(self.theme, layout),
            theme=self.theme,
            view=view,
            record=record,
            state=state,
            status_changed=changed,
            successor_url=(
                self.services.identity.credential_url(record.superseded_by)
                if record.superseded_by
                else None
            ),
            renewed_url=self._renewed_url(record),
            root="../",
            layout=f"credentials/{layout}.html",
            layout_kind=layout,
            kicker=kicker,
            verification={
                "verified": report.verified,
                "untrusted": untrusted,
                "groups": groups,
                "failed": [_(g.label).lower() for g in groups if not g.passed],
                "checked_at": f"{format_date(checked)}, {format_time(checked)} UTC",
                "checked_time": f"{format_time(checked)} UTC",
                "checked_iso": checked.isoformat(timespec="seconds"),
            },
            verified_mark=report.verified and state == CredentialStatus.ACTIVE,
            # A grade is the learner's: the page shows it only when the course opts in.
            show_results=bool(course and course.public_grade),
            indexable=bool(org and org.indexable) and state == CredentialStatus.ACTIVE,
            signatories=_signatories(course, self.theme),
            urls=urls,
            issuer_id=issuer.get("id") if isinstance(issuer, dict) else issuer,
            credential_uuid=bare_id(view.credential_id),
            share={
                "headline": headline,
                "summary": summary,
                # The page's own word (a Badge is not a "Certificate", r15 9).
                "image_alt": _(
                    "%(kind)s: %(title)s, issued by %(issuer)s",
                    kind=kicker,
                    title=view.title,
                    issuer=view.issuer_name,
                ),
                "linkedin": linkedin_add_url(
                    name=view.title,
                    organization=view.issuer_name,
                    issued=view.awarded,
                    expires=view.valid_until,
                    cert_url=urls["page"],
                    cert_id=view.credential_id,
                    organization_id=(org.linkedin_organization_id if org else None)
                    or self.theme.linkedin_organization_id,
                ),
                "mailto": mailto_url(
                    subject=_("My certificate: %(title)s", title=view.title),
                    body=summary + "\n\n" + _("See and verify it here: %(url)s", url=urls["page"]),
                ),
            },
            qr_inline=Markup(qr),  # segno's own SVG markup; the URL in it is ours
            jsonld=Markup(_json_ld_script(record.document)),
        )


def credential_page(request: Request, session: Session, record: IssuedCredential) -> Response:
    """The certificate as HTML (what ``GET /credentials/{uuid}`` answers a browser)."""
    services: Services = request.app.state.services
    web: WebContext = request.app.state.web
    page = CredentialPage(services, web, session, record)
    html = page.render()
    headers = {
        "Cache-Control": PAGE_CACHE,
        "Vary": "Accept",
        # Copy link and Print: templates/credentials/_enhance.html.
        "Content-Security-Policy": web.scripts.policy(ENHANCE_SCRIPT),
    }
    if not (page.org and page.org.indexable):
        headers["X-Robots-Tag"] = "noindex"  # also for crawlers that skip the <meta>
    return HTMLResponse(html, headers=headers)


@router.get("/credentials/{uuid}/credential.json")
def download_credential(uuid: str, session: SessionDep, learner: OptionalLearner) -> Response:
    """The stored signed credential as a file download (byte-identical)."""
    record = public_credential(session, uuid, viewer_account(learner))
    response = Response(
        record.document,
        media_type="application/vc+ld+json",
        headers={
            "Content-Disposition": f'attachment; filename="credential-{record.uuid}.json"',
            "Cache-Control": PAGE_CACHE,
        },
    )
    return private_if_hidden(session, record, response)


@router.get("/credentials/{uuid}/preview.png")
def preview_image(
    uuid: str, session: SessionDep, services: ServicesDep, web: WebDep, learner: OptionalLearner
) -> Response:
    """The Open Graph / Twitter card image, 1200x630 (a hidden credential's: its owner only)."""
    record = public_credential(session, uuid, viewer_account(learner))
    page = CredentialPage(services, web, session, record)
    state = page_state(record, page.view, utcnow().date())
    language = current_language().code  # the card's words and dates are the reader's
    key = (record.uuid, state, page.theme.version, language)
    layout = _layout(record, page.view)
    png = web.previews.get_or_make(
        key,
        lambda: render_preview(
            page.view,
            page.theme,
            state,
            heading=heading_word(page.theme, page.view, layout),
            logo_path=logo_file(page.theme, web.themes.asset_path),
        ),
    )
    response = Response(
        png, media_type="image/png", headers={"Cache-Control": "public, max-age=3600"}
    )
    language_headers(response.headers)
    return private_if_hidden(session, record, response)


@router.get("/credentials/{uuid}/certificate.pdf")
def certificate_pdf(
    uuid: str, session: SessionDep, services: ServicesDep, web: WebDep, learner: OptionalLearner
) -> Response:
    """The certificate's print layout as a one-page landscape PDF (QR code and code on it);
    a hidden credential's for its owner only."""
    record = public_credential(session, uuid, viewer_account(learner))
    page = CredentialPage(services, web, session, record)
    state = page_state(record, page.view, utcnow().date())
    themes_root = f"{services.identity.base_url}/themes/"

    def theme_file(url: str) -> Path | None:
        slug, _, name = url.removeprefix(themes_root).partition("/")
        return web.themes.asset_path(slug, name) if url.startswith(themes_root) else None

    def make() -> bytes:
        page_url = services.identity.credential_url(record.uuid)
        return render_pdf(page.render(), page_url, theme_file)

    try:
        key = (record.uuid, state, page.theme.version, current_language().code)
        pdf = web.pdfs.get_or_make(key, make)
    except PdfUnavailable as exc:
        log.error("certificate PDF: WeasyPrint cannot run here: %s", exc)
        raise ServiceUnavailable(
            "PDF certificates are not available on this server; print the page instead"
        ) from None
    headers = {
        "Cache-Control": PAGE_CACHE,
        "Content-Disposition": f'inline; filename="certificate-{record.uuid}.pdf"',
    }
    response = Response(pdf, media_type="application/pdf", headers=headers)
    return private_if_hidden(session, record, response)


@router.get("/credentials/{uuid}/qr.svg")
def qr_code(
    uuid: str, session: SessionDep, services: ServicesDep, learner: OptionalLearner
) -> Response:
    """A QR code of the certificate page's URL (a hidden credential's: its owner only)."""
    record = public_credential(session, uuid, viewer_account(learner))
    svg = qr_svg(services.identity.credential_url(record.uuid), scale=8)
    headers = {"Cache-Control": "public, max-age=86400", "Content-Security-Policy": SVG_CSP}
    response = Response(svg, media_type="image/svg+xml", headers=headers)
    return private_if_hidden(session, record, response)


@router.get("/themes/{slug}/{name}")
def theme_asset(slug: str, name: str, web: WebDep) -> Response:
    """A theme's logo or signature image (image files in the theme folder only)."""
    path = web.themes.asset_path(slug, name)
    if path is None:
        raise NotFound(f'no theme asset "{slug}/{name}"', field="name")
    media = "image/svg+xml" if path.suffix == ".svg" else None
    return FileResponse(
        path,
        media_type=media,
        headers={"Cache-Control": "public, max-age=3600", "Content-Security-Policy": SVG_CSP},
    )
