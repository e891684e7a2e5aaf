"""``/credentials/{uuid}/certificate.pdf``: one landscape page from the print layout, fonts
embedded, the QR code (which decodes to the page) and the human credential code on it."""

from __future__ import annotations

import io
import math
import unicodedata
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader
from sqlalchemy.engine import Engine

from app.web.certificate import human_code
from tests.conftest import BASE_URL
from tests.factories import Factory
from tests.lms import Lms
from tests.web.helpers import graded_badge, named_badge, set_status, uuid_of, whole_badge


def _fonts(reader: PdfReader) -> dict[str, bool]:
    """Each font the page uses, and whether its program is embedded (FontFile, FontFile2 or
    FontFile3 in its descriptor: ISO 32000-1 §9.8)."""
    out = {}
    for ref in reader.pages[0]["/Resources"]["/Font"].values():
        font = ref.get_object()
        descriptor = font.get("/FontDescriptor")
        if descriptor is None:  # a composite font keeps it on its descendant
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        keys = set(descriptor.get_object())
        out[str(font["/BaseFont"])] = bool(keys & {"/FontFile", "/FontFile2", "/FontFile3"})
    return out


def _pdf(factory: Factory, uuid: str) -> bytes:
    response = factory.client.get(f"/credentials/{uuid}/certificate.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return response.content


def test_pdf_is_one_landscape_page_with_embedded_fonts_qr_and_code(
    factory: Factory, engine: Engine, artifacts: Path
) -> None:
    vc = factory.issue(factory.caller(), whole_badge())
    uuid = uuid_of(vc)
    pdf = _pdf(factory, uuid)
    (artifacts / f"certificate-{engine.dialect.name}.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    fonts = _fonts(reader)
    assert fonts and all(fonts.values()), fonts
    text = reader.pages[0].extract_text()
    assert human_code(vc["id"]) in text and "Statistics for Data Work" in text
    assert "statistics" in text and "data" in text  # the Badge's tags (r15 9)
    assert_clean_layout(pdf, ["Descriptive statistics", "statistics", human_code(vc["id"])])
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=2).to_pil()
    image.save(artifacts / f"certificate-pdf-{engine.dialect.name}.png")
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [f"{BASE_URL}/credentials/{uuid}"]


def test_long_texts_still_fit_one_page(factory: Factory) -> None:
    credential = graded_badge("Advanced Topics in Distributed Systems and Consensus " * 3)
    credential["credentialSubject"]["achievement"]["description"] = "A long description. " * 80
    pdf = _pdf(factory, uuid_of(factory.issue(factory.caller("northwind"), credential)))
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


def test_theme_images_come_from_disk_and_nothing_is_fetched(
    factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    """Northwind's logo is read from the theme folder; a remote image in a credential is left
    blank, quietly (pytest-socket would fail the test on any connection)."""
    credential = named_badge("Applied Machine Learning")
    credential["credentialSubject"]["achievement"]["image"] = {
        "id": "https://images.example.net/badge.png", "type": "Image"
    }  # fmt: skip
    pdf = _pdf(factory, uuid_of(factory.issue(factory.caller("northwind"), credential)))
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "NORTHWIND" in text  # the theme's SVG logo, drawn from templates/themes/northwind
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "WARNING")]


@pytest.mark.parametrize("action", ["revoke"])
def test_revoked_pdf_is_marked_void(factory: Factory, action: str) -> None:
    uuid = uuid_of(factory.issue(factory.caller(), named_badge()))
    set_status(factory.services, uuid, action)
    text = PdfReader(io.BytesIO(_pdf(factory, uuid))).pages[0].extract_text()
    assert "revoked" in text.lower()


def test_unknown_credential_has_no_pdf(factory: Factory) -> None:
    response = factory.client.get(
        "/credentials/00000000-0000-4000-8000-000000000000/certificate.pdf"
    )
    assert response.status_code == 404


# ---- Layout: nothing overlaps, nothing leaves the page (r15 findings 1 and 2) ----

LONG_NAME = "Maximiliana Wilhelmina Alexandrovna Konstantinopoulou-Vanderbilt"
ARABIC_NAME = "فاطمة الزهراء بنت عبد الرحمن"

Box = tuple[float, float, float, float]


def _lines(pdf: bytes) -> tuple[list[tuple[str, Box]], Box]:
    """Runs of upright text on the page with their boxes in points (left, bottom, right, top),
    and the page box. A run ends at a line break or a gap wider than a few letters; rotated
    letters (the void stamp, a watermark meant to cross the text) are left out."""
    page = pypdfium2.PdfDocument(pdf)[0]
    textpage = page.get_textpage()
    runs: list[tuple[str, Box]] = []
    text, box = "", None

    def flush() -> None:
        nonlocal text, box
        if box is not None and text.strip():
            runs.append((text.strip(), box))
        text, box = "", None

    for i in range(textpage.count_chars()):
        char = textpage.get_text_range(i, 1)
        char = "-" if char in "\x02\ufffe" else char  # pdfium's mark for a line-end hyphen
        angle = pypdfium2.raw.FPDFText_GetCharAngle(textpage.raw, i)
        if char in "\r\n" or min(angle, 2 * math.pi - angle) > 0.01:
            flush()
            continue
        if char.isspace() or unicodedata.category(char) == "Mn":  # spaces, Arabic vowel marks
            text += char
            continue
        left, bottom, right, top = textpage.get_charbox(i)
        if box is not None and (
            left - box[2] > 12 or box[0] - right > 12 or bottom >= box[3] or top <= box[1]
        ):  # a gap, or the next line
            flush()
        box = (
            (left, bottom, right, top)
            if box is None
            else (min(box[0], left), min(box[1], bottom), max(box[2], right), max(box[3], top))
        )
        text += char
    flush()
    return runs, (0.0, 0.0, page.get_width(), page.get_height())


