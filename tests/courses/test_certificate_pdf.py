"""Certificates print every holder's name as typed, in an embedded font."""

import io
import unicodedata

import pytest
from pypdf import PdfReader

from courses.models import Certificate
from courses.pdf import certificate_pdf
from tests.courses.factories import build_course, complete_course

pytestmark = pytest.mark.django_db

# Romanian comma-below letters, a West African hooked B, Yoruba dots below with
# tone marks typed as combining accents (decomposed, as many keyboards send them).
NAMES = [
    ("Ștefan", "Țurcanu-Ɓaldé"),
    ("Ngozi", unicodedata.normalize("NFD", "Ọkọ́nkwọ́")),
]


def _certificate(network, first, last, title="Hygiène"):
    network.staff_a.first_name, network.staff_a.last_name = first, last
    network.staff_a.save()
    complete_course(network.staff_a, build_course(owner=network.trainer, title=title))
    return Certificate.objects.get(user=network.staff_a)


def _fonts(reader):
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            fonts[str(font["/BaseFont"])] = described.get("/FontDescriptor")
    return fonts


@pytest.mark.parametrize(("first", "last"), NAMES)
def test_the_name_is_extracted_back_from_the_pdf(network, first, last):
    certificate = _certificate(network, first, last, title="Ɓaoulé : Ọ̀rọ̀ ṣíṣe")
    reader = PdfReader(io.BytesIO(certificate_pdf(certificate)))
    text = unicodedata.normalize("NFC", reader.pages[0].extract_text())
    assert unicodedata.normalize("NFC", f"{first} {last}") in text
    assert unicodedata.normalize("NFC", "Ɓaoulé : Ọ̀rọ̀ ṣíṣe") in text
    assert "Certificat de réussite" in text
    assert "\ufffd" not in text and "■" not in text


def test_every_font_is_embedded_as_a_truetype_subset(network):
    certificate = _certificate(network, *NAMES[0])
    content = certificate_pdf(certificate)
    fonts = _fonts(PdfReader(io.BytesIO(content)))
    assert fonts, "the page uses fonts"
    for name, descriptor in fonts.items():
        assert descriptor is not None and "/FontFile2" in descriptor.get_object(), name
        # A subset: the name carries reportlab's six-letter tag and the file stays small.
        assert "DejaVuSans" in name and "+" in name, name
    assert len(content) < 120_000


def test_the_title_metadata_keeps_the_letters(network):
    certificate = _certificate(network, *NAMES[0], title="Ƙwarewa")
    reader = PdfReader(io.BytesIO(certificate_pdf(certificate)))
    assert reader.metadata.title.endswith("Ƙwarewa")


def _demo_pdfs():
    from courses.demo import _pdf
    from distributors.demo import _demo_pdf

    yield _pdf("Fiche — Ɓ", ["Ọkọ́nkwọ́"]).read()
    yield _demo_pdf("Rapport Ș")


def test_the_other_pdfs_of_the_platform_use_the_same_embedded_font():
    for content in _demo_pdfs():
        fonts = _fonts(PdfReader(io.BytesIO(content)))
        assert fonts and all(
            "DejaVuSans" in name and "/FontFile2" in d.get_object() for name, d in fonts.items()
        )
