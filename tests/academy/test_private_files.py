"""Every file any model keeps is private: walk each FileField / ImageField of
every model, store a file through the real service, and prove it leaves only
through its checked view, with the download headers, in both serving modes
(Django streams it; nginx sends it after an X-Accel-Redirect)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import override_settings
from django.urls import Resolver404, resolve, reverse

from academy.downloads import CONTENT_SECURITY_POLICY
from distributors import services as distributor_services
from tests.courses.factories import CourseFactory, LessonFactory, ModuleFactory
from tests.files import ooxml_bytes, pdf_bytes, png_bytes
from tests.webinars.factories import SessionFactory
from webinars import services as webinar_services

pytestmark = pytest.mark.django_db

MP4_BYTES = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class Stored:
    """A stored file, where it is downloaded, who may and who may not."""

    instance: models.Model
    url: str
    content: bytes
    content_type: str
    inline: bool
    entitled: Any
    unrelated: Any


def _course_cover(net: Any) -> Stored:
    course = CourseFactory(
        actor=net.trainer, cover=SimpleUploadedFile("couverture.png", png_bytes(), content_type="image/png")
    )
    url = reverse("courses:course_cover", args=[course.slug])
    return Stored(course, url, png_bytes(), "image/png", True, net.trainer, net.staff_b)


def _lesson_document(net: Any) -> Stored:
    module = ModuleFactory(course=CourseFactory(actor=net.trainer))
    lesson = LessonFactory(
        module=module,
        kind="document",
        document_file=SimpleUploadedFile("fiche.docx", ooxml_bytes("word/document.xml"), content_type=DOCX),
    )
    url = reverse("courses:lesson_file", args=[module.course.slug, lesson.pk])
    return Stored(lesson, url, ooxml_bytes("word/document.xml"), DOCX, False, net.trainer, net.staff_b)


def _lesson_video(net: Any) -> Stored:
    module = ModuleFactory(course=CourseFactory(actor=net.trainer))
    lesson = LessonFactory(
        module=module,
        kind="video",
        video_url="",
        video_file=SimpleUploadedFile("demo.mp4", MP4_BYTES, content_type="video/mp4"),
    )
    url = reverse("courses:lesson_file", args=[module.course.slug, lesson.pk])
    return Stored(lesson, url, MP4_BYTES, "video/mp4", True, net.trainer, net.staff_b)


def _field_report_attachment(net: Any) -> Stored:
    report = distributor_services.field_report_create(
        sender=net.lead_a,
        kind="customer_feedback",
        title="Retour laboratoire",
        description="Ils demandent le manuel en français.",
        attachment=SimpleUploadedFile("retour.pdf", pdf_bytes(), content_type="application/pdf"),
    )
    url = reverse("distributors:field_report_attachment", args=[report.pk])
    # A report's attachment is always a download, PDF included.
    return Stored(report, url, pdf_bytes(), "application/pdf", False, net.manager_a, net.staff_b)


def _material_file(net: Any) -> Stored:
    session = SessionFactory(
        trainers=[net.trainer],
        audience={"audience_everyone": False, "audience_distributors": [net.distributor_a]},
    )
    material = webinar_services.material_add(
        actor=net.trainer,
        session=session,
        title="Diapositives",
        file=SimpleUploadedFile("diapositives.pdf", pdf_bytes(), content_type="application/pdf"),
    )
    url = reverse("webinars:material_file", args=[material.pk])
    return Stored(material, url, pdf_bytes(), "application/pdf", True, net.staff_a, net.staff_b)


# Every file field of the project and how to store a file in it. A new field
# fails test_every_file_field_is_listed until it is added here, with its view.
CASES: dict[tuple[str, str], Callable[[Any], Stored]] = {
    ("courses.course", "cover"): _course_cover,
    ("courses.lesson", "document_file"): _lesson_document,
    ("courses.lesson", "video_file"): _lesson_video,
    ("distributors.fieldreport", "attachment"): _field_report_attachment,
    ("webinars.material", "file"): _material_file,
}


def _file_fields() -> set[tuple[str, str]]:
    return {
        (model._meta.label_lower, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)  # ImageField is a FileField
    }


def test_every_file_field_is_listed():
    assert _file_fields() == set(CASES)


def test_no_route_serves_the_media_folders():
    for prefix in {settings.MEDIA_URL, "/private/", "/private-media/"}:
        with pytest.raises(Resolver404):
            resolve(f"{prefix}webinars/materials/slides.pdf")


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_stored_file_leaves_only_through_its_checked_view(client, network, case):
    stored = CASES[case](network)
    model_field = stored.instance._meta.get_field(case[1])
    assert isinstance(model_field, models.FileField)
    assert model_field.storage is storages["private"] and model_field.storage is not default_storage
    name = getattr(stored.instance, case[1]).name
    assert name and storages["private"].exists(name) and not default_storage.exists(name)

    # Not under MEDIA_URL, signed out or in.
    assert client.get(settings.MEDIA_URL + name).status_code == 404
    # Signed out: sent to sign in, nothing of the file.
    response = client.get(stored.url)
    assert response.status_code == 302 and response["Location"].startswith(reverse(settings.LOGIN_URL))
    # Someone who may not see what the file belongs to: 404, nothing of the file.
    client.force_login(stored.unrelated)
    assert client.get(settings.MEDIA_URL + name).status_code == 404
    response = client.get(stored.url)
    assert response.status_code == 404 and stored.content not in _body(response)

    client.force_login(stored.entitled)
    response = client.get(stored.url)
    assert response.status_code == 200
    assert _body(response) == stored.content
    assert response["Content-Type"] == stored.content_type
    assert response["Content-Disposition"].startswith("inline;" if stored.inline else "attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "private" in response["Cache-Control"]
    assert "X-Accel-Redirect" not in response


@pytest.mark.parametrize("case", sorted(CASES))
@override_settings(PRIVATE_MEDIA_X_ACCEL_PREFIX="/private-media/")
def test_behind_nginx_the_checked_view_answers_with_x_accel_redirect(client, network, case):
    stored = CASES[case](network)
    name = getattr(stored.instance, case[1]).name
    client.force_login(stored.unrelated)
    response = client.get(stored.url)
    assert response.status_code == 404 and "X-Accel-Redirect" not in response

    client.force_login(stored.entitled)
    response = client.get(stored.url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/private-media/{name}"
    assert response.content == b""
    assert response["Content-Type"] == stored.content_type
    assert response["Content-Disposition"].startswith("inline;" if stored.inline else "attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


@override_settings(PRIVATE_MEDIA_X_ACCEL_PREFIX="/private-media/")
def test_behind_nginx_a_file_missing_from_the_storage_is_404(client, network):
    stored = _material_file(network)
    storages["private"].delete(stored.instance.file.name)  # type: ignore[attr-defined]
    client.force_login(stored.entitled)
    assert client.get(stored.url).status_code == 404


def test_a_material_stored_before_types_were_kept_is_a_download(client, network):
    """Rows moved from public media by the migration have no recorded type:
    whatever they hold, they are sent as an opaque download."""
    stored = _material_file(network)
    material = stored.instance
    type(material)._default_manager.filter(pk=material.pk).update(file_content_type="", file_name="")
    client.force_login(stored.entitled)
    response = client.get(stored.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_api_lists_materials_by_their_checked_address(client, network):
    stored = _material_file(network)
    client.force_login(stored.entitled)
    session = stored.instance.session  # type: ignore[attr-defined]
    body = client.get(reverse("api:webinars-session", args=[session.pk])).json()
    assert [m["file"] for m in body["materials"]] == [stored.url]
