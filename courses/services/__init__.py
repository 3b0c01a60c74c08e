"""Writes of the courses app, one function per use case (see each module).

The modules in their order: each imports only modules listed above it.

_common: shared helpers (application errors, time, engagement events)
files: lesson files and course covers checked on content
reminder_schedule: reminder rows scheduled and cancelled
certificates: issue, revoke; certificates held, and when they may be renewed
completion: progress, and what completing a lesson, course or path sets off
learning: enrolment, lessons opened and completed
quizzes: attempts started and submitted
paths: learning path enrolment
assignments: assignments and staff turnover
recertification: renewing a certificate (enrolling again); recertification
    required by a new version: notice, grace period, then superseded
reminders: the dispatcher that sends due reminders once
authoring: courses, modules, lessons, quizzes, learning paths, publication
"""

from courses.services.assignments import (
    assignee_add,
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
    certificate_revoke,
    certificate_valid,
    courses_held,
    recertification_open,
)
from courses.services.completion import assignees_complete
from courses.services.files import cover_content_type
from courses.services.learning import (
    enrollment_create,
    lesson_complete,
    lesson_open,
    lesson_open_changes,
    lesson_open_record,
)
from courses.services.paths import path_enroll
from courses.services.quizzes import quiz_attempt_start, quiz_attempt_submit, quiz_marks
from courses.services.recertification import (
    certificate_recertify,
    recertification_close_due,
    recertification_require,
)
from courses.services.reminders import (
    RECERTIFICATION_KINDS,
    REMINDER_KIND,
    REMINDER_OUTBOX,
    reminder_key,
    reminder_requeue,
    reminders_dispatch,
)
