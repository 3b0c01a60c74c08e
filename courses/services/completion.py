"""What completing something sets off: a lesson completed updates the
enrolment's progress; a course completed issues its certificate, marks done
what was assigned and completes the paths the person now holds every course
of (which issues their certificates and marks their assignments done too)."""

import datetime

from django.db.models import Count
from django.utils import timezone

from academy.models import User, Verb
from courses.models import (
    Assignee,
    Course,
    Enrollment,
    EnrollmentStatus,
    LearningPath,
    Lesson,
    LessonProgress,
    PathEnrollment,
    Reminder,
    ReminderStatus,
)
from courses.services._common import event, moment
from courses.services.certificates import certificate_issue, courses_held


def progress_percent_map(*, course: Course, enrollment_ids: list[int]) -> dict[int, int]:
    """Progress (whole %, rounded down) of each enrolment: completed required
    lessons over required lessons of the course."""
    required = Lesson.objects.filter(module__course=course, is_required=True)
    total = required.count()
    if not total:
        return dict.fromkeys(enrollment_ids, 0)
    counts = dict(
        LessonProgress.objects.filter(
            enrollment_id__in=enrollment_ids, lesson__in=required, completed_at__isnull=False
        )
        .values_list("enrollment_id")
        .annotate(n=Count("id"))
        .values_list("enrollment_id", "n")
    )
    return {pk: min(100, counts.get(pk, 0) * 100 // total) for pk in enrollment_ids}


def lesson_progress_complete(
    *, enrollment: Enrollment, progress: LessonProgress, at: datetime.datetime
) -> Enrollment:
    """Complete one lesson of an enrolment (caller holds the enrolment lock),
    update the progress and complete the course when every required lesson is
    done."""
    progress.completed_at = at
    progress.save(update_fields=["completed_at", "updated_at"])
    lesson = progress.lesson
    event(
        actor=enrollment.user, verb=Verb.LESSON_COMPLETED, obj=lesson, at=at, minutes=lesson.estimated_minutes
    )
    percent = progress_percent_map(course=enrollment.course, enrollment_ids=[enrollment.pk])[enrollment.pk]
    enrollment.progress_percent = percent
    enrollment.save(update_fields=["progress_percent", "updated_at"])
    if percent >= 100 and enrollment.status == EnrollmentStatus.ACTIVE:
        _enrollment_complete(enrollment=enrollment, at=at)
    return enrollment


def _enrollment_complete(*, enrollment: Enrollment, at: datetime.datetime) -> None:
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.completed_at = at
    enrollment.progress_percent = 100
    enrollment.save(update_fields=["status", "completed_at", "progress_percent", "updated_at"])
    event(actor=enrollment.user, verb=Verb.COURSE_COMPLETED, obj=enrollment.course, at=at)
    certificate_issue(enrollment=enrollment, at=at)
    assignees_complete(user=enrollment.user, course=enrollment.course, at=at)
    paths_check_completion(user=enrollment.user, course=enrollment.course, at=at)


def paths_check_completion(*, user: User, course: Course, at: datetime.datetime) -> None:
    """After ``user`` completed ``course``: complete their paths in progress
    that contain it and whose every course they now hold."""
    for enrollment in PathEnrollment.objects.select_for_update().filter(
        user=user, status=EnrollmentStatus.ACTIVE, path__path_courses__course=course
    ):
        path_complete_if_done(enrollment=enrollment, at=at)


def path_complete_if_done(*, enrollment: PathEnrollment, at: datetime.datetime) -> None:
    """Complete a path enrolment once the person holds every course of the
    path: its certificate is issued and what was assigned is done."""
    courses = list(enrollment.path.courses.all())
    if not courses or len(courses_held(user=enrollment.user, courses=courses)) < len(courses):
        return
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.completed_at = at
    enrollment.save(update_fields=["status", "completed_at", "updated_at"])
    event(actor=enrollment.user, verb=Verb.PATH_COMPLETED, obj=enrollment.path, at=at)
    certificate_issue(path_enrollment=enrollment, at=at)
    assignees_complete(user=enrollment.user, path=enrollment.path, at=at)


def assignees_complete(
    *,
    user: User,
    course: Course | None = None,
    path: LearningPath | None = None,
    at: datetime.datetime | None = None,
) -> int:
    """Mark done what was assigned to ``user`` for this course or path, and
    cancel the reminders not sent yet."""
    now = moment(at)
    open_rows = Assignee.objects.filter(user=user, completed_at__isnull=True, released_at__isnull=True)
    open_rows = (
        open_rows.filter(assignment__course=course) if course else open_rows.filter(assignment__path=path)
    )
    ids = list(open_rows.values_list("pk", flat=True))
    if not ids:
        return 0
    Reminder.objects.filter(assignee_id__in=ids, status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED, updated_at=timezone.now()
    )
    return Assignee.objects.filter(pk__in=ids).update(completed_at=now, updated_at=timezone.now())
