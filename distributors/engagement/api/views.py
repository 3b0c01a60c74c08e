"""Engagement API: the distributors' scores and the xAPI statements endpoint."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from academy import roles
from academy.api.base import PaginatedListView, request_user
from academy.models import XAPI_VERBS, Verb
from distributors.engagement import selectors
from distributors.engagement.api.xapi import XAPI_VERSION, statement, verb_displays
from distributors.engagement.risks import risk_message
from distributors.engagement.scores import COMPONENTS, change_summary


class ComponentChangeSerializer(serializers.Serializer):
    component = serializers.ChoiceField(choices=list(COMPONENTS))
    before = serializers.IntegerField()
    now = serializers.IntegerField()
    points = serializers.IntegerField(help_text="now - before")


class ScoreChangeSerializer(serializers.Serializer):
    """The change over 30 days, like for like: both scores are the weighted
    mean of the components that apply on both days."""

    before = serializers.IntegerField()
    now = serializers.IntegerField()
    points = serializers.IntegerField(help_text="now - before")
    components = ComponentChangeSerializer(
        many=True, help_text="The components compared, each before and now."
    )
    started = serializers.ListField(
        child=serializers.ChoiceField(choices=list(COMPONENTS)),
        help_text="Components that count now but did not 30 days ago (not compared).",
    )
    stopped = serializers.ListField(
        child=serializers.ChoiceField(choices=list(COMPONENTS)),
        help_text="Components that counted 30 days ago but no longer do (not compared).",
    )
    summary = serializers.CharField(help_text="Why the score changed, in the reader's language.")


class DistributorEngagementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    country = serializers.CharField(source="country.code")
    status = serializers.CharField()
    territory = serializers.CharField(source="territory.name")
    score = serializers.IntegerField(source="e_score", allow_null=True)
    components = serializers.SerializerMethodField()
    staff = serializers.IntegerField(source="e_staff", allow_null=True)
    active_staff = serializers.IntegerField(source="e_active_staff", allow_null=True)
    last_activity_on = serializers.DateField(source="e_last_activity_on", allow_null=True)
    score_month_ago = serializers.IntegerField(
        source="e_score_month_ago",
        allow_null=True,
        help_text="The score 30 days ago over the components that apply on both days.",
    )
    score_change = serializers.SerializerMethodField()
    at_risk = serializers.BooleanField(source="e_is_at_risk", allow_null=True)
    risks = serializers.SerializerMethodField()

    def get_components(self, obj) -> dict[str, int | None]:
        return {name: getattr(obj, f"e_{name}") for name in COMPONENTS}

    @extend_schema_field(ScoreChangeSerializer(allow_null=True))
    def get_score_change(self, obj) -> dict[str, Any] | None:
        change = obj.e_score_change
        return None if change is None else {**change, "summary": change_summary(change)}

    def get_risks(self, obj) -> list[dict[str, Any]]:
        return [{**risk, "message": risk_message(risk)} for risk in obj.e_risks or []]


class EngagementFilterSerializer(serializers.Serializer):
    country = serializers.CharField(required=False, max_length=2, allow_blank=True)
    status = serializers.CharField(required=False, max_length=16, allow_blank=True)
    risk = serializers.CharField(required=False, max_length=20, allow_blank=True)
    ordering = serializers.ChoiceField(required=False, choices=["score", "-score", "name", "activity"])


class DistributorEngagementListView(PaginatedListView):
    """Distributors the person follows with their current engagement score,
    components and at-risk reasons (managers: their territories, admins:
    all, a lead: their own distributor)."""

    serializer_class = DistributorEngagementOutputSerializer

    def get_queryset(self) -> QuerySet:
        params = EngagementFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.engagement_table(user=request_user(self.request), **params.validated_data)

    @extend_schema(tags=["engagement"], parameters=[EngagementFilterSerializer])
    def get(self, request: Request) -> Response:
        return self.list(request)


class DistributorEngagementDetailView(APIView):
    """One distributor the person follows, with its current engagement
    score, components and at-risk reasons."""

    @extend_schema(tags=["engagement"], responses=DistributorEngagementOutputSerializer)
    def get(self, request: Request, pk: str) -> Response:
        distributors = selectors.engagement_distributors(user=request_user(request)).select_related(
            "territory"
        )
        return Response(DistributorEngagementOutputSerializer(get_object_or_404(distributors, pk=pk)).data)


class StatementsQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField(required=False, help_text="Only events after this time (ISO 8601).")
    until = serializers.DateTimeField(required=False, help_text="Only events at or before this time.")
    verb = serializers.CharField(required=False, max_length=200, help_text="A verb IRI or code.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=500, default=100)
    after = serializers.IntegerField(required=False, min_value=0, help_text="Cursor given by `more`.")

    def validate_verb(self, value: str) -> list[str]:
        codes = [code for code, iri in XAPI_VERBS.items() if iri == value] or (
            [value] if value in Verb.values else []
        )
        if not codes:
            raise serializers.ValidationError(_("Unknown verb."))
        return codes


class XAPIStatementsView(APIView):
    """Read-only xAPI 1.0.3 statements of the engagement log, oldest first,
    ``limit`` per page with a ``more`` link; filters ``since``, ``until``
    and ``verb`` (IRI or code). For managers (their territories' events) and
    administrators (all)."""

    @extend_schema(
        tags=["engagement"],
        parameters=[
            StatementsQuerySerializer,
            OpenApiParameter(
                "X-Experience-API-Version", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False
            ),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        user = request_user(request)
        if not roles.user_roles(user) & {roles.MANAGER, roles.ADMIN}:
            raise PermissionDenied(_("The statements are for managers and administrators."))
        query = StatementsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        events = selectors.statement_events(user=user)
        if "since" in params:
            events = events.filter(occurred_at__gt=params["since"])
        if "until" in params:
            events = events.filter(occurred_at__lte=params["until"])
        if "verb" in params:
            events = events.filter(verb__in=params["verb"])
        if "after" in params:
            events = events.filter(id__gt=params["after"])
        limit = params["limit"]
        page = list(events[: limit + 1])
        more = ""
        if len(page) > limit:
            page = page[:limit]
            next_query = request.query_params.copy()
            next_query["after"] = str(page[-1].pk)
            more = f"{request.path}?{next_query.urlencode()}"
        displays = verb_displays()
        response = Response({"statements": [statement(event, displays) for event in page], "more": more})
        response["X-Experience-API-Version"] = XAPI_VERSION
        return response
