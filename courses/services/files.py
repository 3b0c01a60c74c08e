"""Lesson files and course covers accepted by the courses app (checked on content by
:func:`academy.uploads.upload_check`). The stored content type is ours, not
the browser's."""

from pathlib import PurePosixPath

from django.core.files.uploadedfile import UploadedFile

from academy import uploads

DOCUMENT_MAX_BYTES = 25 * uploads.MB
VIDEO_MAX_BYTES = 500 * uploads.MB

DOCUMENT_KINDS = {".pdf": uploads.PDF, ".docx": uploads.DOCX, ".pptx": uploads.PPTX, ".xlsx": uploads.XLSX}
VIDEO_KINDS = {".mp4": uploads.MP4, ".webm": uploads.WEBM}
COVER_MAX_BYTES = 5 * uploads.MB
COVER_KINDS = {".jpg": uploads.JPEG, ".jpeg": uploads.JPEG, ".png": uploads.PNG}


def document_check(upload: UploadedFile) -> str:
    """Validate a lesson document (PDF, DOCX, PPTX, XLSX up to 25 MB); returns its content type."""
    return uploads.upload_check(
        upload, field_name="document_file", kinds=DOCUMENT_KINDS, max_bytes=DOCUMENT_MAX_BYTES
    )


def video_check(upload: UploadedFile) -> str:
    """Validate an uploaded lesson video (MP4, WebM up to 500 MB); returns its content type."""
    return uploads.upload_check(upload, field_name="video_file", kinds=VIDEO_KINDS, max_bytes=VIDEO_MAX_BYTES)


def cover_check(upload: UploadedFile) -> str:
    """Validate a course cover (JPEG or PNG up to 5 MB, never SVG); returns its content type."""
    return uploads.upload_check(upload, field_name="cover", kinds=COVER_KINDS, max_bytes=COVER_MAX_BYTES)


def cover_content_type(name: str) -> str:
    """The type a stored cover is served with: its extension was checked
    against its content on upload (covers stored before that: a download)."""
    kind = COVER_KINDS.get(PurePosixPath(name).suffix.lower())
    return kind.content_type if kind else uploads.GENERIC
