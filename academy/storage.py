"""Where uploads are kept: the ``private`` storage (``PRIVATE_MEDIA_ROOT``),
outside anything a server publishes, under random names that say nothing
about the file and cannot be guessed. Files leave only through
:func:`academy.downloads.private_file_response`."""

import uuid
from pathlib import PurePosixPath

from django.core.files.storage import Storage, storages


def private_storage() -> Storage:
    """The storage every ``FileField`` / ``ImageField`` of the project uses."""
    return storages["private"]


def random_upload_name(folder: str, filename: str) -> str:
    """``folder/<32 hex digits><extension>`` (the extension lower-cased, 10 characters at most)."""
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()[:10]
    if not suffix[1:].isalnum():
        suffix = ""
    return f"{folder}/{uuid.uuid4().hex}{suffix}"


def public_file_move(name: str) -> str:
    """Move ``name`` from the default (public) storage into the private one,
    for files stored before every upload was private; returns the name it
    has in the private storage. A file found in neither keeps its name (its
    download answers 404)."""
    private, public = storages["private"], storages["default"]
    if not name or private.exists(name) or not public.exists(name):
        return name
    with public.open(name, "rb") as handle:
        saved = private.save(name, handle)
    public.delete(name)
    return saved
