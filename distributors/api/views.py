"""API views: thin. Querysets come from the selectors (scoped to the person,
so others' objects are 404), writes go through the services (which check
permissions: 403)."""

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from academy.permissions import require
from distributors import selectors, services
from distributors.api import serializers as s
from distributors.attachments import attachment_response
from distributors.filters import (
    DistributorFilter,
    EngagementEventFilter,
    FieldReportFilter,
    InvitationFilter,
    MembershipFilter,
    TerritoryFilter,
)
from distributors.models import FieldReport, Invitation, Membership


def _page_of(serializer_class, name: str):
    """The schema of a paginated list returned by a detail action."""
    return inline_serializer(
        name=name,
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


@extend_schema_view(
    list=extend_schema(summary="Territories the person may see", tags=["distributors"]),
    retrieve=extend_schema(summary="A territory", tags=["distributors"]),
)
class TerritoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Territories: all for administrators, their own for managers, none for others."""

    serializer_class = s.TerritoryOutputSerializer
    filterset_class = TerritoryFilter
    search_fields = ["name"]
    ordering_fields = ["name", "id"]

    def get_queryset(self) -> QuerySet:
        return selectors.territory_list(user=self.request.user).prefetch_related("managers").order_by("name")


@extend_schema_view(
    list=extend_schema(summary="Distributors the person may see", tags=["distributors"]),
    retrieve=extend_schema(summary="A distributor", tags=["distributors"]),
)
class DistributorViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Distributors: all for administrators, their territories' for managers,
    their own for distributor staff. ``search`` looks in name, city and
    contact; ``ordering`` by name, country, status, headcount, partnership
    start or creation."""

    serializer_class = s.DistributorOutputSerializer
    filterset_class = DistributorFilter
    search_fields = ["name", "city", "contact_name"]
    ordering_fields = ["name", "country", "status", "headcount", "partnership_started_on", "created_at"]

    def get_queryset(self) -> QuerySet:
        return selectors.distributor_list(user=self.request.user)

    @extend_schema(
        summary="Create a distributor (managers of the territory, administrators)",
        request=s.DistributorCreateInputSerializer,
        responses={201: s.DistributorOutputSerializer},
        tags=["distributors"],
    )
    def create(self, request: Request) -> Response:
        data = self._valid(s.DistributorCreateInputSerializer, request.data)
        require(request.user, "distributors.add_distributor", data["territory"])
        distributor = services.distributor_create(created_by=request.user, **data)
        return Response(self._output(distributor.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a distributor's details",
        request=s.DistributorUpdateInputSerializer,
        responses=s.DistributorOutputSerializer,
        tags=["distributors"],
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        distributor = self.get_object()
        data = self._valid(s.DistributorUpdateInputSerializer, request.data)
        services.distributor_update(actor=request.user, distributor=distributor, **data)
        return Response(self._output(distributor.pk))

    @extend_schema(
        summary="Change the status (allowed transitions only, with a reason)",
        request=s.StatusChangeInputSerializer,
        responses={201: s.StatusChangeOutputSerializer},
        tags=["distributors"],
    )
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request: Request, pk: str) -> Response:
        distributor = self.get_object()
        data = self._valid(s.StatusChangeInputSerializer, request.data)
        change = services.distributor_status_change(actor=request.user, distributor=distributor, **data)
        return Response(s.StatusChangeOutputSerializer(change).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Status history, newest first",
        responses=_page_of(s.StatusChangeOutputSerializer, "PaginatedStatusChangeList"),
        tags=["distributors"],
    )
    @action(detail=True, methods=["get"], url_path="status-changes", filterset_class=None)
    def status_changes(self, request: Request, pk: str) -> Response:
        distributor = self.get_object()
        require(request.user, "distributors.manage_distributor", distributor)
        return self._paginated(
            selectors.distributor_status_history(distributor=distributor), s.StatusChangeOutputSerializer
        )

    @extend_schema(
        summary="Scorecard reviews (GET, newest first) or record one (POST)",
        request=s.ScorecardReviewInputSerializer,
        responses={
            200: _page_of(s.ScorecardReviewOutputSerializer, "PaginatedScorecardReviewList"),
            201: s.ScorecardReviewOutputSerializer,
        },
        tags=["distributors"],
    )
    @action(detail=True, methods=["get", "post"], url_path="scorecards", filterset_class=None)
    def scorecards(self, request: Request, pk: str) -> Response:
        distributor = self.get_object()
        if request.method == "POST":
            data = self._valid(s.ScorecardReviewInputSerializer, request.data)
            review = services.scorecard_review_create(actor=request.user, distributor=distributor, **data)
            return Response(s.ScorecardReviewOutputSerializer(review).data, status=status.HTTP_201_CREATED)
        require(request.user, "distributors.manage_distributor", distributor)
        reviews = distributor.scorecard_reviews.select_related("reviewed_by").order_by("-reviewed_on", "-id")
        return self._paginated(reviews, s.ScorecardReviewOutputSerializer)

    @extend_schema(
        summary="Staff turnover per quarter (last 8 quarters, oldest first)",
        responses=s.TurnoverOutputSerializer(many=True),
        tags=["distributors"],
    )
    @action(detail=True, methods=["get"], url_path="turnover", filterset_class=None, pagination_class=None)
    def turnover(self, request: Request, pk: str) -> Response:
        distributor = self.get_object()
        require(request.user, "distributors.view_team", distributor)
        quarters = selectors.distributor_turnover(distributor=distributor)
        return Response(s.TurnoverOutputSerializer(quarters, many=True).data)

    # -- helpers
    def _valid(self, serializer_class, data) -> dict:
        serializer = serializer_class(data=data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _output(self, pk: int) -> dict:
        return s.DistributorOutputSerializer(
            self.get_queryset().get(pk=pk), context=self.get_serializer_context()
        ).data

    def _paginated(self, queryset: QuerySet, serializer_class) -> Response:
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializer_class(page, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="Memberships the person may see", tags=["distributors"]),
    retrieve=extend_schema(summary="A membership", tags=["distributors"]),
)
class MembershipViewSet(viewsets.ReadOnlyModelViewSet):
    """Memberships (current and past): all for administrators, their
    territories' for managers, their distributor's for a lead, one's own
    otherwise. Memberships are created by accepting an invitation."""

    serializer_class = s.MembershipOutputSerializer
    filterset_class = MembershipFilter
    search_fields = ["user__first_name", "user__last_name", "user__email"]
    ordering_fields = ["joined_on", "left_on", "id"]

    def get_queryset(self) -> QuerySet:
        return selectors.membership_visible_queryset(user=self.request.user).order_by("-joined_on", "-id")

    @extend_schema(
        summary="Remove the member from the team (lead of the distributor, its managers)",
        request=s.MembershipEndInputSerializer,
        responses=s.MembershipOutputSerializer,
        tags=["distributors"],
    )
    @action(detail=True, methods=["post"], url_path="end", filterset_class=None)
    def end(self, request: Request, pk: str) -> Response:
        membership: Membership = self.get_object()
        serializer = s.MembershipEndInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.membership_remove(
            actor=request.user, membership=membership, reason=serializer.validated_data.get("reason", "")
        )
        return Response(s.MembershipOutputSerializer(self.get_queryset().get(pk=membership.pk)).data)


@extend_schema_view(
    list=extend_schema(summary="Invitations the person may see", tags=["distributors"]),
    retrieve=extend_schema(summary="An invitation", tags=["distributors"]),
)
class InvitationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Invitations: leads see and send those of their distributor, managers
    those of their territories. ``status`` is pending, accepted, revoked or
    expired. The link is only ever sent by e-mail."""

    serializer_class = s.InvitationOutputSerializer
    filterset_class = InvitationFilter
    search_fields = ["email", "first_name", "last_name"]
    ordering_fields = ["created_at", "expires_at", "email"]

    def get_queryset(self) -> QuerySet:
        return selectors.invitation_visible_queryset(user=self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        summary="Invite someone by e-mail",
        request=s.InvitationInputSerializer,
        responses={201: s.InvitationOutputSerializer},
        tags=["distributors"],
    )
    def create(self, request: Request) -> Response:
        serializer = s.InvitationInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        invitation = services.invitation_create(actor=request.user, **serializer.validated_data)
        return Response(s.InvitationOutputSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Send again with a new link", request=None, responses=s.InvitationOutputSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def resend(self, request: Request, pk: str) -> Response:
        invitation: Invitation = self.get_object()
        invitation = services.invitation_resend(actor=request.user, invitation=invitation)
        return Response(s.InvitationOutputSerializer(self.get_queryset().get(pk=invitation.pk)).data)

    @extend_schema(summary="Withdraw", request=None, responses=s.InvitationOutputSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def revoke(self, request: Request, pk: str) -> Response:
        invitation: Invitation = self.get_object()
        invitation = services.invitation_revoke(actor=request.user, invitation=invitation)
        return Response(s.InvitationOutputSerializer(self.get_queryset().get(pk=invitation.pk)).data)


@extend_schema_view(
    list=extend_schema(summary="Field reports the person may read", tags=["distributors"]),
    retrieve=extend_schema(
        summary="A field report with its replies",
        responses=s.FieldReportDetailOutputSerializer,
        tags=["distributors"],
    ),
)
class FieldReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Field reports: their territories' for managers, their distributor's for
    a lead, one's own for other staff. Distributor staff send them (JSON or
    multipart with an ``attachment``); managers triage and reply."""

    filterset_class = FieldReportFilter
    search_fields = ["title", "description", "product"]
    ordering_fields = ["created_at", "status_changed_at"]

    def get_queryset(self) -> QuerySet:
        if self.action == "list":
            return selectors.field_report_list(user=self.request.user)
        return selectors.field_report_detail_queryset(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return s.FieldReportOutputSerializer
        return s.FieldReportDetailOutputSerializer

    @extend_schema(
        summary="Send a field report (distributor staff)",
        request={
            "application/json": s.FieldReportInputSerializer,
            "multipart/form-data": s.FieldReportInputSerializer,
        },
        responses={201: s.FieldReportDetailOutputSerializer},
        tags=["distributors"],
    )
    def create(self, request: Request) -> Response:
        serializer = s.FieldReportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not data.get("attachment"):
            data.pop("attachment", None)
        report = services.field_report_create(sender=request.user, **data)
        output = s.FieldReportDetailOutputSerializer(self.get_queryset().get(pk=report.pk))
        return Response(output.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Triage: change the status and/or reply (managers of the territory)",
        request=s.FieldReportTriageInputSerializer,
        responses=s.FieldReportDetailOutputSerializer,
        tags=["distributors"],
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def triage(self, request: Request, pk: str) -> Response:
        report: FieldReport = self.get_object()
        serializer = s.FieldReportTriageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.field_report_triage(actor=request.user, report=report, **serializer.validated_data)
        return Response(s.FieldReportDetailOutputSerializer(self.get_queryset().get(pk=report.pk)).data)

    @extend_schema(
        summary="Download the attachment",
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
        tags=["distributors"],
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def attachment(self, request: Request, pk: str) -> FileResponse:
        return attachment_response(self.get_object())


@extend_schema_view(
    list=extend_schema(summary="Engagement events the person may read", tags=["distributors"]),
    retrieve=extend_schema(summary="An engagement event", tags=["distributors"]),
)
class EngagementEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The engagement log, read-only, newest first: their territories'
    distributors for managers, their distributor for a lead, one's own events
    otherwise. Each event carries its xAPI verb IRI."""

    serializer_class = s.EngagementEventOutputSerializer
    filterset_class = EngagementEventFilter
    ordering_fields = ["occurred_at", "id"]

    def get_queryset(self) -> QuerySet:
        return selectors.engagement_event_visible_queryset(user=self.request.user)