def _read_left_to_right(pdf: bytes) -> list[str]:
    """Each line of the page as its glyphs stand, left to right (not in content order)."""
    page = pypdfium2.PdfDocument(pdf)[0]
    textpage = page.get_textpage()
    rows: dict[int, list[tuple[float, str]]] = {}
    for i in range(textpage.count_chars()):
        char = textpage.get_text_range(i, 1)
        if char.isspace() or char in "\x02\ufffe":
            continue
        left, bottom, _, top = textpage.get_charbox(i)
        rows.setdefault(round((bottom + top) / 4), []).append((left, char))
    return ["".join(c for _, c in sorted(row)) for _, row in sorted(rows.items())]


def _intersect(a: Box, b: Box, slack: float = 0.75) -> bool:
    """True when two boxes share more than a hairline (glyph boxes of neighbouring lines may
    touch: descenders, accents)."""
    return min(a[2], b[2]) - max(a[0], b[0]) > slack and min(a[3], b[3]) - max(a[1], b[1]) > slack


def assert_clean_layout(pdf: bytes, expected: list[str]) -> None:
    """Every expected text is on the page, every line inside the page with a margin, and no two
    lines overlap."""
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    lines, page = _lines(pdf)
    whole = " ".join(t for t, _ in lines)
    flat = "".join(whole.split())
    for text in expected:
        assert "".join(text.split()) in flat, (text, whole)
    # Inside the frame's inner line: 15 mm (sides) and 7 mm (top, bottom) of paper, then the
    # border and the gap to the inner line, about 8 mm.
    side, end = 65.0, 42.0
    for text, box in lines:
        assert box[0] >= side and box[1] >= end, (text, box, page)
        assert box[2] <= page[2] - side and box[3] <= page[3] - end, (text, box, page)
    content = lines
    clashes = [
        (a, b)
        for i, (a, box_a) in enumerate(content)
        for b, box_b in content[i + 1 :]
        if _intersect(box_a, box_b)
    ]
    assert not clashes, clashes


def _program_credential(factory: Factory, learner: str, theme: str = "northwind") -> str:
    """A program credential (Laurel's own program layout) for a learner with a long name."""
    lms = Lms(factory, factory.caller(theme))
    for number, title in ((1, "Introduction to Cryptography"),
                          (2, "Applied Machine Learning for Public Health Data Systems and "
                              "Policy Analysis")):  # fmt: skip
        lms.course(f"course-v1:NW+P{number}+2026", title=title, public_grade=True)
    lms.program(
        "data-science",
        ["NW+P1", "NW+P2"],
        title="Professional Certificate in Data Science and Responsible Computing",
        program_type="Professional Certificate",
    )
    for number in (1, 2):
        lms.grade(learner="ln", run=f"course-v1:NW+P{number}+2026", grade=0.95, name=learner)
    credentials = lms.get("/learners/ln/credentials").json()
    (program,) = [c for c in credentials if c["kind"] == "program"]
    return str(program["uuid"])


def _save(pdf: bytes, artifacts: Path, name: str) -> None:
    (artifacts / f"{name}.pdf").write_bytes(pdf)
    pypdfium2.PdfDocument(pdf)[0].render(scale=2).to_pil().save(artifacts / f"{name}.png")


@pytest.mark.parametrize("revoked", [False, True], ids=["valid", "revoked"])
def test_program_pdf_with_a_long_name_has_no_overlaps(
    factory: Factory, artifacts: Path, revoked: bool
) -> None:
    uuid = _program_credential(factory, LONG_NAME)
    if revoked:
        set_status(factory.services, uuid, "revoke")
    pdf = _pdf(factory, uuid)
    _save(pdf, artifacts, f"pdf-program-long-name-{'revoked' if revoked else 'valid'}")
    assert_clean_layout(
        pdf,
        [LONG_NAME, "Dr. Amara Okafor", "Dean of Continuing Education", "Prof. Lars Lindqvist",
         "Program Director", "Northwind University", human_code(uuid)],
    )  # fmt: skip


def test_arabic_pdf_is_centred_and_inside_the_page(factory: Factory, artifacts: Path) -> None:
    credential = graded_badge("Introduction to Cryptography")
    for identifier in credential["credentialSubject"]["identifier"]:
        if identifier.get("identityType") == "name":
            identifier["identityHash"] = ARABIC_NAME
    uuid = uuid_of(factory.issue(factory.caller("northwind"), credential))
    response = factory.client.get(f"/credentials/{uuid}/certificate.pdf?lang=ar")
    assert response.status_code == 200
    pdf = response.content
    _save(pdf, artifacts, "pdf-arabic")
    assert_clean_layout(pdf, ["Introduction to Cryptography"])
    # The code as a reader sees it, left to right: WeasyPrint writes a code such as
    # 6109-8377-1E92 inside an Arabic line as two glyph runs, the later one first, so the
    # content stream's order is not the page's.
    rows = _read_left_to_right(pdf)
    assert any(human_code(uuid) in row for row in rows), rows
    lines, page = _lines(pdf)
    left = min(box[0] for _, box in lines)
    right = max(box[2] for _, box in lines)
    assert abs(left - (page[2] - right)) < 0.1 * page[2], (left, right, page)  # centred
