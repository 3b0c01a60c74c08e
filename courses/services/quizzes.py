"""Quiz attempts: start (with a stable order), submit (graded on the server)."""

import datetime
import random
import secrets
from collections.abc import Mapping, Sequence

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.models import User, Verb
from courses.models import (
    Enrollment,
    EnrollmentStatus,
    LessonProgress,
    QuestionKind,
    Quiz,
    QuizAnswer,
    QuizAttempt,
)
from courses.services._common import event, moment
from courses.services.completion import lesson_progress_complete
from courses.services.learning import enrollment_active


def _no_attempts_left() -> ApplicationError:
    return ApplicationError(
        _("You have used all the attempts allowed for this quiz."), code="no_attempts_left", status=403
    )


@transaction.atomic
def quiz_attempt_start(*, user: User, quiz: Quiz, at: datetime.datetime | None = None) -> QuizAttempt:
    """The learner's open attempt at ``quiz``, started now if there is none.

    The order of questions and answers (shuffled when the quiz says so) is
    drawn here and stored, so reloading the page shows the same order.
    Refused without an enrolment in progress, once the quiz is passed, or
    when every allowed attempt has been used. The enrolment row is locked,
    and attempt numbers are unique, so concurrent requests cannot start more
    attempts than allowed.
    """
    enrollment = enrollment_active(user=user, course=quiz.lesson.module.course, lock=True)
    if enrollment is None:
        raise ApplicationError(_("Enrol in the course first."), code="not_enrolled", status=403)
    attempts = list(QuizAttempt.objects.filter(enrollment=enrollment, quiz=quiz).order_by("number"))
    open_attempt = next((attempt for attempt in attempts if attempt.submitted_at is None), None)
    if open_attempt is not None:
        return open_attempt
    if any(attempt.passed for attempt in attempts):
        raise ApplicationError(_("You have already passed this quiz."), code="quiz_passed")
    number = len(attempts) + 1
    if quiz.max_attempts is not None and number > quiz.max_attempts:
        raise _no_attempts_left()
    questions = list(quiz.questions.prefetch_related("choices").order_by("position", "id"))
    if not questions:
        raise ApplicationError(_("This quiz has no questions yet."), code="quiz_empty")
    rng = random.Random(secrets.randbits(64))  # noqa: S311 (order of questions, not a secret)
    if quiz.shuffle:
        rng.shuffle(questions)
    choice_order: dict[str, list[int]] = {}
    for question in questions:
        choice_ids = [choice.pk for choice in question.choices.all()]
        if quiz.shuffle and question.kind != QuestionKind.TRUE_FALSE:
            rng.shuffle(choice_ids)
        choice_order[str(question.pk)] = choice_ids
    attempt = QuizAttempt(
        enrollment=enrollment,
        quiz=quiz,
        number=number,
        question_order=[question.pk for question in questions],
        choice_order=choice_order,
        started_at=moment(at),
    )
    try:
        with transaction.atomic():
            attempt.save()
    except IntegrityError as error:  # another request started this attempt at the same moment
        raise ApplicationError(_("An attempt is already in progress."), code="attempt_in_progress") from error
    return attempt


def _parse_answers(
    attempt: QuizAttempt, answers: Mapping[int | str, Sequence[int | str]]
) -> dict[int, set[int]]:
    """Check the shape of the answers: every question of the attempt, with
    answers of that question only, one answer for single choice and
    true-or-false. Raises with one field error per question."""
    questions = {question.pk: question for question in attempt.quiz.questions.prefetch_related("choices")}
    given: dict[int, set[int]] = {}
    for key, values in answers.items():
        try:
            question_id = int(key)
            given[question_id] = {int(value) for value in values}
        except (TypeError, ValueError) as error:
            raise ApplicationError(
                _("The answers are malformed."), fields={"answers": [_("The answers are malformed.")]}
            ) from error
    errors: dict[str, list[str]] = {}
    unknown = set(given) - set(questions)
    if unknown:
        errors["answers"] = [_("Some answers are for questions that are not in this quiz.")]
    for question_id in attempt.question_order:
        question = questions.get(question_id)
        if question is None:  # deleted by the trainer since the attempt started
            continue
        chosen = given.get(question_id, set())
        valid_ids = {choice.pk for choice in question.choices.all()}
        field = f"question_{question_id}"
        if not chosen:
            errors[field] = [_("Answer this question.")]
        elif not chosen <= valid_ids:
            errors[field] = [_("Choose among the answers offered.")]
        elif question.kind != QuestionKind.MULTIPLE and len(chosen) != 1:
            errors[field] = [_("Choose one answer.")]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApplicationError(first, fields=errors)
    return {
        question_id: given[question_id] for question_id in attempt.question_order if question_id in questions
    }


