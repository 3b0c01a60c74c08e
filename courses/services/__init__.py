"""Writes of the courses app, one function per use case (see each module).

authoring: courses, modules, lessons, quizzes, learning paths, publication
learning: enrolment, lessons opened and completed, course completion
quizzes: attempts started and submitted
paths: learning path enrolment and completion
certificates: issue, revoke, recertification
assignments: assignments and staff turnover
reminders: scheduled reminder e-mails and their dispatcher
"""

from courses.services.assignments import (
    assignee_add,
    assignees_complete,
    assignment_cancel,
    assignment_create,
    assignments_apply_to_member,
    assignments_release_member,
)
from courses.services.authoring import (
    course_archive,
    course_create,
    course_link_translation,
    course_problems,
    course_publish,
    course_update,
    lesson_create,
    lesson_delete,
    lesson_move,
    lesson_update,
    module_create,
    module_delete,
    module_move,
    module_update,
    path_archive,
    path_course_add,
    path_course_move,
    path_course_remove,
    path_create,
    path_publish,
    path_update,
    question_create,
    question_delete,
    question_move,
    question_update,
    quiz_update,
    true_false_labels,
)
from courses.services.certificates import (
    certificate_issue,
    certificate_recertify,
    certificate_revoke,
    certificate_valid,
    courses_held,
    recertification_open,
)
from courses.services.learning import enrollment_create, lesson_complete, lesson_open
from courses.services.paths import path_enroll
from courses.services.quizzes import quiz_attempt_start, quiz_attempt_submit
from courses.services.reminders import (
    DispatchResult,
    reminder_requeue,
    reminders_dispatch,
)
