"""``/credentials/{uuid}/certificate.pdf``: one landscape page from the print layout, fonts
embedded, the QR code (which decodes to the page) and the human credential code on it."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader
from sqlalchemy.engine import Engine

from app.web.certificate import human_code
from tests.conftest import BASE_URL
from tests.factories import Factory
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
