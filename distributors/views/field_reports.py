"""Field reports: send, list, read with replies, triage, download the attachment."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from academy.errors import ApplicationError
from academy.forms import apply_error
from academy.http import AuthenticatedHttpRequest
from academy.permissions import can, require
from distributors import selectors, services
from distributors.attachments import attachment_response
from distributors.filters import FieldReportFilter
from distributors.forms import FieldReportForm, FieldReportTriageForm
from distributors.models import FieldReport

PAGE_SIZE = 20


@login_required
def field_report_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filterset = FieldReportFilter(
        request.GET or None, queryset=selectors.field_report_list(user=request.user), request=request
    )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    membership = selectors.membership_current(user=request.user)
    return render(
        request,
        "distributors/field_report_list.html",
        {"page": page, "filter": filterset, "may_send": membership is not None},
        status=400 if filterset.form.errors else 200,
    )


@login_required
def field_report_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    membership = selectors.membership_current(user=request.user)
    if membership is None:
        raise PermissionDenied(_("Only distributor staff can send field reports."))
    form = FieldReportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={"country": str(membership.distributor.country)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            report = services.field_report_create(sender=request.user, **form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Thank you: your report has been sent to your manager."))
            return redirect("distributors:field_report_detail", pk=report.pk)
    return render(
        request,
        "distributors/field_report_form.html",
        {"form": form, "distributor": membership.distributor},
        status=400 if form.errors else 200,
    )


def _visible_report(request: AuthenticatedHttpRequest, pk: int) -> FieldReport:
    return get_object_or_404(selectors.field_report_detail_queryset(user=request.user), pk=pk)


@login_required
def field_report_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = _visible_report(request, pk)
    may_triage = can(request.user, "distributors.triage_field_report", report)
    form = (
        FieldReportTriageForm(current=report.status, next_statuses=report.next_statuses)
        if may_triage
        else None
    )
    return render(
        request,
        "distributors/field_report_detail.html",
        {"report": report, "replies": list(report.replies.all()), "form": form},
    )


@login_required
@require_POST
def field_report_triage(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = _visible_report(request, pk)
    require(request.user, "distributors.triage_field_report", report)
    form = FieldReportTriageForm(request.POST, current=report.status, next_statuses=report.next_statuses)
    if form.is_valid():
        try:
            services.field_report_triage(
                actor=request.user,
                report=report,
                status=form.cleaned_data["status"],
                reply=form.cleaned_data["reply"],
            )
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("The report has been updated; the sender is notified."))
            return redirect("distributors:field_report_detail", pk=report.pk)
    return render(
        request,
        "distributors/field_report_detail.html",
        {"report": report, "replies": list(report.replies.all()), "form": form},
        status=400,
    )


@login_required
def field_report_attachment(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """The attachment, to people who may read the report only (404 otherwise)."""
    report = get_object_or_404(selectors.field_report_visible_queryset(user=request.user), pk=pk)
    return attachment_response(report)
