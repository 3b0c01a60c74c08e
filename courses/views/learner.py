"""Learner pages: catalogue, course, lesson (text, video, document, quiz),
my learning, learning paths, certificates and their public verification."""

import re
from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from academy.downloads import private_file_response
from academy.errors import ApplicationError
from academy.forms import apply_error
from academy.http import AuthenticatedHttpRequest
from academy.permissions import can
from academy.throttling import limit_page
from courses import selectors, services
from courses.forms import CatalogueFilterForm, QuizAnswerForm
from courses.markdown import render_markdown
from courses.models import Category, Course, Lesson, LessonKind
from courses.pdf import certificate_pdf
from courses.rules import lessons_open
from courses.services import courses_held
from courses.views._common import PAGE_SIZE
from distributors.audience import audience_includes


@login_required
@require_GET
def catalogue(request: AuthenticatedHttpRequest) -> HttpResponse:
    categories = list(Category.objects.all())
    form = CatalogueFilterForm(request.GET or None, categories=categories)
    filters = form.cleaned_data if form.is_valid() else {}
    courses = selectors.course_catalogue(
        user=request.user,
        language=filters.get("language", ""),
        level=filters.get("level", ""),
        category=filters.get("category", ""),
        search=filters.get("q", ""),
    )
    page = Paginator(courses, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "courses/catalogue.html", {"form": form, "page": page, "filtered": bool(filters)})


def _course_or_404(request: AuthenticatedHttpRequest, slug: str) -> Course:
    return get_object_or_404(
        selectors.course_visible(user=request.user).select_related("category", "owner"), slug=slug
    )


def _page_or_404(request: AuthenticatedHttpRequest, slug: str) -> selectors.CoursePage:
    page = selectors.course_page_by_slug(user=request.user, slug=slug)
    if page is None:
        raise Http404
    return page


@login_required
@require_GET
def course_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    page = _page_or_404(request, slug)
    course = page.course
    can_edit = can(request.user, "courses.edit_course", course)
    can_enrol = False
    if not page.is_enrolled and course.is_published and course.self_enrolment:
        renewing = page.certificate is not None and services.recertification_open(page.certificate)
        can_enrol = (page.certificate is None or renewing) and audience_includes(course, user=request.user)
    return render(
        request,
        "courses/course_detail.html",
        {
            "course": course,
            "page": page,
            "can_edit": can_edit,
            "can_enrol": can_enrol,
            "preview": can_edit and not page.has_access,
        },
    )


