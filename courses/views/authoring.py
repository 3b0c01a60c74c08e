"""Trainer pages: courses, modules, lessons, quizzes, learning paths,
publication and course results. Trainers edit their own courses (owner or
co-author), admins every course; everyone else gets a 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from academy.errors import ApplicationError
from academy.forms import apply_error
from academy.http import AuthenticatedHttpRequest
from courses import selectors, services
from courses.forms import (
    ChoiceFormSet,
    CourseForm,
    LessonForm,
    ModuleForm,
    PathCourseForm,
    PathForm,
    PublishForm,
    QuestionForm,
    QuizForm,
    choices_from,
)
from courses.models import (
    Course,
    CourseVersion,
    LearningPath,
    Lesson,
    LessonKind,
    Module,
    PublicationStatus,
    Question,
    QuestionKind,
)
from courses.views._common import PAGE_SIZE, require_perm

GET_POST = ["GET", "POST"]


def _course(request: AuthenticatedHttpRequest, slug: str) -> Course:
    require_perm(request, "courses.author")
    course = get_object_or_404(Course.objects.select_related("category", "owner"), slug=slug)
    require_perm(request, "courses.edit_course", course)
    return course


def _module(request: AuthenticatedHttpRequest, pk: int) -> Module:
    require_perm(request, "courses.author")
    module = get_object_or_404(Module.objects.select_related("course"), pk=pk)
    require_perm(request, "courses.edit_course", module.course)
    return module


def _lesson(request: AuthenticatedHttpRequest, pk: int) -> Lesson:
    require_perm(request, "courses.author")
    lesson = get_object_or_404(Lesson.objects.select_related("module__course", "quiz"), pk=pk)
    require_perm(request, "courses.edit_course", lesson.module.course)
    return lesson


def _question(request: AuthenticatedHttpRequest, pk: int) -> Question:
    require_perm(request, "courses.author")
    question = get_object_or_404(Question.objects.select_related("quiz__lesson__module__course"), pk=pk)
    require_perm(request, "courses.edit_course", question.quiz.lesson.module.course)
    return question


def _path(request: AuthenticatedHttpRequest, slug: str) -> LearningPath:
    require_perm(request, "courses.author")
    path = get_object_or_404(LearningPath, slug=slug)
    require_perm(request, "courses.edit_path", path)
    return path


def _edit_url(course: Course, anchor: str = "") -> str:
    from django.urls import reverse

    return reverse("courses:course_edit", args=[course.slug]) + (f"#{anchor}" if anchor else "")


@login_required
@require_GET
def authoring_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request, "courses.author")
    page = Paginator(selectors.authored_courses(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    paths = list(selectors.authored_paths(user=request.user)[:50])
    return render(request, "courses/authoring/home.html", {"page": page, "paths": paths})


@login_required
@require_http_methods(GET_POST)
def course_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request, "courses.author")
    translations = selectors.course_editable(user=request.user).order_by("title")
    form = CourseForm(request.POST or None, request.FILES or None, translations=translations)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(
                actor=request.user,
                translation_of=form.cleaned_data.get("translation_of"),
                **form.service_kwargs(),
            )
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Course created. Add its modules and lessons."))
            return redirect("courses:course_edit", slug=course.slug)
    return render(
        request, "courses/authoring/course_new.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(GET_POST)
def course_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    form = CourseForm(request.POST or None, request.FILES or None, instance=course)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_update(actor=request.user, course=course, **form.service_kwargs())
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Course saved."))
            return redirect("courses:course_edit", slug=course.slug)
    if request.method == "POST":
        course = Course.objects.select_related("category", "owner").get(
            pk=course.pk
        )  # not the half-edited copy
    modules = list(
        course.modules.order_by("position", "id").prefetch_related(
            Prefetch("lessons", queryset=Lesson.objects.order_by("position", "id"))
        )
    )
    return render(
        request,
        "courses/authoring/course_edit.html",
        {
            "course": course,
            "form": form,
            "modules": modules,
            # Its own ids: the course settings form on the same page has a title and a summary too.
            "module_form": ModuleForm(auto_id="id_module_%s"),
            "publish_form": PublishForm(),
            "problems": services.course_problems(course),
            "versions": list(CourseVersion.objects.filter(course=course).select_related("published_by")),
            "translations": list(
                Course.objects.filter(translation_group=course.translation_group).exclude(pk=course.pk)
            ),
            "kinds": LessonKind.choices,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def course_publish(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    form = PublishForm(request.POST)
    form.is_valid()
    try:
        services.course_publish(
            actor=request.user,
            course=course,
            new_version=form.cleaned_data.get("new_version", False),
            require_recertification=form.cleaned_data.get("require_recertification", False),
            notes=form.cleaned_data.get("notes", ""),
        )
    except ApplicationError as error:
        for problem in error.fields.get("non_field_errors", [error.message]):
            messages.error(request, problem)
    else:
        course.refresh_from_db()
        messages.success(request, _("Version %(version)s is published.") % {"version": course.version})
    return redirect("courses:course_edit", slug=course.slug)


@login_required
@require_POST
def course_archive(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    try:
        services.course_archive(actor=request.user, course=course)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The course is archived: it is no longer in the catalogue."))
    return redirect("courses:course_edit", slug=course.slug)


# ------------------------------------------------------------------ modules


@login_required
@require_http_methods(GET_POST)
def module_new(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    form = ModuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            module = services.module_create(actor=request.user, course=course, **form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Module added."))
            return redirect(_edit_url(course, f"module-{module.pk}"))
    return render(
        request,
        "courses/authoring/module_form.html",
        {"form": form, "course": course},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(GET_POST)
def module_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    module = _module(request, pk)
    form = ModuleForm(request.POST or None, initial={"title": module.title, "summary": module.summary})
    if request.method == "POST" and form.is_valid():
        try:
            services.module_update(actor=request.user, module=module, **form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Module saved."))
            return redirect(_edit_url(module.course, f"module-{module.pk}"))
    return render(
        request,
        "courses/authoring/module_form.html",
        {"form": form, "course": module.course, "module": module},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def module_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    module = _module(request, pk)
    services.module_delete(actor=request.user, module=module)
    messages.success(request, _("Module deleted."))
    return redirect(_edit_url(module.course))


@login_required
@require_POST
def module_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    module = _module(request, pk)
    try:
        services.module_move(actor=request.user, module=module, direction=request.POST.get("direction", ""))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect(_edit_url(module.course, f"module-{module.pk}"))


# ------------------------------------------------------------------ lessons


@login_required
@require_http_methods(GET_POST)
def lesson_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    module = _module(request, pk)
    kind = request.POST.get("kind") or request.GET.get("kind") or LessonKind.TEXT
    if kind not in LessonKind.values:
        kind = LessonKind.TEXT
    form = LessonForm(request.POST or None, request.FILES or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            lesson = services.lesson_create(
                actor=request.user, module=module, kind=kind, **form.service_kwargs()
            )
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Lesson added."))
            if kind == LessonKind.QUIZ:
                return redirect("courses:lesson_edit", pk=lesson.pk)
            return redirect(_edit_url(module.course, f"lesson-{lesson.pk}"))
    return render(
        request,
        "courses/authoring/lesson_form.html",
        {
            "form": form,
            "course": module.course,
            "module": module,
            "kind": kind,
            "kind_label": LessonKind(kind).label,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(GET_POST)
def lesson_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lesson = _lesson(request, pk)
    course = lesson.module.course
    form = LessonForm(request.POST or None, request.FILES or None, instance=lesson, kind=lesson.kind)
    if request.method == "POST" and form.is_valid():
        try:
            services.lesson_update(
                actor=request.user, lesson=Lesson.objects.get(pk=lesson.pk), **form.service_kwargs()
            )
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Lesson saved."))
            return redirect("courses:lesson_edit", pk=lesson.pk)
    context = {"form": form, "course": course, "module": lesson.module, "lesson": lesson, "kind": lesson.kind}
    context["kind_label"] = LessonKind(lesson.kind).label
    if lesson.kind == LessonKind.QUIZ:
        quiz = lesson.quiz
        context["quiz_form"] = QuizForm(instance=quiz)
        context["questions"] = list(quiz.questions.prefetch_related("choices").order_by("position", "id"))
        context["question_kinds"] = QuestionKind.choices
    return render(request, "courses/authoring/lesson_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def quiz_settings(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lesson = _lesson(request, pk)
    if lesson.kind != LessonKind.QUIZ:
        return redirect("courses:lesson_edit", pk=lesson.pk)
    form = QuizForm(request.POST, instance=lesson.quiz)
    if form.is_valid():
        try:
            services.quiz_update(actor=request.user, quiz=lesson.quiz, **form.cleaned_data)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Quiz settings saved."))
    else:
        for field, errors in form.errors.items():
            for message in errors:
                label = form.fields[field].label if field in form.fields else ""
                messages.error(
                    request,
                    _("%(field)s: %(message)s") % {"field": label, "message": message}
                    if label
                    else str(message),
                )
    return redirect("courses:lesson_edit", pk=lesson.pk)


@login_required
@require_POST
def lesson_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lesson = _lesson(request, pk)
    services.lesson_delete(actor=request.user, lesson=lesson)
    messages.success(request, _("Lesson deleted."))
    return redirect(_edit_url(lesson.module.course, f"module-{lesson.module_id}"))


@login_required
@require_POST
def lesson_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lesson = _lesson(request, pk)
    try:
        services.lesson_move(actor=request.user, lesson=lesson, direction=request.POST.get("direction", ""))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect(_edit_url(lesson.module.course, f"lesson-{lesson.pk}"))


# ------------------------------------------------------------------ questions


def _question_page(
    request: AuthenticatedHttpRequest, *, lesson: Lesson, question: Question | None
) -> HttpResponse:
    course = lesson.module.course
    initial: dict[str, object]
    if question is not None:
        initial = {"kind": question.kind, "text": question.text, "explanation": question.explanation}
        rows = [{"id": c.pk, "text": c.text, "is_correct": c.is_correct} for c in question.choices.all()]
    else:
        kind = (
            request.GET.get("kind") if request.GET.get("kind") in QuestionKind.values else QuestionKind.SINGLE
        )
        initial = {"kind": kind}
        if kind == QuestionKind.TRUE_FALSE:
            true, false = services.true_false_labels(course)
            rows = [{"text": true, "is_correct": True}, {"text": false}]
        else:
            rows = []
    while len(rows) < 4:
        rows.append({})
    form = QuestionForm(request.POST or None, initial=initial)
    formset = ChoiceFormSet(request.POST or None, initial=rows, prefix="choices")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            if question is None:
                question = services.question_create(
                    actor=request.user, quiz=lesson.quiz, choices=choices_from(formset), **data
                )
            else:
                services.question_update(
                    actor=request.user, question=question, choices=choices_from(formset), **data
                )
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Question saved."))
            return redirect("courses:lesson_edit", pk=lesson.pk)
    return render(
        request,
        "courses/authoring/question_form.html",
        {"form": form, "formset": formset, "lesson": lesson, "course": course, "question": question},
        status=400 if form.errors or formset.total_error_count() else 200,
    )


@login_required
@require_http_methods(GET_POST)
def question_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lesson = _lesson(request, pk)
    if lesson.kind != LessonKind.QUIZ:
        return redirect("courses:lesson_edit", pk=lesson.pk)
    return _question_page(request, lesson=lesson, question=None)


@login_required
@require_http_methods(GET_POST)
def question_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    question = _question(request, pk)
    return _question_page(request, lesson=question.quiz.lesson, question=question)


@login_required
@require_POST
def question_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    question = _question(request, pk)
    services.question_delete(actor=request.user, question=question)
    messages.success(request, _("Question deleted."))
    return redirect("courses:lesson_edit", pk=question.quiz.lesson_id)


@login_required
@require_POST
def question_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    question = _question(request, pk)
    try:
        services.question_move(
            actor=request.user, question=question, direction=request.POST.get("direction", "")
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("courses:lesson_edit", pk=question.quiz.lesson_id)


# ------------------------------------------------------------------ results


@login_required
@require_GET
def course_results(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    require_perm(request, "courses.author")
    course = get_object_or_404(Course, slug=slug)
    require_perm(request, "courses.view_results", course)
    results = selectors.course_results(course=course)
    return render(request, "courses/authoring/results.html", {"course": course, "results": results})


# ------------------------------------------------------------------ learning paths


@login_required
@require_http_methods(GET_POST)
def path_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request, "courses.author")
    form = PathForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            path = services.path_create(actor=request.user, **form.service_kwargs())
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Learning path created. Add its courses."))
            return redirect("courses:path_edit", slug=path.slug)
    return render(
        request, "courses/authoring/path_new.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(GET_POST)
def path_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    path = _path(request, slug)
    form = PathForm(request.POST or None, instance=path)
    if request.method == "POST" and form.is_valid():
        try:
            path = services.path_update(actor=request.user, path=path, **form.service_kwargs())
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Learning path saved."))
            return redirect("courses:path_edit", slug=path.slug)
    if request.method == "POST":
        path = LearningPath.objects.get(pk=path.pk)
    links = list(path.path_courses.select_related("course").order_by("position", "id"))
    addable = Course.objects.exclude(status=PublicationStatus.ARCHIVED).exclude(
        pk__in=[link.course_id for link in links]
    )
    return render(
        request,
        "courses/authoring/path_edit.html",
        {
            "path": path,
            "form": form,
            "links": links,
            "add_form": PathCourseForm(courses=addable.order_by("title")),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def path_courses(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Add, remove or move a course of the path (``action`` = add / remove / up / down)."""
    path = _path(request, slug)
    action = request.POST.get("action", "")
    try:
        if action == "add":
            form = PathCourseForm(
                request.POST, courses=Course.objects.exclude(status=PublicationStatus.ARCHIVED)
            )
            if not form.is_valid():
                raise ApplicationError(_("Choose a course."))
            services.path_course_add(actor=request.user, path=path, course=form.cleaned_data["course"])
        else:
            course = get_object_or_404(Course, pk=request.POST.get("course") or 0, path_links__path=path)
            if action == "remove":
                services.path_course_remove(actor=request.user, path=path, course=course)
            else:
                services.path_course_move(actor=request.user, path=path, course=course, direction=action)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Learning path saved."))
    return redirect("courses:path_edit", slug=path.slug)


@login_required
@require_POST
def path_publish(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    path = _path(request, slug)
    try:
        services.path_publish(actor=request.user, path=path)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The learning path is published."))
    return redirect("courses:path_edit", slug=path.slug)


@login_required
@require_POST
def path_archive(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    path = _path(request, slug)
    services.path_archive(actor=request.user, path=path)
    messages.success(request, _("The learning path is archived."))
    return redirect("courses:path_edit", slug=path.slug)
