from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academy.models import BaseModel
from courses.models.content import Lesson
from courses.models.learning import Enrollment


class Quiz(BaseModel):
    """The quiz of a quiz lesson: pass mark, attempts allowed, shuffling."""

    lesson = models.OneToOneField(
        Lesson, on_delete=models.CASCADE, related_name="quiz", verbose_name=_("lesson")
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=70, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("maximum attempts"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty for unlimited attempts."),
    )
    shuffle = models.BooleanField(
        _("shuffle questions and answers"),
        default=False,
        help_text=_("Each attempt gets its own order, kept if the learner reloads the page."),
    )

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_mark__gte=1, pass_mark__lte=100), name="quiz_pass_mark_range"
            ),
            models.CheckConstraint(
                condition=models.Q(max_attempts__isnull=True) | models.Q(max_attempts__gte=1),
                name="quiz_max_attempts_positive",
            ),
        ]

    def __str__(self) -> str:
        return str(self.lesson)


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True or false")


class Question(BaseModel):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions", verbose_name=_("quiz"))
    kind = models.CharField(
        _("kind"), max_length=16, choices=QuestionKind.choices, default=QuestionKind.SINGLE
    )
    text = models.TextField(_("question"))
    explanation = models.TextField(
        _("explanation"), blank=True, help_text=_("Shown to the learner after they submit their answers.")
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["quiz", "position", "id"]
        indexes = [models.Index(fields=["quiz", "position"])]

    def __str__(self) -> str:
        return self.text[:80]


class Choice(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="choices", verbose_name=_("question")
    )
    text = models.CharField(_("answer"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("answer choice")
        verbose_name_plural = _("answer choices")
        ordering = ["question", "position", "id"]

    def __str__(self) -> str:
        return self.text


class QuizAttempt(BaseModel):
    """One attempt of a learner at a quiz, within one enrolment.

    ``number`` counts attempts per enrolment and quiz; with ``max_attempts``
    the unique constraint makes it impossible to store more attempts than
    allowed, even when two submissions race. The question and answer order
    is drawn once, when the attempt starts, and kept for that attempt.
    """

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("enrolment")
    )
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("quiz"))
    number = models.PositiveSmallIntegerField(_("attempt"))
    question_order = models.JSONField(_("question order"), default=list)
    choice_order = models.JSONField(_("answer order"), default=dict)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score (%)"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "quiz", "number"], name="attempt_number_unique"),
            models.UniqueConstraint(
                fields=["enrollment", "quiz"],
                condition=models.Q(submitted_at__isnull=True),
                name="attempt_one_open",
            ),
            models.CheckConstraint(
                condition=models.Q(submitted_at__isnull=True)
                | models.Q(score__isnull=False, passed__isnull=False),
                name="attempt_submitted_is_scored",
            ),
        ]
        indexes = [models.Index(fields=["quiz", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.quiz} #{self.number}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class QuizAnswer(models.Model):
    """What the learner chose for one question of a submitted attempt."""

    attempt = models.ForeignKey(
        QuizAttempt, on_delete=models.CASCADE, related_name="answers", verbose_name=_("attempt")
    )
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="answers", verbose_name=_("question")
    )
    selected = models.JSONField(_("chosen answers"), default=list)
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        verbose_name = _("quiz answer")
        verbose_name_plural = _("quiz answers")
        ordering = ["attempt", "id"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="answer_one_per_question"),
        ]
        indexes = [models.Index(fields=["question", "is_correct"])]

    def __str__(self) -> str:
        return f"{self.attempt} — {self.question_id}"
