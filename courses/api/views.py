"""Courses API: catalogue, courses, lessons, quiz attempts, enrolments,
certificates (own, and public verification), learning paths, assignments and
course results. Views stay thin: selectors scope, services decide."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from academy.api.base import PaginatedListView, request_user
from academy.errors import ApplicationError
from academy.models import User
from academy.permissions import can, require
from academy.throttling import api_throttled, client_address, throttle
from courses import selectors, services
from courses.api import serializers as s
from courses.models import Assignment, Certificate, Course, Enrollment, LearningPath, Lesson, QuizAttempt
from courses.rules import lessons_open
from courses.services import courses_held


def _visible_course(request: Request, slug: str) -> Course:
    return get_object_or_404(
        selectors.course_visible(user=request_user(request)).select_related("category"), slug=slug
    )


def _lesson(request: Request, pk: int) -> tuple[Lesson, bool]:
    """A lesson of a course the person may see (404 otherwise) that they may
    open: enrolled (now or before) or an author of the course (403 otherwise)."""
    user = request_user(request)
    lesson = get_object_or_404(
        Lesson.objects.select_related("module__course", "quiz").filter(
            module__course__in=selectors.course_visible(user=user)
        ),
        pk=pk,
    )
    enrolled = Enrollment.objects.filter(user=user, course_id=lesson.module.course_id).exists()
    if not lessons_open(user, lesson.module.course, enrolled=enrolled):
        raise ApplicationError(_("Enrol in the course first."), code="not_enrolled", status=403)
    return lesson, enrolled


class CatalogueView(PaginatedListView):
    """Published courses whose audience includes you, in your language first."""

    serializer_class = s.CourseListOutputSerializer

    def get_queryset(self) -> QuerySet[Course]:
        query = s.CatalogueQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.course_catalogue(user=request_user(self.request), **query.validated_data)

    @extend_schema(
        parameters=[
            OpenApiParameter("language", str, enum=["fr", "en"]),
            OpenApiParameter("level", str, enum=["beginner", "intermediate", "advanced"]),
            OpenApiParameter("category", str, description="Category slug"),
            OpenApiParameter("search", str, description="Words of the title, summary or category"),
        ]
    )
    def get(self, request: Request) -> Response:
        return self.list(request)


class CourseDetailView(APIView):
    """One course; modules and lessons (with your progress) once you are enrolled."""

    @extend_schema(responses=s.CourseDetailOutputSerializer)
    def get(self, request: Request, slug: str) -> Response:
        user = request_user(request)
        course = _visible_course(request, slug)
        page = selectors.course_page(user=user, course=course)
        has_access = lessons_open(user, course, enrolled=page.has_access)
        return Response(s.CourseDetailOutputSerializer(page, context={"has_access": has_access}).data)


class CourseEnrolView(APIView):
    """Enrol yourself (self-service, when the course's audience includes you)."""

    @extend_schema(request=None, responses={201: s.EnrollmentOutputSerializer})
    def post(self, request: Request, slug: str) -> Response:
        course = _visible_course(request, slug)
        enrollment = services.enrollment_create(user=request_user(request), course=course)
        return Response(s.EnrollmentOutputSerializer(enrollment).data, status=status.HTTP_201_CREATED)


class CourseResultsView(APIView):
    """Results of a course, for its trainers and admins."""

    @extend_schema(responses=s.CourseResultsOutputSerializer)
    def get(self, request: Request, slug: str) -> Response:
        require(request_user(request), "courses.author")
        course = get_object_or_404(Course, slug=slug)
        require(request_user(request), "courses.view_results", course)
        return Response(s.CourseResultsOutputSerializer(selectors.course_results(course=course)).data)


class LessonDetailView(APIView):
    """A lesson's content. Opening it records your progress (video and
    document lessons are complete once opened)."""

    @extend_schema(responses=s.LessonOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        lesson, enrolled = _lesson(request, pk)
        progress = services.lesson_open(user=request_user(request), lesson=lesson) if enrolled else None
        completed = progress is not None and progress.completed_at is not None
        return Response(s.LessonOutputSerializer(lesson, context={"completed": completed}).data)


class LessonCompleteView(APIView):
    """Mark a text, video or document lesson complete."""

    @extend_schema(request=None, responses=s.EnrollmentOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        lesson, _enrolled = _lesson(request, pk)
        progress = services.lesson_complete(user=request_user(request), lesson=lesson)
        enrollment = Enrollment.objects.select_related("course").get(pk=progress.enrollment_id)
        return Response(s.EnrollmentOutputSerializer(enrollment).data)


class LessonAttemptsView(PaginatedListView):
    """Your attempts at the quiz of a lesson; POST starts one (or returns
    the one in progress) with its questions — never the correct answers."""

    serializer_class = s.AttemptOutputSerializer
    lesson: Lesson

    def get_queryset(self) -> QuerySet[QuizAttempt]:
        if not hasattr(self.lesson, "quiz"):
            return QuizAttempt.objects.none()
        attempts = selectors.attempt_list(user=request_user(self.request))
        return attempts.filter(quiz=self.lesson.quiz).select_related("quiz")

    def get(self, request: Request, pk: int) -> Response:
        self.lesson, _enrolled = _lesson(request, pk)
        return self.list(request)

    @extend_schema(request=None, responses={201: s.AttemptOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        lesson, _enrolled = _lesson(request, pk)
        if not hasattr(lesson, "quiz"):
            raise ApplicationError(_("This lesson has no quiz."), code="not_a_quiz")
        attempt = services.quiz_attempt_start(user=request_user(request), quiz=lesson.quiz)
        context = {"questions": {attempt.pk: selectors.attempt_questions(attempt=attempt)}}
        return Response(
            s.AttemptOutputSerializer(attempt, context=context).data, status=status.HTTP_201_CREATED
        )


def _own_attempt(request: Request, pk: int) -> QuizAttempt:
    return get_object_or_404(selectors.attempt_list(user=request_user(request)).select_related("quiz"), pk=pk)


def _attempt_response(attempt: QuizAttempt) -> Response:
    context: dict[str, Any]
    if attempt.submitted_at is None:
        context = {"questions": {attempt.pk: selectors.attempt_questions(attempt=attempt)}}
    else:
        context = {"results": {attempt.pk: selectors.attempt_results(attempt=attempt)}}
    return Response(s.AttemptOutputSerializer(attempt, context=context).data)


class AttemptDetailView(APIView):
    """One of your attempts: its questions while open, its results once submitted."""

    @extend_schema(responses=s.AttemptOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return _attempt_response(_own_attempt(request, pk))


class AttemptSubmitView(APIView):
    """Submit your answers; they are graded on the server."""

    @extend_schema(request=s.AttemptSubmitInputSerializer, responses=s.AttemptOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        attempt = _own_attempt(request, pk)
        data = s.AttemptSubmitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attempt = services.quiz_attempt_submit(
            user=request_user(request), attempt=attempt, answers=data.validated_data["answers"]
        )
        return _attempt_response(attempt)


class EnrollmentListView(PaginatedListView):
    """Your enrolments, in progress first."""

    serializer_class = s.EnrollmentOutputSerializer

    def get_queryset(self) -> QuerySet[Enrollment]:
        queryset = selectors.my_enrollments(user=request_user(self.request))
        if self.request.query_params.get("status") in {"active", "completed"}:
            queryset = queryset.filter(status=self.request.query_params["status"])
        return queryset

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=["active", "completed"])])
    def get(self, request: Request) -> Response:
        return self.list(request)


class EnrollmentDetailView(APIView):
    """One of your enrolments with the progress of each lesson opened."""

    @extend_schema(responses=s.EnrollmentDetailOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        enrollments = selectors.my_enrollments(user=request_user(request)).prefetch_related("lesson_progress")
        return Response(s.EnrollmentDetailOutputSerializer(get_object_or_404(enrollments, pk=pk)).data)


class CertificateListView(PaginatedListView):
    """Your certificates."""

    serializer_class = s.CertificateOutputSerializer

    def get_queryset(self) -> QuerySet[Certificate]:
        return selectors.my_certificates(user=request_user(self.request))

    def get(self, request: Request) -> Response:
        return self.list(request)


class CertificateDetailView(APIView):
    """One of your certificates."""

    @extend_schema(responses=s.CertificateOutputSerializer)
    def get(self, request: Request, code: str) -> Response:
        certificate = get_object_or_404(selectors.certificate_of(user=request_user(request)), code=code)
        return Response(s.CertificateOutputSerializer(certificate).data)


class CertificateVerifyView(APIView):
    """Public: check a certificate by its code (name, title, dates and status only)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses=s.VerificationOutputSerializer, auth=[])
    def get(self, request: Request, code: str) -> Response:
        wait = throttle("certificate_verify", client_address(request)).hit()
        if wait is not None:
            raise api_throttled(wait)
        certificate = selectors.certificate_public(code=code)
        if certificate is None:
            raise ApplicationError(_("No certificate has this code."), code="not_found", status=404)
        data = {
            "code": certificate.code,
            "holder_name": certificate.holder_name,
            "title": certificate.title,
            "issued_on": certificate.issued_on,
            "expires_on": certificate.expires_on,
            "recertify_by": certificate.recertify_by,
            "state": certificate.state(),
        }
        return Response(s.VerificationOutputSerializer(data).data)


class PathListView(PaginatedListView):
    """Published learning paths whose audience includes you."""

    serializer_class = s.PathListOutputSerializer

    def get_queryset(self) -> QuerySet[LearningPath]:
        return selectors.path_catalogue(user=request_user(self.request))

    def get(self, request: Request) -> Response:
        return self.list(request)


class PathDetailView(APIView):
    """A learning path with its courses in order and whether you hold each."""

    @extend_schema(responses=s.PathDetailOutputSerializer)
    def get(self, request: Request, slug: str) -> Response:
        user = request_user(request)
        path = get_object_or_404(selectors.path_visible(user=user), slug=slug)
        courses = list(Course.objects.filter(path_links__path=path).order_by("path_links__position"))
        context = {
            "courses": courses,
            "held": courses_held(user=user, courses=courses),
            "enrollment": selectors.my_path_enrollments(user=user).filter(path=path).first(),
        }
        return Response(s.PathDetailOutputSerializer(path, context=context).data)


class PathEnrolView(APIView):
    """Enrol yourself in a learning path (and its courses)."""

    @extend_schema(request=None, responses={201: s.PathEnrollmentOutputSerializer})
    def post(self, request: Request, slug: str) -> Response:
        user = request_user(request)
        path: LearningPath = get_object_or_404(selectors.path_visible(user=user), slug=slug)
        enrollment = services.path_enroll(user=user, path=path)
        return Response(s.PathEnrollmentOutputSerializer(enrollment).data, status=status.HTTP_201_CREATED)


def _require_follower(request: Request) -> None:
    if not can(request.user, "courses.view_assignments"):
        raise PermissionDenied(_("You are not allowed to do this."))


class AssignmentListView(PaginatedListView):
    """Assignments of the distributors you follow (managers: your
    territories; team leads: your distributor). POST assigns a course or path."""

    serializer_class = s.AssignmentOutputSerializer

    def get_queryset(self) -> QuerySet[Assignment]:
        user = request_user(self.request)
        distributor = None
        if str(self.request.query_params.get("distributor", "")).isdigit():
            distributor = get_object_or_404(
                selectors.assignable_distributors(user=user),
                pk=self.request.query_params["distributor"],
            )
        return selectors.assignment_list(user=user, distributor=distributor)

    @extend_schema(parameters=[OpenApiParameter("distributor", int)])
    def get(self, request: Request) -> Response:
        _require_follower(request)
        return self.list(request)

    @extend_schema(request=s.AssignmentInputSerializer, responses={201: s.AssignmentOutputSerializer})
    def post(self, request: Request) -> Response:
        _require_follower(request)
        user = request_user(request)
        data = s.AssignmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        distributor = selectors.assignable_distributors(user=user).filter(pk=values["distributor"]).first()
        if distributor is None:
            raise ApplicationError(
                _("Choose one of your distributors."),
                fields={"distributor": [_("Choose one of your distributors.")]},
            )
        course = path = None
        if values.get("course"):
            course = Course.objects.filter(slug=values["course"]).first()
            if course is None:
                raise ApplicationError(_("Unknown course."), fields={"course": [_("Unknown course.")]})
        else:
            path = LearningPath.objects.filter(slug=values["path"]).first()
            if path is None:
                raise ApplicationError(
                    _("Unknown learning path."), fields={"path": [_("Unknown learning path.")]}
                )
        people = list(
            selectors.team_members(distributor=distributor)
            .filter(user_id__in=values.get("people", []))
            .values_list("user", flat=True)
        )
        unknown = set(values.get("people", [])) - set(people)
        if unknown:
            message = _("Not current members of %(distributor)s: %(people)s") % {
                "distributor": distributor.name,
                "people": ", ".join(str(pk) for pk in sorted(unknown)),
            }
            raise ApplicationError(message, fields={"people": [message]})
        assignment = services.assignment_create(
            actor=user,
            distributor=distributor,
            course=course,
            path=path,
            target=values["target"],
            role=values.get("role", ""),
            people=list(User.objects.filter(pk__in=people)),
            due_on=values.get("due_on"),
            due_days=values.get("due_days"),
        )
        assignment = selectors.assignment_list(user=user).get(pk=assignment.pk)
        return Response(s.AssignmentOutputSerializer(assignment).data, status=status.HTTP_201_CREATED)


class AssignmentDetailView(APIView):
    """An assignment with the status of each person (due, overdue, done, released)."""

    @extend_schema(responses=s.AssignmentDetailOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        _require_follower(request)
        user = request_user(request)
        assignment = get_object_or_404(selectors.assignment_list(user=user, include_cancelled=True), pk=pk)
        assignees = selectors.assignee_status_list(user=user, assignment=assignment, include_released=True)
        return Response(s.AssignmentDetailOutputSerializer(assignment, context={"assignees": assignees}).data)


class AssignmentCancelView(APIView):
    """Cancel an assignment (the creator as lead, a manager of the territory, an admin)."""

    @extend_schema(request=None, responses=s.AssignmentOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        _require_follower(request)
        user = request_user(request)
        assignment = get_object_or_404(selectors.assignment_list(user=user, include_cancelled=True), pk=pk)
        services.assignment_cancel(actor=user, assignment=assignment)
        assignment = selectors.assignment_list(user=user, include_cancelled=True).get(pk=pk)
        return Response(s.AssignmentOutputSerializer(assignment).data)


class HeadcountView(APIView):
    """Certified headcount of a distributor: for each assigned course, how
    many current staff hold a valid certificate."""

    @extend_schema(
        parameters=[OpenApiParameter("distributor", int, required=True)],
        responses=s.HeadcountOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        _require_follower(request)
        raw = str(request.query_params.get("distributor", ""))
        if not raw.isdigit():
            message = _("Choose one of your distributors.")
            raise ApplicationError(message, fields={"distributor": [message]})
        user = request_user(request)
        distributor = get_object_or_404(selectors.assignable_distributors(user=user), pk=raw)
        rows = selectors.certified_headcount(user=user, distributor=distributor)
        return Response(s.HeadcountOutputSerializer(rows, many=True).data)
