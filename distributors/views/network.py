"""Managers' pages: the distributor list, a distributor's page, status and scorecard."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from academy import roles
from academy.errors import ApplicationError
from academy.forms import apply_error
from academy.http import AuthenticatedHttpRequest
from academy.permissions import can, require
from distributors import selectors, services
from distributors.filters import DistributorFilter
from distributors.forms import ScorecardReviewForm, StatusChangeForm
from distributors.models import Distributor

PAGE_SIZE = 20
SORTS = {
    "name": gettext_lazy("Name"),
    "country": gettext_lazy("Country"),
    "status": gettext_lazy("Status"),
    "territory": gettext_lazy("Territory"),
    "headcount": gettext_lazy("Headcount"),
    "partnership": gettext_lazy("Partner since"),
}


def _require_company_view(request: AuthenticatedHttpRequest) -> None:
    if not roles.user_roles(request.user) & {roles.MANAGER, roles.ADMIN}:
        raise PermissionDenied(_("This page is for the company's managers."))


def visible_distributor(request: AuthenticatedHttpRequest, pk: int) -> Distributor:
    """The distributor ``pk`` if the person may know it exists (404 otherwise)."""
    return get_object_or_404(
        selectors.distributor_visible_queryset(user=request.user).select_related(
            "territory", "account_manager"
        ),
        pk=pk,
    )


def managed_distributor(request: AuthenticatedHttpRequest, pk: int, permission: str) -> Distributor:
    """The distributor ``pk`` if the person may see it (404 otherwise) and
    holds ``permission`` on it (403 otherwise)."""
    distributor = visible_distributor(request, pk)
    require(request.user, permission, distributor)
    return distributor


@login_required
def distributor_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_company_view(request)
    search = request.GET.get("q", "").strip()[:100]
    sort = request.GET.get("sort", "name")
    if sort.lstrip("-") not in SORTS:
        sort = "name"
    queryset = selectors.distributor_list(user=request.user, search=search, ordering=sort)
    filterset = DistributorFilter(request.GET or None, queryset=queryset, request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    columns = [
        {
            "label": label,
            "sorted": sort.lstrip("-") == key,
            "descending": sort == f"-{key}",
            # A second click on the sorted column reverses it.
            "next": f"-{key}" if sort == key else key,
        }
        for key, label in SORTS.items()
    ]
    return render(
        request,
        "distributors/distributor_list.html",
        {"page": page, "filter": filterset, "search": search, "sort": sort, "columns": columns},
        status=400 if filterset.form.errors else 200,
    )


@login_required
def distributor_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    distributor = visible_distributor(request, pk)
    if not can(request.user, "distributors.manage_distributor", distributor):
        # A member of this distributor: their own page shows what they may see.
        return redirect("distributors:mine")
    memberships = list(selectors.distributor_memberships(distributor=distributor))
    turnover = selectors.turnover_by_quarter([(m.joined_on, m.left_on) for m in memberships])
    context = {
        "distributor": distributor,
        "current": [m for m in memberships if m.left_on is None],
        "former": [m for m in memberships if m.left_on is not None],
        "turnover": turnover,
        "history": list(selectors.distributor_status_history(distributor=distributor)),
        "scorecard": selectors.scorecard_trend(distributor=distributor),
        "reports": list(selectors.field_report_list(user=request.user).filter(distributor=distributor)[:5]),
        "events": selectors.engagement_recent(distributor=distributor),
        "activity": selectors.engagement_summary(distributor=distributor),
        "invitations": list(selectors.invitation_open_list(user=request.user, distributor_id=distributor.pk)),
        "status_form": StatusChangeForm(next_statuses=distributor.next_statuses),
    }
    return render(request, "distributors/distributor_detail.html", context)


@login_required
def distributor_status_change(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    distributor = managed_distributor(request, pk, "distributors.change_status")
    form = StatusChangeForm(
        request.POST if request.method == "POST" else None, next_statuses=distributor.next_statuses
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.distributor_status_change(
                actor=request.user,
                distributor=distributor,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(
                request,
                _("%(distributor)s is now “%(status)s”.")
                % {"distributor": distributor.name, "status": distributor.get_status_display()},
            )
            return redirect("distributors:detail", pk=distributor.pk)
    return render(
        request,
        "distributors/status_change.html",
        {"distributor": distributor, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def scorecard_review_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    distributor = managed_distributor(request, pk, "distributors.review_scorecard")
    form = ScorecardReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.scorecard_review_create(actor=request.user, distributor=distributor, **form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("The scorecard review has been saved."))
            return redirect("distributors:detail", pk=distributor.pk)
    return render(
        request,
        "distributors/scorecard_form.html",
        {"distributor": distributor, "form": form},
        status=400 if form.errors else 200,
    )
