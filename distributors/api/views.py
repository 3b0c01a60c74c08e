"""API views: thin, one per use case. Querysets come from the selectors
(scoped to the person, so others' objects are 404), writes go through the
services (which check permissions: 403). ``_lookup`` is the one place these
views fetch an object and check the reads no service guards."""

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from academy.api.base import FILTER_BACKENDS, PaginatedListView, request_user
from academy.api.pagination import CursorPagination
from academy.api.schema import ERROR_409
from academy.permissions import require
from distributors import selectors, services
from distributors.api import serializers as s
from distributors.attachments import ATTACHMENT_KINDS, attachment_response
from distributors.filters import (
    DistributorFilter,
    EngagementEventFilter,
    FieldReportFilter,
    InvitationFilter,
    MembershipFilter,
    TerritoryFilter,
)
from distributors.models import Distributor, FieldReport, Invitation, Membership, Territory

_M = TypeVar("_M", bound=Model)


def _lookup(request: Request, queryset: QuerySet[_M], pk: str, *, permission: str = "") -> _M:
    """Object ``pk`` of ``queryset``, a selector's scope for the person: 404
    when it is not there (or ``pk`` is no id); with ``permission``, 403
    unless the person has it on the object."""
    obj = get_object_or_404(queryset, pk=pk)
    if permission:
        require(request_user(request), permission, obj)
    return obj


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# ------------------------------------------------------------------ territories
def _territories(request: Request) -> QuerySet[Territory]:
    return selectors.territory_list(user=request_user(request)).prefetch_related("managers").order_by("name")


class TerritoryListView(PaginatedListView):
    """Territories: all for administrators, their own for managers, none for others."""

    serializer_class = s.TerritoryOutputSerializer
    filter_backends = FILTER_BACKENDS
    filterset_class = TerritoryFilter
    search_fields = ["name"]
    ordering_fields = ["name", "id"]

    def get_queryset(self) -> QuerySet[Territory]:
        return _territories(self.request)

    @extend_schema(summary="Territories the person may see", tags=["distributors"])
    def get(self, request: Request) -> Response:
        return self.list(request)


class TerritoryDetailView(APIView):
    """A territory the person may see, with its managers."""

    @extend_schema(summary="A territory", responses=s.TerritoryOutputSerializer, tags=["distributors"])
    def get(self, request: Request, pk: str) -> Response:
        return Response(s.TerritoryOutputSerializer(_lookup(request, _territories(request), pk)).data)


# ------------------------------------------------------------------ distributors
def _distributors(request: Request) -> QuerySet[Distributor]:
    return selectors.distributor_list(user=request_user(request))


def _distributor_output(request: Request, pk: int) -> dict[str, Any]:
    distributor = _distributors(request).get(pk=pk)
    return s.DistributorOutputSerializer(distributor, context={"request": request}).data


class DistributorListView(PaginatedListView):
    """Distributors: all for administrators, their territories' for managers,
    their own for distributor staff. ``search`` looks in name, city and
    contact; ``ordering`` by name, country, status, headcount, partnership
    start or creation."""

    serializer_class = s.DistributorOutputSerializer
    filter_backends = FILTER_BACKENDS
    filterset_class = DistributorFilter
    search_fields = ["name", "city", "contact_name"]
    ordering_fields = ["name", "country", "status", "headcount", "partnership_started_on", "created_at"]

    def get_queryset(self) -> QuerySet[Distributor]:
        return _distributors(self.request)

    @extend_schema(summary="Distributors the person may see", tags=["distributors"])
    def get(self, request: Request) -> Response:
        return self.list(request)

    @extend_schema(
        summary="Create a distributor (managers of the territory, administrators)",
        request=s.DistributorCreateInputSerializer,
        responses={201: s.DistributorOutputSerializer},
        tags=["distributors"],
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.DistributorCreateInputSerializer, request)
        require(request_user(request), "distributors.add_distributor", data["territory"])
        distributor = services.distributor_create(created_by=request_user(request), **data)
        return Response(_distributor_output(request, distributor.pk), status=status.HTTP_201_CREATED)


