"""Pages of managers and team leads: assignments and team training."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from academy.errors import ApplicationError
from academy.forms import apply_error
from academy.http import AuthenticatedHttpRequest
from academy.models import User
from academy.permissions import can
from courses import selectors, services
from courses.forms import AssignmentForm
from courses.models import Course, LearningPath, PublicationStatus
from courses.views._common import PAGE_SIZE, require_perm
from distributors.audience import audience_place_filter

# Certificates in grace listed on the assignments page; the team pages list them all.
RECERTIFICATION_SHOWN = 20


@login_required
@require_GET
def assignment_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request, "courses.view_assignments")
    distributors = list(selectors.assignable_distributors(user=request.user).order_by("name"))
    chosen = next((d for d in distributors if str(d.pk) == request.GET.get("distributor")), None)
    assignments = selectors.assignment_list(user=request.user, distributor=chosen)
    page = Paginator(assignments, PAGE_SIZE).get_page(request.GET.get("page"))
    if chosen is not None:
        due = selectors.recertification_due_list(user=request.user, distributor=chosen)
    else:
        due = selectors.recertification_due_overview(user=request.user)
    recertification_due = list(due[: RECERTIFICATION_SHOWN + 1])
    return render(
        request,
        "courses/assignments/list.html",
        {
            "page": page,
            "distributors": distributors,
            "chosen": chosen,
            "recertification_due": recertification_due[:RECERTIFICATION_SHOWN],
            "recertification_more": len(recertification_due) > RECERTIFICATION_SHOWN,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request, "courses.view_assignments")
    distributors = selectors.assignable_distributors(user=request.user).order_by("name")
    chosen_id = request.POST.get("distributor") or request.GET.get("distributor") or ""
    chosen = distributors.filter(pk=chosen_id).first() if chosen_id.isdigit() else None
    if chosen is None and distributors.count() == 1:
        chosen = distributors.first()
    people = (
        User.objects.filter(memberships__distributor=chosen, memberships__left_on__isnull=True).order_by(
            "last_name", "first_name"
        )
        if chosen
        else User.objects.none()
    )
    form = AssignmentForm(
        request.POST or None,
        initial={"distributor": chosen, "target": "distributor"},
        distributors=distributors,
        # Only what is meant for the distributors this person may assign to.
        courses=audience_place_filter(
            Course.objects.filter(status=PublicationStatus.PUBLISHED), distributors=distributors
        ).order_by("title"),
        paths=audience_place_filter(
            LearningPath.objects.filter(status=PublicationStatus.PUBLISHED), distributors=distributors
        ).order_by("title"),
        people=people,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assignment = services.assignment_create(
                actor=request.user,
                distributor=data["distributor"],
                course=data["course"],
                path=data["path"],
                target=data["target"],
                role=data["role"],
                people=list(data["people"]),
                due_on=data["due_on"],
                due_days=data["due_days"],
            )
        except ApplicationError as error:
            apply_error(form, error)
        else:
            count = assignment.assignees.count()
            messages.success(
                request,
                ngettext("Assigned to %(count)s person.", "Assigned to %(count)s people.", count)
                % {"count": count},
            )
            return redirect("courses:assignment", pk=assignment.pk)
    return render(
        request,
        "courses/assignments/new.html",
        {"form": form, "chosen": chosen, "people": people},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def assignment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_perm(request, "courses.view_assignments")
    assignment = get_object_or_404(
        selectors.assignment_list(user=request.user, include_cancelled=True), pk=pk
    )
    rows = selectors.assignee_status_list(user=request.user, assignment=assignment, include_released=True)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/assignments/detail.html",
        {
            "assignment": assignment,
            "page": page,
            "can_cancel": assignment.is_active and can(request.user, "courses.cancel_assignment", assignment),
        },
    )


@login_required
@require_POST
def assignment_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_perm(request, "courses.view_assignments")
    assignment = get_object_or_404(
        selectors.assignment_list(user=request.user, include_cancelled=True), pk=pk
    )
    require_perm(request, "courses.cancel_assignment", assignment)
    try:
        services.assignment_cancel(actor=request.user, assignment=assignment)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The assignment is cancelled."))
    return redirect("courses:assignment", pk=assignment.pk)


@login_required
@require_GET
def team_training(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A distributor's training: certified headcount per assigned course,
    who is in a recertification grace period, and the status of each
    person's assignments."""
    require_perm(request, "courses.view_assignments")
    distributor = get_object_or_404(selectors.assignable_distributors(user=request.user), pk=pk)
    rows = selectors.assignee_status_list(user=request.user, distributor=distributor)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/assignments/team.html",
        {
            "distributor": distributor,
            "headcount": selectors.certified_headcount(user=request.user, distributor=distributor),
            "recertification_due": selectors.recertification_due_list(
                user=request.user, distributor=distributor
            ),
            "page": page,
        },
    )
