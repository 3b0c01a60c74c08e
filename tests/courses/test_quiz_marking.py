"""Quiz marking at its exact edges: each question kind right only with
exactly its correct answers, the score rounded down, the pass mark reached
exactly or missed by one point, and the shape of the answers checked before
anything is marked."""

import pytest
from django.utils import translation

from academy.errors import ApplicationError
from academy.models import EngagementEvent, Verb
from courses import services
from courses.models import LessonProgress, QuizAnswer
from tests.courses.factories import choice_ids, quiz_build


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# ------------------------------------------------------------ the rule alone


@pytest.mark.parametrize(
    ("chosen", "correct", "right"),
    [
        ({1: {10}}, {1: {10}}, {1: True}),
        ({1: {11}}, {1: {10}}, {1: False}),
        # Multiple choice: a partial answer, an extra wrong answer, all right.
        ({1: {10}}, {1: {10, 11}}, {1: False}),
        ({1: {10, 11, 12}}, {1: {10, 11}}, {1: False}),
        ({1: {10, 12}}, {1: {10, 11}}, {1: False}),
        ({1: {10, 11}}, {1: {10, 11}}, {1: True}),
        ({1: {12, 13}}, {1: {10, 11}}, {1: False}),
        ({1: {10}, 2: {20}}, {1: {10}, 2: {21}}, {1: True, 2: False}),
    ],
)
def test_a_question_is_right_with_exactly_its_correct_answers(chosen, correct, right):
    assert quiz_marks_of(chosen, correct)[0] == right


@pytest.mark.parametrize(
    ("n_right", "n_questions", "score"),
    [
        (0, 1, 0),
        (1, 1, 100),
        (1, 2, 50),
        (1, 3, 33),  # rounded down, not to the nearest
        (2, 3, 66),
        (3, 4, 75),
        (5, 6, 83),
        (6, 7, 85),
        (0, 0, 0),  # no question: nothing earned
    ],
)
def test_the_score_is_the_share_of_right_questions_rounded_down(n_right, n_questions, score):
    chosen = {qid: {qid} for qid in range(n_questions)}
    correct = {qid: ({qid} if qid < n_right else {-1}) for qid in range(n_questions)}
    assert quiz_marks_of(chosen, correct)[1] == score


@pytest.mark.parametrize(
    ("n_right", "n_questions", "pass_mark", "passed"),
    [
        (1, 2, 50, True),  # exactly at the pass mark
        (1, 2, 51, False),  # one point short
        (1, 2, 49, True),
        (2, 3, 66, True),
        (2, 3, 67, False),
        (3, 4, 75, True),
        (3, 4, 76, False),
        (1, 1, 100, True),
        (0, 1, 1, False),
        (0, 0, 1, False),
    ],
)
def test_passed_means_the_score_reaches_the_pass_mark(n_right, n_questions, pass_mark, passed):
    chosen = {qid: {qid} for qid in range(n_questions)}
    correct = {qid: ({qid} if qid < n_right else {-1}) for qid in range(n_questions)}
    assert quiz_marks_of(chosen, correct, pass_mark=pass_mark)[2] is passed


def quiz_marks_of(chosen, correct, *, pass_mark=50):
    return services.quiz_marks(chosen=chosen, correct=correct, pass_mark=pass_mark)


# ------------------------------------------------------- through the service


@pytest.fixture
def learner(network):
    return network.staff_a


def attempt_on(quiz, user):
    services.enrollment_create(user=user, course=quiz.lesson.module.course, source="assignment")
    return services.quiz_attempt_start(user=user, quiz=quiz)


