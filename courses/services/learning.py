"""Writes of learners: enrolment, lessons opened and completed."""

import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.models import User, Verb
from courses.models import (
    Course,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    Lesson,
    LessonKind,
    LessonProgress,
)
from courses.services._common import distributor_at, event, moment
from courses.services.certificates import certificate_valid, recertification_open
from courses.services.completion import lesson_progress_complete
from distributors.audience import audience_includes


def enrollment_active(*, user: User, course: Course, lock: bool = False) -> Enrollment | None:
    """The person's enrolment in progress for ``course``, if any."""
    queryset = Enrollment.objects.filter(user=user, course=course, status=EnrollmentStatus.ACTIVE)
    if lock:
        queryset = queryset.select_for_update()
    return queryset.first()


@transaction.atomic
def enrollment_create(
    *,
    user: User,
    course: Course,
    source: str = EnrollmentSource.SELF,
    at: datetime.datetime | None = None,
) -> Enrollment:
    """Enrol ``user`` in ``course`` and return the enrolment in progress.

    Idempotent: an enrolment already in progress is returned as is.
    Self-enrolment needs a published course open to self-enrolment whose
    audience includes the person; someone who holds a valid certificate may
    enrol again only within 60 days of its expiry (recertification).
    Assignments, paths and recertification enrol regardless of audience:
    being assigned a course grants access to it.
    """
    existing = enrollment_active(user=user, course=course)
    if existing is not None:
        return existing
    if source == EnrollmentSource.SELF:
        if not course.is_published or not audience_includes(course, user=user):
            raise ApplicationError(_("This course is not open to you."), code="not_in_audience", status=403)
        if not course.self_enrolment:
            raise ApplicationError(
                _("This course is followed on assignment only. Ask your team lead."),
                code="assignment_only",
                status=403,
            )
        holding = certificate_valid(user=user, course=course)
        if holding is not None:
            if not recertification_open(holding):
                raise ApplicationError(
                    _("You already hold a valid certificate for this course."), code="already_certified"
                )
            source = EnrollmentSource.RECERTIFICATION
    now = moment(at)
    enrollment = Enrollment(
        user=user,
        course=course,
        distributor=distributor_at(user, now),
        course_version=course.version,
        source=source,
        enrolled_at=now,
    )
    try:
        with transaction.atomic():
            enrollment.save()
    except IntegrityError:  # enrolled by a concurrent request
        return Enrollment.objects.get(user=user, course=course, status=EnrollmentStatus.ACTIVE)
    event(actor=user, verb=Verb.ENROLLED, obj=course, at=now, context={"source": source})
    return enrollment


# Opening these lessons completes them.
_COMPLETE_ON_OPEN = (LessonKind.VIDEO, LessonKind.DOCUMENT)


def lesson_open_changes(
    *, enrollment: Enrollment | None, lesson: Lesson, progress: LessonProgress | None
) -> bool:
    """Whether opening ``lesson`` would record anything in ``enrollment``
    (read by the caller, without a lock): a first view, a new resume point,
    or the completion of a video or document lesson. False when there is no
    enrolment in progress."""
    if enrollment is None or enrollment.status != EnrollmentStatus.ACTIVE:
        return False
    if progress is None or enrollment.last_lesson_id != lesson.pk:
        return True
    return lesson.kind in _COMPLETE_ON_OPEN and progress.completed_at is None


def lesson_open(*, user: User, lesson: Lesson, at: datetime.datetime | None = None) -> LessonProgress | None:
    """Record that the learner opened ``lesson`` (resume point, first view).

    Video and document lessons are complete once opened. Returns None when
    the person has no enrolment in progress (preview, review after
    completion): nothing is recorded then. Opening a lesson again changes
    nothing, so it writes nothing and takes no lock: two reads, then the
    locked write only when the state changes (re-checked under the lock).
    """
    enrollment = enrollment_active(user=user, course=lesson.module.course)
    if enrollment is None:
        return None
    progress = LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson).first()
    if not lesson_open_changes(enrollment=enrollment, lesson=lesson, progress=progress):
        return progress
    return lesson_open_record(user=user, lesson=lesson, at=at)


@transaction.atomic
def lesson_open_record(
    *, user: User, lesson: Lesson, at: datetime.datetime | None = None
) -> LessonProgress | None:
    """The write of :func:`lesson_open`, under the enrolment's lock: the first
    view (with its ``lesson_viewed`` event), the resume point, and the
    completion of a video or document lesson, each only if not yet there.
    Callers that already know nothing changes (:func:`lesson_open_changes`)
    need not call it."""
    enrollment = enrollment_active(user=user, course=lesson.module.course, lock=True)
    if enrollment is None:
        return None
    now = moment(at)
    progress, created = LessonProgress.objects.get_or_create(
        enrollment=enrollment, lesson=lesson, defaults={"viewed_at": now}
    )
    if created:
        event(actor=user, verb=Verb.LESSON_VIEWED, obj=lesson, at=now)
    if enrollment.last_lesson_id != lesson.pk:
        enrollment.last_lesson = lesson
        enrollment.save(update_fields=["last_lesson", "updated_at"])
    if lesson.kind in _COMPLETE_ON_OPEN and progress.completed_at is None:
        lesson_progress_complete(enrollment=enrollment, progress=progress, at=now)
    return progress


@transaction.atomic
def lesson_complete(*, user: User, lesson: Lesson, at: datetime.datetime | None = None) -> LessonProgress:
    """Mark a text, video or document lesson complete (idempotent). Quiz
    lessons are completed by passing the quiz."""
    if lesson.kind == LessonKind.QUIZ:
        raise ApplicationError(_("Pass the quiz to complete this lesson."), code="quiz_lesson")
    enrollment = enrollment_active(user=user, course=lesson.module.course, lock=True)
    if enrollment is None:
        raise ApplicationError(_("Enrol in the course first."), code="not_enrolled", status=403)
    now = moment(at)
    progress, created = LessonProgress.objects.get_or_create(
        enrollment=enrollment, lesson=lesson, defaults={"viewed_at": now}
    )
    if created:
        event(actor=user, verb=Verb.LESSON_VIEWED, obj=lesson, at=now)
    if progress.completed_at is None:
        lesson_progress_complete(enrollment=enrollment, progress=progress, at=now)
    return progress
