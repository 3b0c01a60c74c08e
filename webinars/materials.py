"""What a session may carry as a material file, checked on content, not only
on the name (:func:`academy.uploads.upload_check`): PDF, Office (DOCX, PPTX,
XLSX), JPEG, PNG and MP4, 25 MB at most. Never HTML, SVG or anything a
browser would run."""

from django.core.files.uploadedfile import UploadedFile

from academy import uploads

MATERIAL_MAX_BYTES = 25 * uploads.MB
MATERIAL_KINDS = {
    ".pdf": uploads.PDF,
    ".docx": uploads.DOCX,
    ".pptx": uploads.PPTX,
    ".xlsx": uploads.XLSX,
    ".jpg": uploads.JPEG,
    ".jpeg": uploads.JPEG,
    ".png": uploads.PNG,
    ".mp4": uploads.MP4,
}


def material_check(upload: UploadedFile) -> str:
    """The content type ``upload`` is stored with, or an ApplicationError on
    the ``file`` field saying what is wrong (type, size, content)."""
    return uploads.upload_check(
        upload, field_name="file", kinds=MATERIAL_KINDS, max_bytes=MATERIAL_MAX_BYTES, code="invalid_material"
    )