@pytest.mark.parametrize(
    ("kind", "answer", "right"),
    [
        ("single", ["Contrôle positif"], True),
        ("single", ["Échantillon seul"], False),
        ("single", ["Blanc"], False),
        ("multiple", ["A", "B"], True),
        ("multiple", ["A"], False),  # partial
        ("multiple", ["B"], False),  # partial
        ("multiple", ["A", "B", "C"], False),  # one wrong answer too many
        ("multiple", ["A", "B", "C", "D"], False),  # everything ticked
        ("multiple", ["A", "C"], False),
        ("multiple", ["C", "D"], False),
        ("multiple", ["D"], False),
        ("true_false", ["Vrai"], True),
        ("true_false", ["Faux"], False),
    ],
)
def test_each_question_kind_is_marked(learner, kind, answer, right):
    quiz = quiz_build(kinds=[kind], pass_mark=100)
    question = quiz.questions.get()
    attempt = attempt_on(quiz, learner)
    result = services.quiz_attempt_submit(
        user=learner, attempt=attempt, answers={question.pk: choice_ids(question, *answer)}
    )
    stored = QuizAnswer.objects.get(attempt=attempt)
    assert stored.is_correct is right
    assert stored.question_id == question.pk
    assert stored.selected == sorted(choice_ids(question, *answer))
    assert (result.score, result.passed) == ((100, True) if right else (0, False))


@pytest.mark.parametrize(
    ("pass_mark", "passed"),
    [(66, True), (67, False), (65, True), (1, True), (100, False)],
)
def test_pass_mark_exactly_at_the_score_and_one_above(learner, pass_mark, passed):
    # Two of three questions right: 66 %.
    quiz = quiz_build(kinds=["single", "multiple", "true_false"], pass_mark=pass_mark)
    single, multiple, true_false = quiz.questions.order_by("position")
    attempt = attempt_on(quiz, learner)
    answers = {
        single.pk: choice_ids(single, "Contrôle positif"),
        multiple.pk: choice_ids(multiple, "A"),  # partial: wrong
        true_false.pk: choice_ids(true_false, "Vrai"),
    }
    result = services.quiz_attempt_submit(user=learner, attempt=attempt, answers=answers)
    result.refresh_from_db()
    assert result.score == 66
    assert result.passed is passed
    assert result.submitted_at is not None
    marks = dict(QuizAnswer.objects.filter(attempt=attempt).values_list("question_id", "is_correct"))
    assert marks == {single.pk: True, multiple.pk: False, true_false.pk: True}
    verb = Verb.QUIZ_PASSED if passed else Verb.QUIZ_FAILED
    event = EngagementEvent.objects.get(verb__in=[Verb.QUIZ_PASSED, Verb.QUIZ_FAILED])
    assert event.verb == verb
    assert event.context == {"score": 66, "attempt": 1}
    progress = LessonProgress.objects.filter(lesson=quiz.lesson, completed_at__isnull=False)
    assert progress.exists() is passed


def test_answers_may_be_given_as_strings(learner):
    quiz = quiz_build(kinds=["multiple"], pass_mark=100)
    question = quiz.questions.get()
    attempt = attempt_on(quiz, learner)
    answers = {str(question.pk): [str(pk) for pk in choice_ids(question, "B", "A")]}
    assert services.quiz_attempt_submit(user=learner, attempt=attempt, answers=answers).passed


# ----------------------------------------------------- the shape of answers


def submit_error(learner, kinds, make_answers):
    quiz = quiz_build(kinds=kinds)
    questions = list(quiz.questions.order_by("position"))
    attempt = attempt_on(quiz, learner)
    with pytest.raises(ApplicationError) as error:
        services.quiz_attempt_submit(user=learner, attempt=attempt, answers=make_answers(questions))
    assert not QuizAnswer.objects.exists()
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    return error.value, questions


@pytest.mark.parametrize(
    ("kind", "answer"),
    [
        ("single", ["Contrôle positif", "Blanc"]),
        ("single", ["Contrôle positif", "Échantillon seul", "Blanc"]),
        ("true_false", ["Vrai", "Faux"]),
    ],
)
def test_single_choice_and_true_false_take_one_answer(learner, kind, answer):
    error, [question] = submit_error(learner, [kind], lambda qs: {qs[0].pk: choice_ids(qs[0], *answer)})
    assert error.fields == {f"question_{question.pk}": ["Choose one answer."]}
    assert error.message == "Choose one answer."


def test_multiple_choice_takes_several_answers(learner):
    quiz = quiz_build(kinds=["multiple"], pass_mark=100)
    question = quiz.questions.get()
    attempt = attempt_on(quiz, learner)
    answers = {question.pk: choice_ids(question, "A", "B", "C", "D")}
    assert services.quiz_attempt_submit(user=learner, attempt=attempt, answers=answers).score == 0


