"""Teaching's part of a person's data (see ``academy.erasure``).

Enrolments, lesson progress, quiz attempts and certificates stay: they are
the figures of the person's distributor. A learner writes no free text here;
the name copied onto their certificates is replaced, and reminders still
waiting are withdrawn.
"""

from typing import Any

from django.db.models import Q

from academy.erasure import PersonalData, erased_name, rows
from academy.models import User
from courses.models import (
    Assignee,
    Certificate,
    Enrollment,
    LessonProgress,
    PathEnrollment,
    QuizAttempt,
    Reminder,
    ReminderStatus,
)


def _export(user: User) -> dict[str, Any]:
    enrollments = Enrollment.objects.filter(user=user)
    return {
        "enrollments": rows(
            enrollments.order_by("enrolled_at", "id"),
            "id",
            "course__title",
            "course_version",
            "source",
            "status",
            "enrolled_at",
            "completed_at",
            "progress_percent",
        ),
        "lessons": rows(
            LessonProgress.objects.filter(enrollment__in=enrollments).order_by("viewed_at", "id"),
            "enrollment_id",
            "lesson__title",
            "viewed_at",
            "completed_at",
        ),
        "quiz_attempts": rows(
            QuizAttempt.objects.filter(enrollment__in=enrollments).order_by("started_at", "id"),
            "enrollment_id",
            "quiz__lesson__title",
            "number",
            "started_at",
            "submitted_at",
            "score",
            "passed",
        ),
        "learning_paths": rows(
            PathEnrollment.objects.filter(user=user).order_by("enrolled_at", "id"),
            "path__title",
            "status",
            "enrolled_at",
            "completed_at",
        ),
        "assignments": rows(
            Assignee.objects.filter(user=user).order_by("created_at", "id"),
            "assignment__course__title",
            "assignment__path__title",
            "due_on",
            "completed_at",
            "released_at",
        ),
        "certificates": rows(
            Certificate.objects.filter(user=user).order_by("issued_on", "id"),
            "code",
            "holder_name",
            "title",
            "course_version",
            "issued_on",
            "expires_on",
            "status",
        ),
    }


def _erase(user: User) -> None:
    Certificate.objects.filter(user=user).update(holder_name=erased_name())
    Reminder.objects.filter(Q(user=user), status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED, claim_token=None, claimed_at=None
    )


PART = PersonalData(name="courses", export=_export, erase=_erase)
