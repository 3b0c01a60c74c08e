"""Data of the courses app: content (courses, modules, lessons, quizzes),
learning (enrolments, progress, attempts), certificates, learning paths,
assignments and their reminders."""

from courses.models.assignments import (
    Assignee,
    Assignment,
    AssignmentTarget,
    Reminder,
    ReminderKind,
    ReminderStatus,
)
from courses.models.certificates import Certificate, CertificateQuerySet, CertificateStatus
from courses.models.content import (
    Category,
    Course,
    CourseVersion,
    Language,
    Lesson,
    LessonKind,
    Level,
    Module,
    PublicationStatus,
)
from courses.models.learning import (
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    LessonProgress,
)
from courses.models.paths import LearningPath, PathCourse, PathEnrollment
from courses.models.quizzes import (
    Choice,
    Question,
    QuestionKind,
    Quiz,
    QuizAnswer,
    QuizAttempt,
)

__all__ = [
    "Assignee",
    "Assignment",
    "AssignmentTarget",
    "Category",
    "Certificate",
    "CertificateQuerySet",
    "CertificateStatus",
    "Choice",
    "Course",
    "CourseVersion",
    "Enrollment",
    "EnrollmentSource",
    "EnrollmentStatus",
    "Language",
    "LearningPath",
    "Lesson",
    "LessonKind",
    "LessonProgress",
    "Level",
    "Module",
    "PathCourse",
    "PathEnrollment",
    "PublicationStatus",
    "Question",
    "QuestionKind",
    "Quiz",
    "QuizAnswer",
    "QuizAttempt",
    "Reminder",
    "ReminderKind",
    "ReminderStatus",
]
