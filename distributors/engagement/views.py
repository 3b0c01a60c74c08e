"""Engagement pages: the managers' territory dashboard, a distributor's
engagement, a lead's team, a learner's progress, nudges and exports."""

import datetime
import hashlib
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from academy import roles
from academy.errors import ApplicationError
from academy.forms import apply_error
from academy.http import AuthenticatedHttpRequest
from academy.permissions import can, require
from distributors.engagement import exports, selectors, services
from distributors.engagement.charts import bar_chart, line_chart, sparkline
from distributors.engagement.forms import DashboardFilterForm, NudgeForm
from distributors.engagement.models import NudgeAudience
from distributors.engagement.risks import risk_message
from distributors.engagement.scores import (
    COMPONENTS,
    change_between,
    change_display,
    change_summary,
    component_labels,
)
from distributors.selectors import distributor_visible_queryset, membership_current

PAGE_SIZE = 25


def _components(snapshot, prefix: str = "", *, person: bool = False) -> list[dict]:
    labels = component_labels()
    if person:
        labels["activity"] = _("Active weeks")
        labels["certified"] = _("Certified on assigned courses")
    weights = settings.ENGAGEMENT_SCORE_WEIGHTS
    if snapshot is None:
        return []
    return [
        {
            "key": name,
            "label": labels[name],
            "value": getattr(snapshot, prefix + name),
            "weight": weights[name],
        }
        for name in COMPONENTS
    ]


def _month_label(month: datetime.date) -> str:
    return date_format(month, "M y")


def _is_company(request: AuthenticatedHttpRequest) -> bool:
    return bool(roles.user_roles(request.user) & {roles.MANAGER, roles.ADMIN})


def _country_choices(request: AuthenticatedHttpRequest) -> list[tuple[str, str]]:
    from django_countries import countries

    codes = selectors.engagement_countries(user=request.user)
    return sorted(((code, countries.name(code) or code) for code in codes), key=lambda item: item[1])


# Bump when the markup of a dashboard row changes: cached rows of the old
# markup are then never read again.
ROW_FRAGMENT_VERSION = 1
ROW_FRAGMENT_SECONDS = 6 * 3600
ROW_FIELDS = ("score", *COMPONENTS, "risks", "score_change", "last_activity_on")


def _row_fragment_key(distributor: Any, history: selectors.MonthlyHistory, language: str) -> str:
    """The cache key of a distributor's two dashboard rows: a digest of
    everything they show (so a row changes key exactly when its figures,
    name, country or status change, whatever refreshed them)."""
    shown = (
        ROW_FRAGMENT_VERSION,
        language,
        distributor.pk,
        distributor.name,
        str(distributor.country),
        distributor.status,
        [getattr(distributor, f"e_{name}") for name in ROW_FIELDS],
        history.scores,
        history.webinars_attended[-6:],
    )
    digest = hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()
    return f"engagement:dashboard-row:{digest}"


def _dashboard_row_context(distributor: Any, history: selectors.MonthlyHistory) -> dict:
    """What a row shows, its cells' markup built here (25 rows × 6 components)."""
    components = _components(distributor, prefix="e_")
    return {
        "distributor": distributor,
        "components": format_html_join(
            mark_safe("<br>"),
            "{} <strong>{}</strong>",
            ((c["label"], "–" if c["value"] is None else c["value"]) for c in components),
        ),
        "attendance_cells": format_html_join(
            "", "<td>{}</td>", ((n,) for n in history.webinars_attended[-6:])
        ),
        "reasons": [risk_message(risk) for risk in distributor.e_risks or []],
        "change": change_display(distributor.e_score_change),
        "sparkline": sparkline(
            history.scores,
            title=_("Score of %(name)s, last 12 months") % {"name": distributor.name},
            ident=f"spark-{distributor.pk}",
        ),
    }


def _dashboard_rows(page: Any, history: dict[int, selectors.MonthlyHistory]) -> list[dict]:
    """The table's rows (``row``) and the attendance table's (``attendance``)
    as markup: from the cache when their figures have not changed since they
    were rendered, else rendered (one template per row) and kept."""
    language = get_language() or settings.LANGUAGE_CODE
    keys = {d.pk: _row_fragment_key(d, history[d.pk], language) for d in page}
    cached = cache.get_many(list(keys.values()))
    rows, fresh = [], {}
    template = None
    for distributor in page:
        key = keys[distributor.pk]
        if key not in cached:
            template = template or get_template("engagement/_dashboard_row.html")
            row_html, attendance_html = template.render(
                {"row": _dashboard_row_context(distributor, history[distributor.pk])}
            ).split("<!-- attendance -->")
            cached[key] = fresh[key] = (row_html.strip(), attendance_html.strip())
        row_html, attendance_html = cached[key]
        rows.append({"row": mark_safe(row_html), "attendance": mark_safe(attendance_html)})  # noqa: S308
    if fresh:
        cache.set_many(fresh, ROW_FRAGMENT_SECONDS)
    return rows


