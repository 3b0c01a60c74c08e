"""Where course files live.

Lesson videos and documents are kept in the ``private`` storage (outside the
public media folder) and served by a view that checks who is asking; course
covers are public media. Stored names are random so a name says nothing about
the file and cannot be guessed.
"""

import uuid
from pathlib import PurePath

from django.core.files.storage import Storage, storages


def private_storage() -> Storage:
    return storages["private"]


def _random_name(folder: str, filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"{folder}/{uuid.uuid4().hex}{suffix}"


def lesson_file_upload_to(instance: object, filename: str) -> str:
    return _random_name("courses/lessons", filename)


def cover_upload_to(instance: object, filename: str) -> str:
    return _random_name("courses/covers", filename)
