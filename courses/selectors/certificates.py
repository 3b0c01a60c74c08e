"""Certificates: the holder's own and the public verification."""

from django.db.models import QuerySet

from academy.models import User
from courses.models import Certificate


def certificate_of(*, user: User) -> QuerySet[Certificate]:
    """The certificates ``user`` may open (their own), with course or path."""
    return Certificate.objects.filter(user=user).select_related("course", "path", "user")


def certificate_public(*, code: str) -> Certificate | None:
    """The certificate with this verification code, loading only what the
    public page shows (name, title, dates, status)."""
    return (
        Certificate.objects.filter(code=code.strip().upper())
        .only(
            "code",
            "holder_name",
            "title",
            "issued_on",
            "expires_on",
            "status",
            "course_version",
            "recertify_by",
        )
        .first()
    )