def _trend_charts(labels: list[str], trend: list[dict]) -> dict:
    """The territory's monthly trend as charts: average score, active people, attendances."""
    return {
        "score_chart": line_chart(
            labels,
            [t["score"] for t in trend],
            title=_("Average engagement score per month"),
            max_value=100,
        ),
        "people_chart": bar_chart(labels, [t["people"] for t in trend], title=_("Active people per month")),
        "attendance_chart": bar_chart(
            labels,
            [t["attended"] for t in trend],
            title=_("Monthly web-conference attendances per month"),
        ),
    }


def _filtered_table(request: AuthenticatedHttpRequest) -> tuple[DashboardFilterForm, dict, Any]:
    """The filter form, its valid filters and the distributors they select
    (scoped to the person: a manager's territory, all for an admin)."""
    form = DashboardFilterForm(request.GET or None, countries=_country_choices(request))
    filters = form.cleaned_data if form.is_valid() else {}
    table = selectors.engagement_table(
        user=request.user,
        country=filters.get("country", ""),
        status=filters.get("status", ""),
        risk=filters.get("risk", ""),
        ordering=filters.get("sort") or "score",
    )
    return form, filters, table


def _filter_query(filters: dict) -> str:
    """The filters (not the page nor the sort) as a query string, for links to the headcount page."""
    return urlencode({name: filters[name] for name in ("country", "status", "risk") if filters.get(name)})


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The territory overview (managers and admins); a lead goes to their
    team, a learner to their progress."""
    if not _is_company(request):
        if roles.LEAD in roles.user_roles(request.user):
            return redirect("engagement:team")
        return redirect("engagement:me")
    form, filters, table = _filtered_table(request)
    page = Paginator(table, PAGE_SIZE).get_page(request.GET.get("page"))
    overview = selectors.territory_overview(distributors=table)
    history = selectors.monthly_history(distributor_ids=[d.pk for d in page], months=overview.months)
    labels = [_month_label(m) for m in overview.months]
    context = {
        "form": form,
        "page": page,
        "rows": _dashboard_rows(page, history),
        "overview": overview,
        "month_labels": labels,
        "recent_labels": labels[-6:],
        "component_labels": component_labels(),
        **_trend_charts(labels, overview.trend),
        "query": request.GET.urlencode(),
        "filter_query": _filter_query(filters),
    }
    return render(request, "engagement/dashboard.html", context, status=400 if form.errors else 200)


@login_required
def headcounts(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Certified headcount of every course assigned to the distributors the
    person follows (with the dashboard's filters), a page at a time; the
    dashboard shows only the courses with the most staff."""
    if not _is_company(request):
        raise PermissionDenied(_("This page is for managers."))
    form, filters, table = _filtered_table(request)
    page = Paginator(selectors.course_headcounts(distributors=table), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "page": page,
        "courses": selectors.headcount_percent(page),
        "filter_query": _filter_query(filters),
    }
    return render(request, "engagement/headcounts.html", context, status=400 if form.errors else 200)


def _followed_distributor(request: AuthenticatedHttpRequest, pk: int) -> Any:
    """The distributor ``pk`` if the person may know it (404) and follow its engagement (403)."""
    distributor = get_object_or_404(distributor_visible_queryset(user=request.user), pk=pk)
    require(request.user, "distributors.view_engagement", distributor)
    return distributor


