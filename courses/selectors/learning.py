"""A learner's own enrolments, attempts, certificates and assignments."""

import datetime
from dataclasses import dataclass

from django.db.models import Case, CharField, F, QuerySet, Value, When
from django.utils import timezone

from academy.models import User
from courses.models import (
    Assignee,
    Certificate,
    CertificateQuerySet,
    Enrollment,
    EnrollmentStatus,
    Lesson,
    PathEnrollment,
    Question,
    Quiz,
    QuizAttempt,
)


def my_enrollments(*, user: User, active_only: bool = False) -> QuerySet[Enrollment]:
    """The person's course enrolments (in progress first, then newest),
    with course, category and the lesson to resume."""
    queryset = Enrollment.objects.filter(user=user)
    if active_only:
        queryset = queryset.filter(status=EnrollmentStatus.ACTIVE)
    return queryset.select_related("course", "course__category", "last_lesson").order_by(
        Case(When(status=EnrollmentStatus.ACTIVE, then=Value(0)), default=Value(1)),
        "-enrolled_at",
        "-id",
    )


def my_path_enrollments(*, user: User) -> QuerySet[PathEnrollment]:
    """The person's learning path enrolments, newest first."""
    return PathEnrollment.objects.filter(user=user).select_related("path").order_by("-enrolled_at", "-id")


def my_certificates(*, user: User) -> CertificateQuerySet:
    """The person's certificates, newest first, with course or path."""
    return (
        Certificate.objects.filter(user=user).select_related("course", "path").order_by("-issued_on", "-id")
    )


def certificates_expiring(
    *, user: User, days: int = 60, today: datetime.date | None = None
) -> QuerySet[Certificate]:
    """The person's valid certificates that expire within ``days`` days."""
    today = today or timezone.localdate()
    return (
        my_certificates(user=user)
        .valid_on(today)
        .filter(expires_on__lte=today + datetime.timedelta(days=days))
    )


def assignee_status_annotation(today: datetime.date) -> Case:
    """SQL for ``Assignee.state``: done, released, overdue or due."""
    return Case(
        When(completed_at__isnull=False, then=Value("done")),
        When(released_at__isnull=False, then=Value("released")),
        When(due_on__lt=today, then=Value("overdue")),
        default=Value("due"),
        output_field=CharField(),
    )


def my_assignments(*, user: User, open_only: bool = False) -> QuerySet[Assignee]:
    """What is assigned to the person (not released), open first by due
    date, each with ``status`` (due / overdue / done) and the course or path."""
    today = timezone.localdate()
    queryset = Assignee.objects.filter(
        user=user, released_at__isnull=True, assignment__cancelled_at__isnull=True
    )
    if open_only:
        queryset = queryset.filter(completed_at__isnull=True)
    return (
        queryset.select_related("assignment__course", "assignment__path", "assignment__distributor")
        .annotate(status=assignee_status_annotation(today))
        .order_by(F("completed_at").asc(nulls_first=True), F("due_on").asc(nulls_last=True), "id")
    )


def lesson_of_course(*, course_id: int, lesson_id: int) -> Lesson | None:
    """The lesson with its module and quiz, if it belongs to the course."""
    return (
        Lesson.objects.select_related("module__course", "quiz")
        .filter(pk=lesson_id, module__course_id=course_id)
        .first()
    )


@dataclass
class QuizState:
    """What the quiz part of a lesson page needs for one learner."""

    quiz: Quiz
    attempts: list[QuizAttempt]
    open_attempt: QuizAttempt | None
    questions: list[Question]  # of the open attempt, in its order, answers in their order
    review: QuizAttempt | None  # the latest submitted attempt
    review_questions: list[Question]

    @property
    def attempts_used(self) -> int:
        return sum(1 for attempt in self.attempts if attempt.submitted_at is not None)

    @property
    def attempts_left(self) -> int | None:
        if self.quiz.max_attempts is None:
            return None
        return max(0, self.quiz.max_attempts - self.attempts_used)

    @property
    def passed(self) -> bool:
        return any(attempt.passed for attempt in self.attempts)

    @property
    def reveal_correct(self) -> bool:
        """Correct answers are shown once the quiz is passed or no attempt is left."""
        return self.passed or self.attempts_left == 0


