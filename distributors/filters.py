"""Filters of the distributors lists, shared by the pages and the API.

Choices that depend on the person (territories, distributors, countries) are
scoped to what they may see, and only evaluated when a value is given or the
form is shown."""

from collections.abc import Callable
from functools import partial

import django_filters
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_countries import countries as country_registry

from academy.models import EngagementEvent, User, Verb
from distributors import scoping
from distributors.models import (
    Distributor,
    DistributorStatus,
    FieldReport,
    FieldReportKind,
    FieldReportStatus,
    FieldReportUrgency,
    Invitation,
    InvitationStatus,
    Membership,
    MembershipRole,
    Territory,
)
from distributors.selectors import (
    distributor_visible_queryset,
    invitation_status_q,
    territory_list,
)


def _user(request: HttpRequest | None) -> User | None:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _visible_territories(request: HttpRequest | None):
    user = _user(request)
    return territory_list(user=user).order_by("name") if user else Territory.objects.none()


def _visible_distributors(request: HttpRequest | None):
    user = _user(request)
    return distributor_visible_queryset(user=user).order_by("name") if user else Distributor.objects.none()


def _country_choices(user: User | None) -> list[tuple[str, str]]:
    """Countries the person can filter on, by name in the current language:
    every country for admins, their territories' for managers, their
    distributor's for others."""
    if user is None:
        return []
    reach = scoping.scope_of(user).reach
    if reach is scoping.Reach.EVERYTHING:
        return list(country_registry)
    codes: set[str] = set()
    if reach is scoping.Reach.TERRITORIES:
        for countries in territory_list(user=user).values_list("countries", flat=True):
            codes.update(code for code in str(countries or "").split(",") if code)
    else:
        codes.update(
            str(code) for code in distributor_visible_queryset(user=user).values_list("country", flat=True)
        )
    return sorted(((code, country_registry.name(code)) for code in codes), key=lambda item: item[1])


class _Once:
    """A callable computing its value on the first call only (choices are
    read when validating and again when rendering)."""

    def __init__(self, compute: Callable[[], list[tuple[str, str]]]) -> None:
        self.compute = compute
        self.value: list[tuple[str, str]] | None = None

    def __call__(self) -> list[tuple[str, str]]:
        if self.value is None:
            self.value = self.compute()
        return self.value


class _ScopedFilterSet(django_filters.FilterSet):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "country" in self.filters:
            self.filters["country"].extra["choices"] = _Once(partial(_country_choices, _user(self.request)))


class DistributorFilter(_ScopedFilterSet):
    country = django_filters.ChoiceFilter(label=_("Country"), choices=list)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DistributorStatus.choices)
    territory = django_filters.ModelChoiceFilter(label=_("Territory"), queryset=_visible_territories)

    class Meta:
        model = Distributor
        fields = ["country", "status", "territory"]


class TerritoryFilter(django_filters.FilterSet):
    country = django_filters.CharFilter(
        label=_("Country"), method="filter_country", help_text=_("ISO code, e.g. SN")
    )

    class Meta:
        model = Territory
        fields = ["country"]

    def filter_country(self, queryset, name, value):
        code = value.strip().upper()
        # Codes are stored comma-separated; two letters can only match one whole code.
        return queryset.filter(countries__contains=code) if len(code) == 2 else queryset.none()


class MembershipFilter(django_filters.FilterSet):
    distributor = django_filters.ModelChoiceFilter(label=_("Distributor"), queryset=_visible_distributors)
    role = django_filters.ChoiceFilter(label=_("Role"), choices=MembershipRole.choices)
    active = django_filters.BooleanFilter(
        label=_("Current"), field_name="left_on", lookup_expr="isnull", help_text=_("true: still in the team")
    )
    user = django_filters.NumberFilter(label=_("Person"), field_name="user_id")

    class Meta:
        model = Membership
        fields = ["distributor", "role", "active", "user"]


class InvitationFilter(django_filters.FilterSet):
    distributor = django_filters.ModelChoiceFilter(label=_("Distributor"), queryset=_visible_distributors)
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=InvitationStatus.choices, method="filter_status"
    )
    role = django_filters.ChoiceFilter(label=_("Role"), choices=MembershipRole.choices)
    email = django_filters.CharFilter(label=_("E-mail address"), lookup_expr="iexact")

    class Meta:
        model = Invitation
        fields = ["distributor", "status", "role", "email"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(invitation_status_q(value))


class FieldReportFilter(_ScopedFilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=FieldReportKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=FieldReportStatus.choices)
    urgency = django_filters.ChoiceFilter(label=_("Urgency"), choices=FieldReportUrgency.choices)
    country = django_filters.ChoiceFilter(label=_("Country"), choices=list)
    distributor = django_filters.ModelChoiceFilter(label=_("Distributor"), queryset=_visible_distributors)

    class Meta:
        model = FieldReport
        fields = ["kind", "status", "urgency", "country", "distributor"]


class EngagementEventFilter(django_filters.FilterSet):
    distributor = django_filters.ModelChoiceFilter(label=_("Distributor"), queryset=_visible_distributors)
    verb = django_filters.ChoiceFilter(label=_("Verb"), choices=Verb.choices)
    actor = django_filters.NumberFilter(label=_("Person"), field_name="actor_id")
    object_type = django_filters.CharFilter(label=_("Object type"))
    since = django_filters.IsoDateTimeFilter(label=_("From"), field_name="occurred_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(label=_("Until"), field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = EngagementEvent
        fields = ["distributor", "verb", "actor", "object_type", "since", "until"]