class DistributorDetailView(APIView):
    """A distributor the person may see; its details are changed by its
    territory's managers and administrators."""

    @extend_schema(summary="A distributor", responses=s.DistributorOutputSerializer, tags=["distributors"])
    def get(self, request: Request, pk: str) -> Response:
        distributor = _lookup(request, _distributors(request), pk)
        return Response(s.DistributorOutputSerializer(distributor, context={"request": request}).data)

    @extend_schema(
        summary="Change a distributor's details",
        request=s.DistributorUpdateInputSerializer,
        responses=s.DistributorOutputSerializer,
        tags=["distributors"],
    )
    def patch(self, request: Request, pk: str) -> Response:
        distributor = _lookup(request, _distributors(request), pk)
        data = _valid(s.DistributorUpdateInputSerializer, request)
        services.distributor_update(actor=request_user(request), distributor=distributor, **data)
        return Response(_distributor_output(request, distributor.pk))


class DistributorStatusChangeView(APIView):
    """Move a distributor along its lifecycle (prospect, onboarding, active,
    suspended, ended); the history keeps who, when and why."""

    @extend_schema(
        summary="Change the status (allowed transitions only, with a reason)",
        request=s.StatusChangeInputSerializer,
        responses={201: s.StatusChangeOutputSerializer},
        tags=["distributors"],
    )
    def post(self, request: Request, pk: str) -> Response:
        distributor = _lookup(request, _distributors(request), pk)
        data = _valid(s.StatusChangeInputSerializer, request)
        change = services.distributor_status_change(
            actor=request_user(request), distributor=distributor, **data
        )
        return Response(s.StatusChangeOutputSerializer(change).data, status=status.HTTP_201_CREATED)


class DistributorStatusHistoryView(PaginatedListView):
    """A distributor's status changes, for those who manage it."""

    serializer_class = s.StatusChangeOutputSerializer
    distributor: Distributor

    def get_queryset(self) -> QuerySet:
        return selectors.distributor_status_history(distributor=self.distributor)

    @extend_schema(
        operation_id="distributors_status_changes_retrieve",
        summary="Status history, newest first",
        tags=["distributors"],
    )
    def get(self, request: Request, pk: str) -> Response:
        self.distributor = _lookup(
            request, _distributors(request), pk, permission="distributors.manage_distributor"
        )
        return self.list(request)


class DistributorScorecardsView(PaginatedListView):
    """A distributor's scorecard reviews, for those who manage it; its
    territory's managers record them."""

    serializer_class = s.ScorecardReviewOutputSerializer
    distributor: Distributor

    def get_queryset(self) -> QuerySet:
        return self.distributor.scorecard_reviews.select_related("reviewed_by").order_by(
            "-reviewed_on", "-id"
        )

    @extend_schema(
        operation_id="distributors_scorecards_retrieve",
        summary="Scorecard reviews (GET, newest first) or record one (POST)",
        tags=["distributors"],
    )
    def get(self, request: Request, pk: str) -> Response:
        self.distributor = _lookup(
            request, _distributors(request), pk, permission="distributors.manage_distributor"
        )
        return self.list(request)

    @extend_schema(
        summary="Scorecard reviews (GET, newest first) or record one (POST)",
        request=s.ScorecardReviewInputSerializer,
        responses={201: s.ScorecardReviewOutputSerializer},
        tags=["distributors"],
    )
    def post(self, request: Request, pk: str) -> Response:
        distributor = _lookup(request, _distributors(request), pk)
        data = _valid(s.ScorecardReviewInputSerializer, request)
        review = services.scorecard_review_create(
            actor=request_user(request), distributor=distributor, **data
        )
        return Response(s.ScorecardReviewOutputSerializer(review).data, status=status.HTTP_201_CREATED)


class DistributorTurnoverView(APIView):
    """A distributor's staff turnover, for those who may see its team."""

    @extend_schema(
        summary="Staff turnover per quarter (last 8 quarters, oldest first)",
        responses=s.TurnoverOutputSerializer(many=True),
        tags=["distributors"],
    )
    def get(self, request: Request, pk: str) -> Response:
        distributor = _lookup(request, _distributors(request), pk, permission="distributors.view_team")
        quarters = selectors.distributor_turnover(distributor=distributor)
        return Response(s.TurnoverOutputSerializer(quarters, many=True).data)


# ------------------------------------------------------------------ memberships
def _memberships(request: Request) -> QuerySet[Membership]:
    return selectors.membership_visible_queryset(user=request_user(request)).order_by("-joined_on", "-id")