def quiz_marks(
    *, chosen: Mapping[int, set[int]], correct: Mapping[int, set[int]], pass_mark: int
) -> tuple[dict[int, bool], int, bool]:
    """The marking rule, apart from the rows it is stored in: whether each
    question is right (exactly its correct answers chosen, no more, no
    fewer), the score (share of right questions, whole %, rounded down) and
    whether it reaches ``pass_mark``. No question: score 0."""
    right = {qid: ids == correct[qid] for qid, ids in chosen.items()}
    score = sum(right.values()) * 100 // len(right) if right else 0
    return right, score, score >= pass_mark


@transaction.atomic
def quiz_attempt_submit(
    *,
    user: User,
    attempt: QuizAttempt,
    answers: Mapping[int | str, Sequence[int | str]],
    at: datetime.datetime | None = None,
) -> QuizAttempt:
    """Grade an attempt on the server and store the answers.

    ``answers`` maps question ids to chosen answer ids. A question is right
    when exactly the correct answers are chosen; the score is the share of
    right questions (whole %), passed when it reaches the pass mark. Passing
    completes the quiz lesson (and maybe the course). An attempt is
    submitted once: the row is locked, a second submission is refused.
    """
    # Same lock order as quiz_attempt_start: the enrolment, then the attempt.
    list(Enrollment.objects.select_for_update().filter(pk=attempt.enrollment_id))
    attempt = (
        QuizAttempt.objects.select_for_update()
        .select_related("enrollment__user", "enrollment__course", "quiz__lesson")
        .get(pk=attempt.pk)
    )
    if attempt.enrollment.user_id != user.pk:
        raise ApplicationError(_("This attempt is not yours."), code="not_yours", status=403)
    if attempt.submitted_at is not None:
        raise ApplicationError(_("This attempt has already been submitted."), code="attempt_submitted")
    quiz = attempt.quiz
    if quiz.max_attempts is not None and attempt.number > quiz.max_attempts:
        raise _no_attempts_left()
    chosen = _parse_answers(attempt, answers)
    correct = {
        question.pk: {choice.pk for choice in question.choices.all() if choice.is_correct}
        for question in quiz.questions.filter(pk__in=chosen).prefetch_related("choices")
    }
    right, score, passed = quiz_marks(chosen=chosen, correct=correct, pass_mark=quiz.pass_mark)
    rows = [
        QuizAnswer(attempt=attempt, question_id=qid, selected=sorted(ids), is_correct=right[qid])
        for qid, ids in chosen.items()
    ]
    QuizAnswer.objects.bulk_create(rows)
    now = moment(at)
    attempt.score = score
    attempt.passed = passed
    attempt.submitted_at = now
    attempt.save(update_fields=["score", "passed", "submitted_at", "updated_at"])
    event(
        actor=user,
        verb=Verb.QUIZ_PASSED if attempt.passed else Verb.QUIZ_FAILED,
        obj=quiz.lesson,
        at=now,
        context={"score": attempt.score, "attempt": attempt.number},
    )
    if attempt.passed:
        enrollment = attempt.enrollment
        progress, _created = LessonProgress.objects.get_or_create(
            enrollment=enrollment, lesson=quiz.lesson, defaults={"viewed_at": now}
        )
        if progress.completed_at is None and enrollment.status == EnrollmentStatus.ACTIVE:
            lesson_progress_complete(enrollment=enrollment, progress=progress, at=now)
    return attempt
