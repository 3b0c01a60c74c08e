"""Reads of the courses app. Selectors that take the acting user return
only what that user may see.

catalogue: catalogue, course and path visibility, course page
learning: a learner's enrolments, quiz state, certificates, assignments
results: trainers' courses and course results
assignments: assignments and team figures (certified headcount, status per person, completions)
certificates: own certificates and public verification
"""

from courses.selectors.assignments import (
    HeadcountRow,
    assignable_distributors,
    assignee_status_list,
    assignment_list,
    certified_headcount,
    completion_list,
    recertification_due_list,
    recertification_due_overview,
    team_members,
)
from courses.selectors.catalogue import (
    CoursePage,
    course_catalogue,
    course_editable,
    course_page,
    course_page_by_slug,
    course_titles,
    course_visible,
    path_catalogue,
    path_visible,
)
from courses.selectors.certificates import certificate_of, certificate_public
from courses.selectors.learning import (
    QuizState,
    attempt_list,
    attempt_questions,
    attempt_results,
    certificates_expiring,
    lesson_of_course,
    my_assignments,
    my_certificates,
    my_enrollments,
    my_path_enrollments,
    quiz_state,
)
from courses.selectors.measures import (
    AssignmentCompletion,
    AssignmentStanding,
    AssignmentStatus,
    assignment_due_by_distributor,
    assignment_due_by_person,
    assignment_status_by_person,
    certificate_holders,
    certificates_expiring_among,
    courses_assigned_due_on,
    path_course_ids,
    people_started,
)
from courses.selectors.results import (
    CourseResults,
    authored_courses,
    authored_paths,
    course_results,
)
