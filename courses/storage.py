"""Where course files live: lesson videos and documents and course covers,
all in the kernel's ``private`` storage (see :mod:`academy.storage`), served
by views that check who is asking."""

from academy.storage import private_storage, random_upload_name

__all__ = ["cover_upload_to", "lesson_file_upload_to", "private_storage"]


def lesson_file_upload_to(instance: object, filename: str) -> str:
    return random_upload_name("courses/lessons", filename)


def cover_upload_to(instance: object, filename: str) -> str:
    return random_upload_name("courses/covers", filename)