def _ordered(questions: dict[int, Question], attempt: QuizAttempt) -> list[Question]:
    ordered = []
    for question_id in attempt.question_order:
        question = questions.get(question_id)
        if question is None:
            continue
        choices = {choice.pk: choice for choice in question.choices.all()}
        order = attempt.choice_order.get(str(question_id), list(choices))
        question.ordered_choices = [choices[pk] for pk in order if pk in choices] + [  # type: ignore[attr-defined]
            choice for pk, choice in choices.items() if pk not in order
        ]
        ordered.append(question)
    return ordered


def quiz_state(*, quiz: Quiz, enrollment: Enrollment | None) -> QuizState:
    """The learner's attempts at ``quiz`` in this enrolment; the questions of
    the open attempt in its stored order; the latest submitted attempt with
    its answers for review. Three queries."""
    attempts: list[QuizAttempt] = []
    if enrollment is not None:
        attempts = list(
            QuizAttempt.objects.filter(enrollment=enrollment, quiz=quiz)
            .prefetch_related("answers")
            .order_by("number")
        )
    questions = {q.pk: q for q in quiz.questions.prefetch_related("choices").order_by("position", "id")}
    open_attempt = next((a for a in attempts if a.submitted_at is None), None)
    submitted = [a for a in attempts if a.submitted_at is not None]
    review = submitted[-1] if submitted else None
    review_questions: list[Question] = []
    if review is not None:
        answers = {answer.question_id: answer for answer in review.answers.all()}
        review_questions = _ordered(questions, review)
        for question in review_questions:
            question.answer = answers.get(question.pk)  # type: ignore[attr-defined]
    return QuizState(
        quiz=quiz,
        attempts=attempts,
        open_attempt=open_attempt,
        questions=_ordered(questions, open_attempt) if open_attempt else [],
        review=review,
        review_questions=review_questions,
    )


def attempt_list(*, user: User) -> QuerySet[QuizAttempt]:
    """The person's own quiz attempts (never anyone else's), newest first."""
    return (
        QuizAttempt.objects.filter(enrollment__user=user)
        .select_related("quiz__lesson__module__course", "enrollment")
        .order_by("-started_at", "-id")
    )


def attempt_questions(*, attempt: QuizAttempt) -> list[Question]:
    """The questions of an attempt in its stored order, each with
    ``ordered_choices`` (answers in the attempt's order). Two queries."""
    questions = {
        q.pk: q for q in Question.objects.filter(quiz_id=attempt.quiz_id).prefetch_related("choices")
    }
    return _ordered(questions, attempt)


def attempt_results(*, attempt: QuizAttempt) -> list[dict]:
    """Per question of a submitted attempt: the answers chosen, whether they
    were right, the explanation, and the correct answers once the learner
    passed the quiz or has no attempt left (None before). Four queries."""
    siblings = list(
        QuizAttempt.objects.filter(enrollment_id=attempt.enrollment_id, quiz_id=attempt.quiz_id).values_list(
            "submitted_at", "passed"
        )
    )
    used = sum(1 for submitted_at, _passed in siblings if submitted_at is not None)
    max_attempts = attempt.quiz.max_attempts
    reveal = any(passed for _submitted, passed in siblings) or (
        max_attempts is not None and used >= max_attempts
    )
    answers = {answer.question_id: answer for answer in attempt.answers.all()}
    results = []
    for question in attempt_questions(attempt=attempt):
        answer = answers.get(question.pk)
        choices = question.ordered_choices  # type: ignore[attr-defined]
        results.append(
            {
                "id": question.pk,
                "text": question.text,
                "selected": answer.selected if answer else [],
                "is_correct": bool(answer and answer.is_correct),
                "explanation": question.explanation,
                "correct_choices": [c.pk for c in choices if c.is_correct] if reveal else None,
                "choices": [{"id": c.pk, "text": c.text} for c in choices],
            }
        )
    return results
