"""What a field report may carry as an attachment, checked on content, not
only on the name: PDF, JPEG, PNG, Word (.docx) and Excel (.xlsx), 10 MB at most."""

from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.http import Http404
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

from academy import uploads
from academy.downloads import private_file_response

if TYPE_CHECKING:
    from distributors.models import FieldReport

ATTACHMENT_MAX_BYTES = 10 * uploads.MB
ATTACHMENT_KINDS = {
    ".pdf": uploads.PDF,
    ".jpg": uploads.JPEG,
    ".jpeg": uploads.JPEG,
    ".png": uploads.PNG,
    ".docx": uploads.DOCX,
    ".xlsx": uploads.XLSX,
}
PDF = uploads.PDF.content_type
JPEG = uploads.JPEG.content_type
PNG = uploads.PNG.content_type
DOCX = uploads.DOCX.content_type
XLSX = uploads.XLSX.content_type


def attachment_check(upload: UploadedFile) -> str:
    """The content type ``upload`` is stored with, or an ApplicationError on
    the ``attachment`` field saying what is wrong (type, size, content)."""
    return uploads.upload_check(
        upload,
        field_name="attachment",
        kinds=ATTACHMENT_KINDS,
        max_bytes=ATTACHMENT_MAX_BYTES,
        code="invalid_attachment",
    )


def attachment_response(report: "FieldReport") -> HttpResponseBase:
    """The report's attachment (404 when there is none). Callers first check
    that the person may read the report."""
    if not report.attachment:
        raise Http404(_("This report has no attachment."))
    return private_file_response(
        report.attachment,
        filename=report.attachment_name or PurePosixPath(report.attachment.name or "").name,
        content_type=report.attachment_content_type,
        inline=False,  # a report's attachment is always a download
    )