class MembershipListView(PaginatedListView):
    """Memberships (current and past): all for administrators, their
    territories' for managers, their distributor's for a lead, one's own
    otherwise. Memberships are created by accepting an invitation."""

    serializer_class = s.MembershipOutputSerializer
    filter_backends = FILTER_BACKENDS
    filterset_class = MembershipFilter
    search_fields = ["user__first_name", "user__last_name", "user__email"]
    ordering_fields = ["joined_on", "left_on", "id"]

    def get_queryset(self) -> QuerySet[Membership]:
        return _memberships(self.request)

    @extend_schema(summary="Memberships the person may see", tags=["distributors"])
    def get(self, request: Request) -> Response:
        return self.list(request)


class MembershipDetailView(APIView):
    """A membership the person may see."""

    @extend_schema(summary="A membership", responses=s.MembershipOutputSerializer, tags=["distributors"])
    def get(self, request: Request, pk: str) -> Response:
        return Response(s.MembershipOutputSerializer(_lookup(request, _memberships(request), pk)).data)


class MembershipEndView(APIView):
    """End a membership: the person leaves the distributor's team (the
    membership stays in the history)."""

    @extend_schema(
        summary="Remove the member from the team (lead of the distributor, its managers)",
        request=s.MembershipEndInputSerializer,
        responses=s.MembershipOutputSerializer,
        tags=["distributors"],
    )
    def post(self, request: Request, pk: str) -> Response:
        membership = _lookup(request, _memberships(request), pk)
        data = _valid(s.MembershipEndInputSerializer, request)
        services.membership_remove(
            actor=request_user(request), membership=membership, reason=data.get("reason", "")
        )
        return Response(s.MembershipOutputSerializer(_memberships(request).get(pk=membership.pk)).data)


# ------------------------------------------------------------------ invitations
def _invitations(request: Request) -> QuerySet[Invitation]:
    return selectors.invitation_visible_queryset(user=request_user(request)).order_by("-created_at", "-id")