@login_required
def distributor_engagement(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if not _is_company(request):
        distributor = _followed_distributor(request, pk)
        return redirect("engagement:team")
    distributor = get_object_or_404(
        selectors.engagement_distributors(user=request.user).select_related("territory"), pk=pk
    )
    data = selectors.distributor_engagement(distributor=distributor)
    labels = [_month_label(m) for m in data.months]
    scores = [row.score if row else None for row in data.monthly]
    week_labels = [date_format(w["week"], "d/m") for w in data.weeks]
    context = {
        "distributor": distributor,
        "data": data,
        "components": _components(data.current),
        "reasons": [risk_message(risk) for risk in (data.current.risks if data.current else [])],
        "month_labels": labels,
        "trend_rows": [
            (label, row, change_summary(change_between(before, row)))
            for label, row, before in zip(labels, data.monthly, [None, *data.monthly[:-1]], strict=True)
        ],
        "change": change_display(data.current.score_change if data.current else None),
        "component_labels": component_labels(),
        "score_chart": line_chart(labels, scores, title=_("Engagement score per month"), max_value=100),
        "events_chart": bar_chart(
            week_labels, [w["events"] for w in data.weeks], title=_("Actions per week, last 12 weeks")
        ),
        "attendance_chart": bar_chart(
            labels,
            [row.webinars_attended if row else 0 for row in data.monthly],
            title=_("Web-conference attendances per month"),
        ),
        "week_rows": list(zip(week_labels, data.weeks, strict=True)),
        "may_nudge": can(request.user, "distributors.nudge", distributor),
    }
    return render(request, "engagement/distributor.html", context)


@login_required
def nudge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    distributor = get_object_or_404(selectors.engagement_distributors(user=request.user), pk=pk)
    require(request.user, "distributors.nudge", distributor)
    current = distributor
    default_template = "reconnect"
    codes = [risk.get("code") for risk in (current.e_risks or [])]
    for code, template in (
        ("missed_webinars", "webinar"),
        ("overdue", "assignments"),
        ("onboarding", "onboarding"),
    ):
        if code in codes and "inactive" not in codes:
            default_template = template
            break
    if request.method == "POST":
        form = NudgeForm(request.POST)
        if form.is_valid():
            try:
                sent = services.nudge_send(
                    actor=request.user,
                    distributor=distributor,
                    audience=form.cleaned_data["audience"],
                    template=form.cleaned_data["template"],
                    messages=form.messages(),
                )
            except ApplicationError as error:
                apply_error(form, error)
            else:
                messages.success(
                    request,
                    _("Your message was sent to %(count)d people of %(distributor)s.")
                    % {"count": sent.recipients.count(), "distributor": distributor.name},
                )
                return redirect("engagement:distributor", pk=distributor.pk)
    else:
        template = request.GET.get("template", default_template)
        if template not in services.NUDGE_TEMPLATE_KEYS:
            template = default_template
        initial = {"audience": request.GET.get("audience", NudgeAudience.TEAM), "template": template}
        for code, _name in settings.LANGUAGES:
            text = services.nudge_template_text(
                key=template, language=code, distributor=distributor, sender=request.user
            )
            initial[f"subject_{code}"] = text["subject"]
            initial[f"body_{code}"] = text["body"]
        form = NudgeForm(initial=initial)
    languages = [
        {"code": code, "name": name, "subject": form[f"subject_{code}"], "body": form[f"body_{code}"]}
        for code, name in settings.LANGUAGES
    ]
    recipients = {
        audience: services.nudge_recipients(distributor=distributor, audience=audience)
        for audience in NudgeAudience.values
    }
    return render(
        request,
        "engagement/nudge.html",
        {
            "distributor": distributor,
            "form": form,
            "languages": languages,
            "lead": recipients[NudgeAudience.LEAD],
            "team": recipients[NudgeAudience.TEAM],
            "reasons": [risk_message(risk) for risk in (current.e_risks or [])],
        },
        status=400 if form.errors else 200,
    )


@login_required
def team(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    """A team's progress: the lead's own team, or (``pk``) any team the
    person follows (managers: their territory)."""
    if pk is None:
        membership = membership_current(user=request.user)
        if membership is None or not membership.is_lead:
            if _is_company(request):
                return redirect("engagement:dashboard")
            raise PermissionDenied(_("This page is for team leads."))
        pk = membership.distributor_id
    distributor = _followed_distributor(request, pk)
    data = selectors.team_engagement(distributor=distributor)
    return render(
        request,
        "engagement/team.html",
        {
            "distributor": distributor,
            "data": data,
            "components": _components(data.current),
            "change": change_display(data.current.score_change if data.current else None),
            "reasons": [risk_message(risk) for risk in (data.current.risks if data.current else [])],
            "component_labels": component_labels(),
            "is_company": _is_company(request),
        },
    )


@login_required
def me(request: AuthenticatedHttpRequest) -> HttpResponse:
    data = selectors.my_progress(user=request.user)
    labels = [date_format(w["week"], "d/m") for w in data.weeks]
    return render(
        request,
        "engagement/me.html",
        {
            "data": data,
            "components": _components(data.score, person=True),
            "minutes_chart": bar_chart(
                labels,
                [w["minutes"] for w in data.weeks],
                title=_("Minutes of learning per week, last 12 weeks"),
            ),
            "week_rows": list(zip(labels, data.weeks, strict=True)),
            "upcoming_sessions": [
                session
                for session in selectors.upcoming_monthly_sessions(user=request.user)
                if session.pk not in {r.session_id for r in data.upcoming}
            ],
        },
    )


@login_required
def export(request: AuthenticatedHttpRequest, dataset: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """CSV or XLSX of the engagement table, course completions or
    web-conference attendance, with the pages' scope (403 for learners)."""
    if dataset not in exports.DATASETS or fmt not in ("csv", "xlsx"):
        raise Http404(_("This export does not exist."))
    granted = roles.user_roles(request.user)
    if not granted & {roles.MANAGER, roles.ADMIN, roles.LEAD}:
        raise PermissionDenied(_("Exports are for managers and team leads."))
    return exports.export_response(user=request.user, dataset=dataset, fmt=fmt, params=request.GET)
