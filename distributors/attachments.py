"""What a field report may carry as an attachment, checked on content, not
only on the name: PDF, JPEG, PNG, Word (.docx) and Excel (.xlsx), 10 MB at most."""

import zipfile
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from academy.errors import ApplicationError

if TYPE_CHECKING:
    from distributors.models import FieldReport

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# extension -> the content type the file is stored and served with
ALLOWED_EXTENSIONS: dict[str, str] = {
    ".pdf": PDF,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".png": PNG,
    ".docx": DOCX,
    ".xlsx": XLSX,
}
# Types browsers and clients declare for these files; "application/octet-stream"
# is what many send when they do not know. The content is checked anyway.
_DECLARED_OK: dict[str, set[str]] = {
    PDF: {PDF, "application/x-pdf"},
    JPEG: {JPEG, "image/pjpeg"},
    PNG: {PNG},
    DOCX: {DOCX, "application/zip"},
    XLSX: {XLSX, "application/zip"},
}
_GENERIC = "application/octet-stream"
_OOXML_PART = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml"}


def _refuse(message: str) -> ApplicationError:
    return ApplicationError(message, code="invalid_attachment", fields={"attachment": [message]})


def _content_matches(upload: UploadedFile, content_type: str) -> bool:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    try:
        if content_type == PDF:
            return head.startswith(b"%PDF-")
        if content_type in (JPEG, PNG):
            expected = "JPEG" if content_type == JPEG else "PNG"
            with Image.open(upload) as image:
                image.verify()
                return image.format == expected
        if content_type in _OOXML_PART:
            if not head.startswith(b"PK\x03\x04"):
                return False
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
            return "[Content_Types].xml" in names and _OOXML_PART[content_type] in names
    except (UnidentifiedImageError, zipfile.BadZipFile, OSError, SyntaxError, ValueError):
        return False
    finally:
        upload.seek(0)
    return False


def attachment_check(upload: UploadedFile) -> str:
    """The content type ``upload`` is stored with, or an ApplicationError on
    the ``attachment`` field saying what is wrong (type, size, content)."""
    allowed = ", ".join(sorted({ext.lstrip(".").upper() for ext in ALLOWED_EXTENSIONS} - {"JPEG"}))
    suffix = PurePosixPath(upload.name or "").suffix.lower()
    content_type = ALLOWED_EXTENSIONS.get(suffix)
    if content_type is None:
        raise _refuse(_("This type of file is not accepted. Accepted types: %(types)s.") % {"types": allowed})
    if not upload.size:
        raise _refuse(_("The file is empty."))
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise _refuse(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": f"{upload.size / 1024 / 1024:.1f}", "limit": ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        )
    declared = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    if declared and declared != _GENERIC and declared not in _DECLARED_OK[content_type]:
        raise _refuse(_("The file type does not match its name."))
    if not _content_matches(upload, content_type):
        raise _refuse(_("The file content does not match its type; it may be damaged."))
    return content_type


def attachment_response(report: "FieldReport") -> FileResponse:
    """The report's attachment as a download (404 when there is none). Callers
    first check that the person may read the report."""
    if not report.attachment:
        raise Http404(_("This report has no attachment."))
    try:
        handle = report.attachment.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("This report has no attachment.")) from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=report.attachment_name or PurePosixPath(report.attachment.name or "").name,
        content_type=report.attachment_content_type or "application/octet-stream",
    )
    # Private, and never rendered by the browser as a page of the site.
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
