"""Hostile uploads: pages and scripts under any name, Office zip bombs,
names that climb out of folders or hide their extension. The shared check
refuses them with a field error, and the forms and API that use it answer
400 / a form message with nothing stored."""

import io
import zipfile

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from academy import uploads
from academy.errors import ApplicationError
from courses import services as course_services
from courses.models import Lesson
from distributors.models import FieldReport
from tests.courses.factories import CourseFactory, ModuleFactory
from tests.files import ooxml_bytes, pdf_bytes
from tests.webinars.factories import SessionFactory
from webinars.models import Material

KINDS = {".pdf": uploads.PDF, ".png": uploads.PNG, ".xlsx": uploads.XLSX, ".docx": uploads.DOCX}
XLSX = uploads.XLSX.content_type
HTML = b"<!doctype html><html><body><script>fetch('/api/v1/me/')</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


def _check(name: str, content: bytes, content_type: str = "") -> str:
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    with translation.override("en"):
        return uploads.upload_check(upload, field_name="file", kinds=KINDS, max_bytes=200 * uploads.MB)


def _refusal(name: str, content: bytes, content_type: str = "") -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        _check(name, content, content_type)
    assert list(caught.value.fields) == ["file"] and caught.value.status == 400
    return caught.value


def xlsx_with_entries(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for index in range(count - 2):
            archive.writestr(f"xl/worksheets/sheet{index}.xml", "")
    return buffer.getvalue()


def xlsx_inflating_to(size: int) -> bytes:
    """A small XLSX whose one sheet of zeros declares ``size`` bytes once inflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b"\0" * uploads.MB
            for _ in range(size // uploads.MB):
                sheet.write(chunk)
            sheet.write(b"\0" * (size % uploads.MB))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "declared"),
    [
        ("page.html", HTML, "text/html"),
        ("page.htm", HTML, ""),
        ("drawing.svg", SVG, "image/svg+xml"),
        ("drawing.svg", SVG, "image/png"),
    ],
)
def test_pages_and_svg_are_refused_by_type(name, content, declared):
    error = _refusal(name, content, declared)
    assert error.message.startswith("This type of file is not accepted.")
    assert "DOCX, PDF, PNG, XLSX" in error.message


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("rapport.pdf", HTML),  # a page under a PDF name
        ("rapport.pdf", SVG),
        ("photo.png", SVG),
        ("tableau.xlsx", HTML),
        ("tableau.xlsx", pdf_bytes()),
    ],
)
def test_content_decides_not_the_name(name, content):
    error = _refusal(name, content, "")
    assert error.message == "The file content does not match its type; it may be damaged."


def test_a_pdf_declared_as_a_page_is_refused():
    error = _refusal("rapport.pdf", pdf_bytes(), "text/html")
    assert error.message == "The file type does not match its name."


def test_office_files_within_the_limits_pass():
    assert _check("tableau.xlsx", xlsx_with_entries(2000), XLSX) == XLSX
    assert _check("lettre.docx", ooxml_bytes("word/document.xml")) == uploads.DOCX.content_type


def test_an_office_file_with_too_many_entries_is_refused():
    error = _refusal("tableau.xlsx", xlsx_with_entries(2001), XLSX)
    assert error.message == "This file holds too many parts (2001); the limit is 2000."


def test_an_office_file_inflating_beyond_the_limit_is_refused():
    bomb = xlsx_inflating_to(100 * uploads.MB + 1)
    assert len(bomb) < 1 * uploads.MB  # small on the wire
    error = _refusal("tableau.xlsx", bomb, XLSX)
    assert error.message == "This file would take 100 MB once unpacked; the limit is 100 MB."
    # Exactly at the limit it passes.
    assert _check("tableau.xlsx", xlsx_inflating_to(100 * uploads.MB - 1024), XLSX) == XLSX


@override_settings(UPLOAD_ZIP_MAX_ENTRIES=10, UPLOAD_ZIP_MAX_INFLATED_BYTES=2 * uploads.MB)
def test_the_limits_come_from_the_settings():
    assert _refusal("a.xlsx", xlsx_with_entries(11)).message.endswith("the limit is 10.")
    assert _check("a.xlsx", xlsx_with_entries(10)) == XLSX
    assert _refusal("a.xlsx", xlsx_inflating_to(3 * uploads.MB)).message.endswith("the limit is 2 MB.")


def test_the_refusal_is_in_french_for_french_speakers():
    upload = SimpleUploadedFile("tableau.xlsx", xlsx_with_entries(2001), content_type=XLSX)
    with translation.override("fr"), pytest.raises(ApplicationError) as caught:
        uploads.upload_check(upload, field_name="file", kinds=KINDS, max_bytes=uploads.MB)
    assert caught.value.message == "Ce fichier contient trop d’éléments (2001) ; la limite est de 2000."


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\boot.pdf", "boot.pdf"),
        ("\uff0e\uff0e\uff0fsecret.pdf", "secret.pdf"),  # full-width dots and slash
        ("facture\u202efdp.html", "facturefdp.html"),  # right-to-left override hiding ".html"
        ("a\x00b\r\n.pdf", "ab.pdf"),
        ("  two   spaces .pdf ", "two spaces .pdf"),
        ("tab\t.pdf", "tab.pdf"),
        ("zero\u200bwidth.pdf", "zerowidth.pdf"),
        ("..", "file"),
        ("", "file"),
        (".hidden.pdf", "hidden.pdf"),
        ("e\u0301te\u0301.pdf", "été.pdf"),  # decomposed accents composed
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_names_are_normalised(raw, clean):
    assert uploads.upload_name_normalise(raw) == clean


def test_a_name_hiding_its_extension_is_judged_on_the_real_one():
    error = _refusal("facture\u202efdp.html", HTML)
    assert error.message.startswith("This type of file is not accepted.")


def test_the_check_leaves_the_normalised_name_on_the_upload():
    upload = SimpleUploadedFile("../../x\u202e.pdf", pdf_bytes(), content_type="application/pdf")
    uploads.upload_check(upload, field_name="file", kinds=KINDS, max_bytes=uploads.MB)
    assert upload.name == "x.pdf"


# ----------------------------------------------------- through the product


def _stored(folder: str) -> list[str]:
    try:
        return storages["private"].listdir(folder)[1]
    except FileNotFoundError:
        return []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("slides.html", HTML, "Ce type de fichier n’est pas accepté"),
        ("slides.svg", SVG, "Ce type de fichier n’est pas accepté"),
        ("slides.pdf", HTML, "Le contenu du fichier ne correspond pas à son type"),
        ("slides.xlsx", None, "Ce fichier contient trop d’éléments (20000)"),
    ],
)
def test_a_hostile_material_is_refused_with_a_message_and_nothing_stored(
    client, network, name, content, message
):
    session = SessionFactory(trainers=[network.trainer])
    before = _stored("webinars/materials")  # the in-memory storage outlives each test
    client.force_login(network.trainer)
    upload = SimpleUploadedFile(name, content or xlsx_with_entries(20_000), content_type="")
    response = client.post(
        reverse("webinars:material_add", args=[session.pk]), {"title": "Diapositives", "file": upload}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Diapositives" not in page
    assert message in page
    assert not Material.objects.exists()
    assert _stored("webinars/materials") == before


@pytest.mark.django_db
def test_a_zip_bomb_attachment_is_a_400_with_the_field_error(client, network):
    client.force_login(network.lead_a)
    payload = {
        "kind": "customer_feedback",
        "title": "Tableau des ventes",
        "description": "Chiffres du trimestre",
        "attachment": SimpleUploadedFile("ventes.xlsx", xlsx_inflating_to(101 * uploads.MB), XLSX),
    }
    response = client.post(reverse("api:distributors-field-report-list"), payload)  # multipart
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_attachment"
    # In the person's language (French here).
    message = "Une fois décompressé, ce fichier occuperait 101 Mo ; la limite est de 100 Mo."
    assert body["fields"] == {"attachment": [message]}
    assert not FieldReport.objects.exists()


@pytest.mark.django_db
def test_a_lesson_document_with_too_many_entries_is_refused_and_no_lesson_made(network):
    module = ModuleFactory(course=CourseFactory(actor=network.trainer))
    before = _stored("courses/lessons")
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        for index in range(20_000):
            archive.writestr(f"word/media/{index}.xml", "")
    with pytest.raises(ApplicationError) as caught:
        course_services.lesson_create(
            actor=network.trainer,
            module=module,
            title="Fiche",
            kind="document",
            document_file=SimpleUploadedFile("fiche.docx", docx.getvalue()),
        )
    assert list(caught.value.fields) == ["document_file"]
    assert not Lesson.objects.filter(module=module).exists()
    assert _stored("courses/lessons") == before


@pytest.mark.django_db
def test_an_svg_cover_is_refused(network):
    before = _stored("courses/covers")
    with pytest.raises(ApplicationError) as caught:
        CourseFactory(actor=network.trainer, cover=SimpleUploadedFile("cover.svg", SVG, "image/svg+xml"))
    assert list(caught.value.fields) == ["cover"]
    assert _stored("courses/covers") == before
