"""Uploaded files checked on content, not only on their name: the one check
every upload goes through (field-report attachments, lesson documents and
videos, session materials, course covers). Each app says which kinds it
accepts and how large they may be.

Nothing a browser would run is accepted (no HTML, SVG or script, whatever the
name says), names are normalised before anything reads them, and Office files
are refused when their zip declares too many entries or too many bytes once
inflated (read from the central directory, nothing is inflated)."""

import unicodedata
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.conf import settings
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
    # A zip container (Office Open XML): its entries and inflated size are capped.
    archive: bool = False

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
    archive=True,
)
XLSX = FileKind(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    _office("xl/workbook.xml"),
    frozenset({"application/zip"}),
    archive=True,
)
PPTX = FileKind(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    _office("ppt/presentation.xml"),
    frozenset({"application/zip"}),
    archive=True,
)
MP4 = FileKind("video/mp4", _mp4)
WEBM = FileKind("video/webm", _starts_with(b"\x1a\x45\xdf\xa3"))


def _refuse(field_name: str, message: str, code: str) -> ApplicationError:
    return ApplicationError(message, code=code, fields={field_name: [message]})


NAME_MAX_LENGTH = 200


def upload_name_normalise(name: str | None, *, default: str = "file") -> str:
    """A file name safe to show and to send back in ``Content-Disposition``:
    Unicode NFKC (a full-width slash is a slash), the last part of any path
    (``/`` or ``\\``), no control or format characters (bidirectional
    overrides, zero-width marks), runs of spaces made one, no leading or
    trailing dots or spaces, at most 200 characters (the extension kept);
    ``default`` when nothing is left."""
    text = unicodedata.normalize("NFKC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(char for char in text if not unicodedata.category(char).startswith("C"))
    text = " ".join(text.split()).strip(" .")
    if not text:
        return default
    if len(text) > NAME_MAX_LENGTH:
        suffix = PurePosixPath(text).suffix[:16]
        text = text[: NAME_MAX_LENGTH - len(suffix)].rstrip(" .") + suffix
    return text


def _archive_check(upload: UploadedFile, *, field_name: str, code: str) -> None:
    """Refuse a zip whose central directory declares more entries or more
    inflated bytes than the settings allow (``UPLOAD_ZIP_MAX_ENTRIES``,
    ``UPLOAD_ZIP_MAX_INFLATED_BYTES``). Nothing is inflated."""
    max_entries: int = settings.UPLOAD_ZIP_MAX_ENTRIES
    max_inflated: int = settings.UPLOAD_ZIP_MAX_INFLATED_BYTES
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # not a zip at all: the content check refuses it next
    finally:
        upload.seek(0)
    if len(entries) > max_entries:
        raise _refuse(
            field_name,
            _("This file holds too many parts (%(count)s); the limit is %(limit)s.")
            % {"count": len(entries), "limit": max_entries},
            code,
        )
    inflated = sum(entry.file_size for entry in entries)
    if inflated > max_inflated:
        raise _refuse(
            field_name,
            _("This file would take %(size)s MB once unpacked; the limit is %(limit)s MB.")
            % {"size": f"{inflated / MB:.0f}", "limit": max_inflated // MB},
            code,
        )


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
    what is wrong: type, size, declared type or content (and, for Office
    files, what the zip holds). ``upload.name`` is normalised first (see
    :func:`upload_name_normalise`), so callers store the clean name."""
    upload.name = upload_name_normalise(upload.name)
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
    if kind.archive:
        _archive_check(upload, field_name=field_name, code=code)
    try:
        matches = kind.looks_right(upload)
    except (UnidentifiedImageError, zipfile.BadZipFile, OSError, SyntaxError, ValueError):
        matches = False
    finally:
        upload.seek(0)
    if not matches:
        raise _refuse(field_name, _("The file content does not match its type; it may be damaged."), code)
    return kind.content_type
