"""Checks on uploaded lesson files: extension, declared type, the first
bytes of the file, and size. The stored content type is ours, not the
browser's."""

from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from courses.services._common import field_error

MB = 1024 * 1024
DOCUMENT_MAX_BYTES = 25 * MB
VIDEO_MAX_BYTES = 500 * MB

_ZIP = (b"PK\x03\x04",)
_OCTET = "application/octet-stream"

# extension: (canonical content type, accepted declared types, accepted first bytes)
DOCUMENT_TYPES: dict[str, tuple[str, frozenset[str], tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", frozenset({"application/pdf", "application/x-pdf"}), (b"%PDF-",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        frozenset({"application/vnd.openxmlformats-officedocument.wordprocessingml.document", _OCTET}),
        _ZIP,
    ),
    ".pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        frozenset({"application/vnd.openxmlformats-officedocument.presentationml.presentation", _OCTET}),
        _ZIP,
    ),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _OCTET}),
        _ZIP,
    ),
}
VIDEO_TYPES: dict[str, tuple[str, frozenset[str], tuple[bytes, ...]]] = {
    ".mp4": ("video/mp4", frozenset({"video/mp4", _OCTET}), ()),
    ".webm": ("video/webm", frozenset({"video/webm", _OCTET}), (b"\x1a\x45\xdf\xa3",)),
}


def _first_bytes(upload: UploadedFile, count: int = 16) -> bytes:
    upload.seek(0)
    head = upload.read(count)
    upload.seek(0)
    return head


def _check(
    upload: UploadedFile,
    *,
    field: str,
    types: dict[str, tuple[str, frozenset[str], tuple[bytes, ...]]],
    max_bytes: int,
) -> str:
    extension = PurePath(upload.name or "").suffix.lower()
    allowed = ", ".join(sorted(name.lstrip(".").upper() for name in types))
    if extension not in types:
        raise field_error(
            field, _("This type of file is not accepted. Accepted types: %(types)s.") % {"types": allowed}
        )
    canonical, declared, magic = types[extension]
    content_type = (getattr(upload, "content_type", "") or _OCTET).split(";")[0].strip().lower()
    if content_type not in declared:
        raise field_error(
            field, _("The file does not look like a %(type)s file.") % {"type": extension[1:].upper()}
        )
    head = _first_bytes(upload)
    looks_right = any(head.startswith(prefix) for prefix in magic) if magic else head[4:8] == b"ftyp"
    if not looks_right:
        raise field_error(
            field, _("The file does not look like a %(type)s file.") % {"type": extension[1:].upper()}
        )
    if upload.size is None or upload.size > max_bytes:
        raise field_error(
            field, _("The file is too large (at most %(size)s MB).") % {"size": max_bytes // MB}
        )
    return canonical


def document_check(upload: UploadedFile) -> str:
    """Validate a lesson document (PDF, DOCX, PPTX, XLSX up to 25 MB); returns its content type."""
    return _check(upload, field="document_file", types=DOCUMENT_TYPES, max_bytes=DOCUMENT_MAX_BYTES)


def video_check(upload: UploadedFile) -> str:
    """Validate an uploaded lesson video (MP4, WebM up to 500 MB); returns its content type."""
    return _check(upload, field="video_file", types=VIDEO_TYPES, max_bytes=VIDEO_MAX_BYTES)