class InvitationListView(PaginatedListView):
    """Invitations: leads see and send those of their distributor, managers
    those of their territories. ``status`` is pending, accepted, revoked or
    expired. The link is only ever sent by e-mail."""

    serializer_class = s.InvitationOutputSerializer
    filter_backends = FILTER_BACKENDS
    filterset_class = InvitationFilter
    search_fields = ["email", "first_name", "last_name"]
    ordering_fields = ["created_at", "expires_at", "email"]

    def get_queryset(self) -> QuerySet[Invitation]:
        return _invitations(self.request)

    @extend_schema(summary="Invitations the person may see", tags=["distributors"])
    def get(self, request: Request) -> Response:
        return self.list(request)

    @extend_schema(
        summary="Invite someone by e-mail",
        request=s.InvitationInputSerializer,
        responses={201: s.InvitationOutputSerializer},
        tags=["distributors"],
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.InvitationInputSerializer, request)
        invitation = services.invitation_create(actor=request_user(request), **data)
        return Response(s.InvitationOutputSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationDetailView(APIView):
    """An invitation the person may see."""

    @extend_schema(summary="An invitation", responses=s.InvitationOutputSerializer, tags=["distributors"])
    def get(self, request: Request, pk: str) -> Response:
        return Response(s.InvitationOutputSerializer(_lookup(request, _invitations(request), pk)).data)


class InvitationResendView(APIView):
    """Send a pending invitation again; the previous link stops working."""

    @extend_schema(
        summary="Send again with a new link",
        request=None,
        responses={200: s.InvitationOutputSerializer, 409: ERROR_409},
    )
    def post(self, request: Request, pk: str) -> Response:
        invitation = _lookup(request, _invitations(request), pk)
        invitation = services.invitation_resend(actor=request_user(request), invitation=invitation)
        return Response(s.InvitationOutputSerializer(_invitations(request).get(pk=invitation.pk)).data)


class InvitationRevokeView(APIView):
    """Withdraw a pending invitation; its link stops working."""

    @extend_schema(
        summary="Withdraw", request=None, responses={200: s.InvitationOutputSerializer, 409: ERROR_409}
    )
    def post(self, request: Request, pk: str) -> Response:
        invitation = _lookup(request, _invitations(request), pk)
        invitation = services.invitation_revoke(actor=request_user(request), invitation=invitation)
        return Response(s.InvitationOutputSerializer(_invitations(request).get(pk=invitation.pk)).data)


# ------------------------------------------------------------------ field reports
def _field_reports(request: Request) -> QuerySet[FieldReport]:
    """Field reports the person may read, with their replies."""
    return selectors.field_report_detail_queryset(user=request_user(request))


class FieldReportListView(PaginatedListView):
    """Field reports: their territories' for managers, their distributor's for
    a lead, one's own for other staff. Distributor staff send them (JSON or
    multipart with an ``attachment``); managers triage and reply."""

    serializer_class = s.FieldReportOutputSerializer
    filter_backends = FILTER_BACKENDS
    filterset_class = FieldReportFilter
    search_fields = ["title", "description", "product"]
    ordering_fields = ["created_at", "status_changed_at"]

    def get_queryset(self) -> QuerySet[FieldReport]:
        return selectors.field_report_list(user=request_user(self.request))

    @extend_schema(summary="Field reports the person may read", tags=["distributors"])
    def get(self, request: Request) -> Response:
        return self.list(request)

    @extend_schema(
        summary="Send a field report (distributor staff)",
        request={
            "application/json": s.FieldReportInputSerializer,
            "multipart/form-data": s.FieldReportInputSerializer,
        },
        responses={201: s.FieldReportDetailOutputSerializer},
        tags=["distributors"],
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.FieldReportInputSerializer, request)
        if not data.get("attachment"):
            data.pop("attachment", None)
        report = services.field_report_create(sender=request_user(request), **data)
        output = s.FieldReportDetailOutputSerializer(_field_reports(request).get(pk=report.pk))
        return Response(output.data, status=status.HTTP_201_CREATED)


class FieldReportDetailView(APIView):
    """A field report the person may read, with its replies."""

    @extend_schema(
        summary="A field report with its replies",
        responses=s.FieldReportDetailOutputSerializer,
        tags=["distributors"],
    )
    def get(self, request: Request, pk: str) -> Response:
        report = _lookup(request, _field_reports(request), pk)
        return Response(s.FieldReportDetailOutputSerializer(report).data)


class FieldReportTriageView(APIView):
    """Triage a field report: a new status, a written reply, or both."""

    @extend_schema(
        summary="Triage: change the status and/or reply (managers of the territory)",
        request=s.FieldReportTriageInputSerializer,
        responses=s.FieldReportDetailOutputSerializer,
        tags=["distributors"],
    )
    def post(self, request: Request, pk: str) -> Response:
        report = _lookup(request, _field_reports(request), pk)
        data = _valid(s.FieldReportTriageInputSerializer, request)
        services.field_report_triage(actor=request_user(request), report=report, **data)
        return Response(s.FieldReportDetailOutputSerializer(_field_reports(request).get(pk=report.pk)).data)


class FieldReportAttachmentView(APIView):
    """The file attached to a field report the person may read."""

    @extend_schema(
        summary="Download the attachment",
        # The file in the type it was checked as at upload (distributors.attachments). Generic
        # binary first: generated clients take the first type they know and read the bytes.
        responses={
            (200, content_type): OpenApiResponse(OpenApiTypes.BINARY)
            for content_type in [
                "application/octet-stream",
                *sorted({kind.content_type for kind in ATTACHMENT_KINDS.values()}),
            ]
        },
        tags=["distributors"],
    )
    def get(self, request: Request, pk: str) -> HttpResponseBase:
        return attachment_response(_lookup(request, _field_reports(request), pk))


# ------------------------------------------------------------------ engagement events
def _engagement_events(request: Request) -> QuerySet:
    return selectors.engagement_event_visible_queryset(user=request_user(request))


class EngagementEventListView(PaginatedListView):
    """The engagement log, read-only, newest first: their territories'
    distributors for managers, their distributor for a lead, one's own events
    otherwise. Each event carries its xAPI verb IRI. Paginated by cursor
    (``next`` / ``previous``, no ``count``): the log only grows, and a page
    deep in it costs what the first one does."""

    serializer_class = s.EngagementEventOutputSerializer
    pagination_class = CursorPagination
    filter_backends = FILTER_BACKENDS
    filterset_class = EngagementEventFilter
    ordering_fields = ["occurred_at", "id"]
    ordering = ["-occurred_at", "-id"]

    def get_queryset(self) -> QuerySet:
        return _engagement_events(self.request)

    @extend_schema(summary="Engagement events the person may read", tags=["distributors"])
    def get(self, request: Request) -> Response:
        return self.list(request)


class EngagementEventDetailView(APIView):
    """An engagement event the person may read, with its xAPI verb IRI."""

    @extend_schema(
        summary="An engagement event", responses=s.EngagementEventOutputSerializer, tags=["distributors"]
    )
    def get(self, request: Request, pk: str) -> Response:
        event = _lookup(request, _engagement_events(request), pk)
        return Response(s.EngagementEventOutputSerializer(event).data)
