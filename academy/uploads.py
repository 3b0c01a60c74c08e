"""Uploaded files checked on content, not only on their name: the one check
every upload goes through (field-report attachments, lesson documents and
videos). Each app says which kinds it accepts and how large they may be."""

import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from academy.errors import ApplicationError

MB = 1024 * 1024
GENERIC = "application/octet-stream"


def _head(upload: UploadedFile, count: int = 16) -> bytes:
    upload.seek(0)
    head = upload.read(count)
    upload.seek(0)
    return head


def _starts_with(*prefixes: bytes) -> Callable[[UploadedFile], bool]:
    return lambda upload: _head(upload).startswith(prefixes)


def _image(expected: str) -> Callable[[UploadedFile], bool]:
    def check(upload: UploadedFile) -> bool:
        with Image.open(upload) as image:
            image.verify()
            return image.format == expected

    return check


def _office(part: str) -> Callable[[UploadedFile], bool]:
    """An Office Open XML file: a zip holding its content types and ``part``."""

    def check(upload: UploadedFile) -> bool:
        if not _head(upload).startswith(b"PK\x03\x04"):
            return False
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
        return "[Content_Types].xml" in names and part in names

    return check


def _mp4(upload: UploadedFile) -> bool:
    return _head(upload)[4:8] == b"ftyp"


@dataclass(frozen=True)
class FileKind:
    """A kind of file: the type it is stored and served with, the types
    clients may declare for it, and how its content is recognised."""

    content_type: str
    looks_right: Callable[[UploadedFile], bool]
    declared: frozenset[str] = field(default_factory=frozenset)

    def accepts_declared(self, declared: str) -> bool:
        # Many clients send no type or the generic one; the content decides then.
        return not declared or declared == GENERIC or declared in self.declared | {self.content_type}


PDF = FileKind("application/pdf", _starts_with(b"%PDF-"), frozenset({"application/x-pdf"}))
JPEG = FileKind("image/jpeg", _image("JPEG"), frozenset({"image/pjpeg"}))
PNG = FileKind("image/png", _image("PNG"))
DOCX = FileKind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    _office("word/document.xml"),
    frozenset({"application/zip"}),
)
XLSX = FileKind(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    _office("xl/workbook.xml"),
    frozenset({"application/zip"}),
)
PPTX = FileKind(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    _office("ppt/presentation.xml"),
    frozenset({"application/zip"}),
)
MP4 = FileKind("video/mp4", _mp4)
WEBM = FileKind("video/webm", _starts_with(b"\x1a\x45\xdf\xa3"))


def _refuse(field_name: str, message: str, code: str) -> ApplicationError:
    return ApplicationError(message, code=code, fields={field_name: [message]})


def upload_check(
    upload: UploadedFile,
    *,
    field_name: str,
    kinds: Mapping[str, FileKind],
    max_bytes: int,
    code: str = "invalid_file",
) -> str:
    """The content type ``upload`` is stored with (``kinds`` maps accepted
    extensions to kinds), or an ApplicationError on ``field_name`` saying
    what is wrong: type, size, declared type or content."""
    allowed = ", ".join(sorted({extension.lstrip(".").upper() for extension in kinds} - {"JPEG"}))
    kind = kinds.get(PurePosixPath(upload.name or "").suffix.lower())
    if kind is None:
        raise _refuse(
            field_name,
            _("This type of file is not accepted. Accepted types: %(types)s.") % {"types": allowed},
            code,
        )
    if not upload.size:
        raise _refuse(field_name, _("The file is empty."), code)
    if upload.size > max_bytes:
        raise _refuse(
            field_name,
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": f"{upload.size / MB:.1f}", "limit": max_bytes // MB},
            code,
        )
    declared = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    if not kind.accepts_declared(declared):
        raise _refuse(field_name, _("The file type does not match its name."), code)
    try:
        matches = kind.looks_right(upload)
    except (UnidentifiedImageError, zipfile.BadZipFile, OSError, SyntaxError, ValueError):
        matches = False
    finally:
        upload.seek(0)
    if not matches:
        raise _refuse(field_name, _("The file content does not match its type; it may be damaged."), code)
    return kind.content_type