@login_required
@require_POST
def course_enrol(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    course = _course_or_404(request, slug)
    try:
        enrollment = services.enrollment_create(user=request.user, course=course)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("courses:course", slug=course.slug)
    messages.success(request, _("You are enrolled. Good learning!"))
    page = selectors.course_page(user=request.user, course=course)
    lesson = page.resume_lesson
    if lesson is not None and enrollment.status == "active":
        return redirect("courses:lesson", slug=course.slug, pk=lesson.pk)
    return redirect("courses:course", slug=course.slug)


def _lesson_context(request: AuthenticatedHttpRequest, slug: str, pk: int) -> tuple[Course, Lesson]:
    """The course (visible to the person) and its lesson."""
    course = _course_or_404(request, slug)
    lesson = selectors.lesson_of_course(course_id=course.pk, lesson_id=pk)
    if lesson is None:
        raise Http404
    return course, lesson


@login_required
def lesson_detail(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    if request.method == "POST":
        course, lesson = _lesson_context(request, slug, pk)
        if lesson.kind != LessonKind.QUIZ:
            return HttpResponse(status=405)
        return _quiz_post(request, course, lesson)
    if request.method != "GET":
        return HttpResponse(status=405)
    page = _page_or_404(request, slug)
    course = page.course
    found = next((item for item in page.lessons if item.pk == pk), None)
    if found is None:
        raise Http404
    lesson = found
    # Reading a lesson again writes nothing: the progress is recorded (under
    # the enrolment's lock) only when this open changes it.
    progress = page.progress.get(pk)
    if services.lesson_open_changes(enrollment=page.enrollment, lesson=lesson, progress=progress):
        services.lesson_open_record(user=request.user, lesson=lesson)
        page = selectors.course_page(user=request.user, course=course)
        lesson = next(item for item in page.lessons if item.pk == pk)
    if not lessons_open(request.user, course, enrolled=page.has_access):
        messages.info(request, _("Enrol in the course to open its lessons."))
        return redirect("courses:course", slug=course.slug)
    previous, following = page.neighbours(lesson)
    context = {
        "course": course,
        "page": page,
        "lesson": lesson,
        "body": render_markdown(lesson.body),
        "previous": previous,
        "following": following,
        # Open without an enrolment: an author's preview.
        "preview": not page.has_access,
        "is_done": lesson.pk in page.completed_lesson_ids,
    }
    if lesson.kind == LessonKind.QUIZ:
        # A completed enrolment still shows its last attempt for review.
        state = selectors.quiz_state(quiz=lesson.quiz, enrollment=page.enrollment)
        context["quiz"] = state
        if state.open_attempt is not None:
            context["form"] = QuizAnswerForm(questions=state.questions)
    return render(request, "courses/lesson_detail.html", context)


def _quiz_post(request: AuthenticatedHttpRequest, course: Course, lesson: Lesson) -> HttpResponse:
    quiz = lesson.quiz
    target = redirect("courses:lesson", slug=course.slug, pk=lesson.pk)
    if request.POST.get("action") == "start":
        try:
            services.quiz_attempt_start(user=request.user, quiz=quiz)
        except ApplicationError as error:
            messages.error(request, error.message)
        return target
    attempt = (
        selectors.attempt_list(user=request.user)
        .filter(quiz=quiz, submitted_at__isnull=True, pk=request.POST.get("attempt") or 0)
        .first()
    )
    if attempt is None:
        messages.error(request, _("This attempt is no longer open. Start a new one."))
        return target
    page = selectors.course_page(user=request.user, course=course)
    state = selectors.quiz_state(quiz=quiz, enrollment=page.enrollment)
    form = QuizAnswerForm(request.POST, questions=state.questions)
    if form.is_valid():
        try:
            attempt = services.quiz_attempt_submit(user=request.user, attempt=attempt, answers=form.answers())
        except ApplicationError as error:
            apply_error(form, error)
        else:
            if attempt.passed:
                messages.success(
                    request, _("Passed with %(score)s %%. Well done!") % {"score": attempt.score}
                )
            else:
                messages.warning(
                    request,
                    _("Not passed: %(score)s %% (pass mark %(mark)s %%). Read the explanations below.")
                    % {"score": attempt.score, "mark": quiz.pass_mark},
                )
            return target
    previous, following = page.neighbours(next(item for item in page.lessons if item.pk == lesson.pk))
    return render(
        request,
        "courses/lesson_detail.html",
        {
            "course": course,
            "page": page,
            "lesson": lesson,
            "body": render_markdown(lesson.body),
            "previous": previous,
            "following": following,
            "quiz": state,
            "form": form,
            "preview": False,
            "is_done": lesson.pk in page.completed_lesson_ids,
        },
        status=400,
    )


@login_required
@require_POST
def lesson_complete(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    course, lesson = _lesson_context(request, slug, pk)
    try:
        services.lesson_complete(user=request.user, lesson=lesson)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("courses:lesson", slug=course.slug, pk=lesson.pk)
    page = selectors.course_page(user=request.user, course=course)
    if page.enrollment is not None and page.enrollment.status == "completed":
        messages.success(request, _("Course completed. Your certificate is ready!"))
        return redirect("courses:course", slug=course.slug)
    messages.success(request, _("Lesson completed."))
    following = page.neighbours(next(item for item in page.lessons if item.pk == lesson.pk))[1]
    if following is not None:
        return redirect("courses:lesson", slug=course.slug, pk=following.pk)
    return redirect("courses:course", slug=course.slug)


@login_required
@require_GET
def lesson_file(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponseBase:
    """The document or video file of a lesson, for enrolled learners and
    the course's authors only."""
    course, lesson = _lesson_context(request, slug, pk)
    enrolled = course.enrollments.filter(user=request.user).exists()
    if not lessons_open(request.user, course, enrolled=enrolled):
        raise Http404
    if lesson.kind == LessonKind.DOCUMENT and lesson.document_file:
        handle, content_type, name = lesson.document_file, lesson.document_content_type, lesson.document_name
    elif lesson.kind == LessonKind.VIDEO and lesson.video_file:
        handle = lesson.video_file
        webm = (handle.name or "").endswith(".webm")
        content_type = "video/webm" if webm else "video/mp4"
        name = f"{lesson.title}{'.webm' if webm else '.mp4'}"
    else:
        raise Http404
    return private_file_response(
        handle, filename=name, content_type=content_type, cache="private, max-age=3600"
    )


@login_required
@require_GET
def course_cover(request: AuthenticatedHttpRequest, slug: str) -> HttpResponseBase:
    """A course's cover image, to people who may open the course's page only."""
    course = _course_or_404(request, slug)
    return private_file_response(
        course.cover,
        filename=f"{course.slug}{PurePosixPath(course.cover.name or '').suffix.lower()}",
        content_type=services.cover_content_type(course.cover.name or ""),
        cache="private, max-age=86400",
    )


@login_required
@require_GET
def my_learning(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    page = Paginator(selectors.my_enrollments(user=user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/my_learning.html",
        {
            "page": page,
            "paths": list(selectors.my_path_enrollments(user=user)[:20]),
            "certificates": list(selectors.my_certificates(user=user)[:50]),
            "assignments": list(selectors.my_assignments(user=user)[:50]),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_GET
def path_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.path_catalogue(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "courses/path_list.html", {"page": page})


@login_required
@require_GET
def path_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    path = get_object_or_404(selectors.path_visible(user=request.user), slug=slug)
    links = list(path.path_courses.select_related("course").order_by("position", "id"))
    courses = [link.course for link in links]
    held = courses_held(user=request.user, courses=courses)
    enrollments = {
        e.course_id: e
        for e in selectors.my_enrollments(user=request.user)
        .filter(course__in=courses)
        .order_by("enrolled_at")
    }
    enrollment = selectors.my_path_enrollments(user=request.user).filter(path=path).first()
    rows = [{"course": c, "held": c.pk in held, "enrollment": enrollments.get(c.pk)} for c in courses]
    can_enrol = (
        path.is_published
        and (enrollment is None or enrollment.status != "active")
        and audience_includes(path, user=request.user)
    )
    return render(
        request,
        "courses/path_detail.html",
        {
            "path": path,
            "rows": rows,
            "enrollment": enrollment,
            "n_held": len(held),
            "can_enrol": can_enrol,
            "can_edit": can(request.user, "courses.edit_path", path),
        },
    )


@login_required
@require_POST
def path_enrol(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    path = get_object_or_404(selectors.path_visible(user=request.user), slug=slug)
    try:
        services.path_enroll(user=request.user, path=path)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You are enrolled in the learning path and its courses."))
    return redirect("courses:path", slug=path.slug)


def _own_certificate(request: AuthenticatedHttpRequest, code: str):
    return get_object_or_404(selectors.certificate_of(user=request.user), code=code)


@login_required
@require_GET
def certificate_detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    certificate = _own_certificate(request, code)
    return render(
        request,
        "courses/certificate_detail.html",
        {
            "certificate": certificate,
            "state": certificate.state(),
            "can_renew": certificate.status != "revoked" and services.recertification_open(certificate),
            "verify_url": request.build_absolute_uri(reverse("courses:verify", args=[certificate.code])),
        },
    )


@login_required
@require_GET
def certificate_download(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    certificate = _own_certificate(request, code)
    response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    return response


@login_required
@require_POST
def certificate_renew(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    certificate = _own_certificate(request, code)
    try:
        services.certificate_recertify(user=request.user, certificate=certificate)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("courses:certificate", code=certificate.code)
    messages.success(request, _("You are enrolled again. Complete the course to renew your certificate."))
    if certificate.course is not None:
        return redirect("courses:course", slug=certificate.course.slug)
    return redirect("courses:path", slug=certificate.path.slug)


@require_GET
def verify_form(request: HttpRequest) -> HttpResponse:
    """Public: type a verification code."""
    code = re.sub(r"[^A-Z0-9-]", "", request.GET.get("code", "").upper())[:40]
    if code:
        return redirect("courses:verify", code=code)
    return render(request, "courses/verify.html", {"searched": False})


@require_GET
@limit_page("certificate_verify", methods=("GET",))
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: is this certificate valid? Name, title, dates and status only."""
    certificate = selectors.certificate_public(code=code)
    if certificate is None:
        return render(request, "courses/verify.html", {"searched": True, "code": code}, status=404)
    return render(
        request,
        "courses/verify.html",
        {"searched": True, "code": code, "certificate": certificate, "state": certificate.state()},
    )