@pytest.mark.parametrize("given", [{}, {"empty": True}])
def test_every_question_needs_an_answer(learner, given):
    def answers(qs):
        first = {qs[0].pk: choice_ids(qs[0], "Contrôle positif")}
        return {**first, qs[1].pk: []} if given else first

    error, questions = submit_error(learner, ["single", "true_false"], answers)
    assert error.fields == {f"question_{questions[1].pk}": ["Answer this question."]}


def test_answers_come_from_the_question_offered(learner):
    def answers(qs):
        return {qs[0].pk: choice_ids(qs[1], "Vrai"), qs[1].pk: choice_ids(qs[1], "Vrai")}

    error, questions = submit_error(learner, ["single", "true_false"], answers)
    assert error.fields == {f"question_{questions[0].pk}": ["Choose among the answers offered."]}


def test_answers_for_another_quiz_are_refused(learner):
    other = quiz_build(kinds=["single"]).questions.get()

    def answers(qs):
        return {qs[0].pk: choice_ids(qs[0], "Blanc"), other.pk: choice_ids(other, "Blanc")}

    error, _questions = submit_error(learner, ["single"], answers)
    assert error.fields == {"answers": ["Some answers are for questions that are not in this quiz."]}
    assert error.message == "Some answers are for questions that are not in this quiz."


def test_every_wrong_question_gets_its_own_error(learner):
    def answers(qs):
        return {qs[0].pk: [], qs[1].pk: choice_ids(qs[1], "Vrai", "Faux")}

    error, questions = submit_error(learner, ["single", "true_false"], answers)
    assert error.fields == {
        f"question_{questions[0].pk}": ["Answer this question."],
        f"question_{questions[1].pk}": ["Choose one answer."],
    }
    assert error.message == "Answer this question."


@pytest.mark.parametrize(
    "make_answers",
    [
        lambda qs: {"first": [qs[0].choices.first().pk]},
        lambda qs: {qs[0].pk: ["one"]},
        lambda qs: {qs[0].pk: [None]},
        lambda qs: {qs[0].pk: None},
    ],
)
def test_malformed_answers_are_refused(learner, make_answers):
    error, _questions = submit_error(learner, ["single"], make_answers)
    assert error.fields == {"answers": ["The answers are malformed."]}
    assert error.message == "The answers are malformed."


def test_a_question_deleted_since_the_attempt_started_is_not_marked(learner):
    quiz = quiz_build(kinds=["single", "true_false"], pass_mark=100)
    kept, deleted = quiz.questions.order_by("position")
    attempt = attempt_on(quiz, learner)
    deleted.delete()
    result = services.quiz_attempt_submit(
        user=learner, attempt=attempt, answers={kept.pk: choice_ids(kept, "Contrôle positif")}
    )
    assert (result.score, result.passed) == (100, True)
    assert list(QuizAnswer.objects.values_list("question_id", flat=True)) == [kept.pk]


def test_no_attempts_left_is_refused_with_its_own_code(learner):
    quiz = quiz_build(kinds=["single"], pass_mark=100, max_attempts=1)
    question = quiz.questions.get()
    attempt = attempt_on(quiz, learner)
    services.quiz_attempt_submit(
        user=learner, attempt=attempt, answers={question.pk: choice_ids(question, "Blanc")}
    )
    with pytest.raises(ApplicationError) as error:
        services.quiz_attempt_start(user=learner, quiz=quiz)
    assert error.value.code == "no_attempts_left"
    assert error.value.status == 403
    assert error.value.message == "You have used all the attempts allowed for this quiz."


def test_the_questions_after_a_deleted_one_are_still_checked(learner):
    quiz = quiz_build(kinds=["single", "true_false"], pass_mark=100)
    deleted, kept = quiz.questions.order_by("position")
    attempt = attempt_on(quiz, learner)
    deleted.delete()
    with pytest.raises(ApplicationError) as error:
        services.quiz_attempt_submit(user=learner, attempt=attempt, answers={})
    assert error.value.fields == {f"question_{kept.pk}": ["Answer this question."]}
