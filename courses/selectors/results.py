"""What trainers see: their courses and the results of a course."""

from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q, QuerySet

from academy import roles
from academy.models import User
from courses.models import Course, Enrollment, EnrollmentStatus, LearningPath, Question, QuizAttempt
from courses.selectors.catalogue import course_editable


def authored_courses(*, user: User) -> QuerySet[Course]:
    """The courses ``user`` may edit (admins: all), most recently changed
    first, each with ``n_enrolled`` and ``n_completed``."""
    return (
        course_editable(user=user)
        .select_related("category", "owner")
        .annotate(
            n_enrolled=Count("enrollments", distinct=True),
            n_completed=Count(
                "enrollments", filter=Q(enrollments__status=EnrollmentStatus.COMPLETED), distinct=True
            ),
        )
        .order_by("-updated_at", "-id")
    )


def authored_paths(*, user: User) -> QuerySet[LearningPath]:
    """The learning paths ``user`` may edit, each with ``n_courses`` and ``n_enrolled``."""
    queryset = LearningPath.objects.all()
    if roles.ADMIN not in roles.user_roles(user):
        queryset = queryset.filter(owner=user)
    return queryset.annotate(
        n_courses=Count("path_courses", distinct=True), n_enrolled=Count("enrollments", distinct=True)
    ).order_by("-updated_at", "-id")


@dataclass
class QuestionResult:
    question: Question
    answers: int
    right: int

    @property
    def success_rate(self) -> int | None:
        return round(100 * self.right / self.answers) if self.answers else None


@dataclass
class DistributorResult:
    distributor_id: int | None
    name: str
    enrolled: int
    completed: int
    average_score: float | None

    @property
    def completion_rate(self) -> int:
        return round(100 * self.completed / self.enrolled) if self.enrolled else 0


@dataclass
class CourseResults:
    course: Course
    enrolled: int
    completed: int
    learners: int
    attempts: int
    average_score: float | None
    questions: list[QuestionResult] = field(default_factory=list)
    distributors: list[DistributorResult] = field(default_factory=list)

    @property
    def completion_rate(self) -> int:
        return round(100 * self.completed / self.enrolled) if self.enrolled else 0


def course_results(*, course: Course) -> CourseResults:
    """Enrolments, completion rate, average quiz score (submitted attempts),
    success rate per question (hardest first) and the same by distributor
    (the learner's distributor at enrolment). Four queries whatever the
    number of learners. The caller checks ``courses.view_results``."""
    totals = Enrollment.objects.filter(course=course).aggregate(
        enrolled=Count("id"),
        completed=Count("id", filter=Q(status=EnrollmentStatus.COMPLETED)),
        learners=Count("user", distinct=True),
    )
    scores = QuizAttempt.objects.filter(
        quiz__lesson__module__course=course, submitted_at__isnull=False
    ).aggregate(average=Avg("score"), attempts=Count("id"))
    questions = [
        QuestionResult(question=question, answers=question.n_answers, right=question.n_right)
        for question in Question.objects.filter(quiz__lesson__module__course=course)
        .select_related("quiz__lesson")
        .annotate(n_answers=Count("answers"), n_right=Count("answers", filter=Q(answers__is_correct=True)))
        .order_by("quiz__lesson__module__position", "quiz__lesson__position", "position", "id")
    ]
    questions.sort(key=lambda item: (item.success_rate is None, item.success_rate or 0))
    by_distributor = (
        Enrollment.objects.filter(course=course)
        .values("distributor_id", "distributor__name")
        .annotate(
            enrolled=Count("id", distinct=True),
            completed=Count("id", filter=Q(status=EnrollmentStatus.COMPLETED), distinct=True),
            average=Avg("attempts__score", filter=Q(attempts__submitted_at__isnull=False)),
        )
        .order_by("distributor__name")
    )
    return CourseResults(
        course=course,
        enrolled=totals["enrolled"],
        completed=totals["completed"],
        learners=totals["learners"],
        attempts=scores["attempts"],
        average_score=round(scores["average"], 1) if scores["average"] is not None else None,
        questions=questions,
        distributors=[
            DistributorResult(
                distributor_id=row["distributor_id"],
                name=row["distributor__name"] or "",
                enrolled=row["enrolled"],
                completed=row["completed"],
                average_score=round(row["average"], 1) if row["average"] is not None else None,
            )
            for row in by_distributor
        ],
    )
