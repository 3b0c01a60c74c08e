"""Engagement API: the distributors' scores and the xAPI statements endpoint."""

import base64
import datetime
import json
import re
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from academy import roles
from academy.api.base import PaginatedListView, request_user
from academy.errors import ApplicationError
from academy.models import XAPI_VERBS, Verb
from distributors.engagement import selectors
from distributors.engagement.api.xapi import (
    XAPI_VERSION,
    activity_parse,
    registration_parse,
    statement,
    verb_displays,
)
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


AGENT_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
SUPPORTED_VERSION = re.compile(r"^1\.0(\.\d+)?$")
# With statementId, the spec allows no other filter.
SINGLE_ALLOWED = {"statementId", "format", "attachments"}


def _is_iri(value: str) -> bool:
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path) and " " not in value


@extend_schema_field(OpenApiTypes.STR)
class AgentField(serializers.Field):
    """An xAPI Agent (or identified Group) as JSON, with exactly one inverse
    functional identifier (xAPI 1.0.3, Data 2.4.2.3)."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        try:
            agent = json.loads(data) if isinstance(data, str) else data
        except ValueError as error:
            raise serializers.ValidationError(_("Enter an Agent as JSON.")) from error
        if not isinstance(agent, dict):
            raise serializers.ValidationError(_("Enter an Agent as JSON."))
        ifis = [name for name in AGENT_IFIS if name in agent]
        if len(ifis) != 1:
            raise serializers.ValidationError(
                _("An Agent has exactly one of mbox, mbox_sha1sum, openid and account.")
            )
        if agent.get("objectType", "Agent") not in ("Agent", "Group"):
            raise serializers.ValidationError(_("The objectType of an Agent is Agent or Group."))
        name = ifis[0]
        value = agent[name]
        if name == "mbox" and not (isinstance(value, str) and re.fullmatch(r"mailto:[^@\s]+@[^@\s]+", value)):
            raise serializers.ValidationError(_("mbox is a mailto: IRI."))
        if name == "mbox_sha1sum" and not (
            isinstance(value, str) and re.fullmatch(r"[0-9a-fA-F]{40}", value)
        ):
            raise serializers.ValidationError(_("mbox_sha1sum is the hex SHA-1 of a mailto: IRI."))
        if name == "openid" and not (isinstance(value, str) and _is_iri(value)):
            raise serializers.ValidationError(_("openid is an IRI."))
        if name == "account" and not (
            isinstance(value, dict)
            and isinstance(value.get("homePage"), str)
            and _is_iri(value["homePage"])
            and isinstance(value.get("name"), str)
            and value["name"]
        ):
            raise serializers.ValidationError(_("An account has a homePage IRL and a name."))
        return {"objectType": agent.get("objectType", "Agent"), name: value}


class StatementsQuerySerializer(serializers.Serializer):
    """The query of GET statements (xAPI 1.0.3, Communication 2.1.3)."""

    statementId = serializers.UUIDField(required=False, help_text="One statement by its id.")
    agent = AgentField(
        required=False,
        help_text='Statements whose actor is this Agent, as JSON, e.g. {"mbox": "mailto:ana@example.org"}.',
    )
    verb = serializers.CharField(required=False, max_length=200, help_text="A verb IRI (or a verb code).")
    activity = serializers.CharField(
        required=False, max_length=500, help_text="An activity IRI (the object)."
    )
    registration = serializers.UUIDField(
        required=False, help_text="A web-conference registration (context.registration)."
    )
    since = serializers.DateTimeField(
        required=False, help_text="Only statements stored after this time (exclusive, ISO 8601)."
    )
    until = serializers.DateTimeField(
        required=False, help_text="Only statements stored at or before this time (ISO 8601)."
    )
    limit = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="Statements per page; 0 or more than the server's maximum gives the maximum.",
    )
    ascending = serializers.BooleanField(
        required=False, default=False, help_text="Oldest stored first (default: newest first)."
    )
    cursor = serializers.CharField(required=False, max_length=200, help_text="Given by `more`.")

    def validate_verb(self, value: str) -> tuple[str, ...]:
        codes = tuple(code for code, iri in XAPI_VERBS.items() if iri == value)
        if codes or _is_iri(value):
            return codes  # an IRI that is none of our verbs matches nothing
        if value in Verb.values:
            return (value,)
        raise serializers.ValidationError(_("Enter a verb IRI."))

    def validate_activity(self, value: str) -> str:
        if not _is_iri(value):
            raise serializers.ValidationError(_("Enter an activity IRI."))
        return value

    def validate_cursor(self, value: str) -> tuple[datetime.datetime, int]:
        try:
            moment, _sep, pk = base64.urlsafe_b64decode(value.encode() + b"==").decode().partition("|")
            return datetime.datetime.fromisoformat(moment), int(pk)
        except ValueError as error:
            raise serializers.ValidationError(_("This cursor is not one the server gave.")) from error

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "statementId" in attrs:
            extra = sorted(set(self.initial_data) - SINGLE_ALLOWED)
            if extra:
                raise serializers.ValidationError(
                    {name: [_("Not allowed with statementId.")] for name in extra}
                )
        return attrs


def statement_query(params: dict[str, Any]) -> selectors.StatementQuery:
    """The selector's query for validated parameters: an Agent, activity or
    registration that is none of ours matches nothing."""
    fields: dict[str, Any] = {
        "statement_id": params.get("statementId"),
        "since": params.get("since"),
        "until": params.get("until"),
        "ascending": params["ascending"],
        "after": params.get("cursor"),
    }
    nothing = False
    if "verb" in params:
        fields["verbs"] = params["verb"]
        nothing = nothing or not params["verb"]
    agent = params.get("agent")
    if agent is not None:
        if agent["objectType"] == "Group" or "openid" in agent or "account" in agent:
            nothing = True  # our actors are Agents identified by mbox
        elif "mbox" in agent:
            fields["actor_email"] = agent["mbox"].removeprefix("mailto:")
        else:
            fields["actor_ids"] = selectors.statement_agents_by_sha1(mbox_sha1sum=agent["mbox_sha1sum"])
    if "activity" in params:
        fields["activity"] = activity_parse(params["activity"])
        nothing = nothing or fields["activity"] is None
    if "registration" in params:
        fields["registration"] = registration_parse(params["registration"])
        nothing = nothing or fields["registration"] is None
    return selectors.StatementQuery(**fields, nothing=nothing)


def _cursor(event: Any) -> str:
    raw = f"{event.recorded_at.isoformat()}|{event.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# An xAPI 1.0.3 Statement (Data 2.4), as this platform writes them.
STATEMENT_FIELDS: dict[str, serializers.Field] = {
    "id": serializers.UUIDField(),
    "actor": serializers.DictField(help_text="An Agent: objectType, name, mbox."),
    "verb": serializers.DictField(help_text="id (IRI) and display (language map)."),
    "object": serializers.DictField(help_text="An Activity: objectType, id (IRI), definition."),
    "result": serializers.DictField(required=False, help_text="duration, score, success, completion."),
    "context": serializers.DictField(help_text="platform, language, registration, extensions."),
    "timestamp": serializers.DateTimeField(help_text="When it happened."),
    "stored": serializers.DateTimeField(help_text="When the platform recorded it."),
    "version": serializers.CharField(),
}
# One class for both uses, so the schema has one XAPIStatement component.
StatementSerializer = type(inline_serializer(name="XAPIStatement", fields=STATEMENT_FIELDS))


class StatementResultSerializer(serializers.Serializer):
    """An xAPI StatementResult (Communication 2.1.3)."""

    statements = StatementSerializer(many=True)
    more = serializers.CharField(
        allow_blank=True, help_text="Relative IRL of the next page of the same query; empty at the end."
    )


class XAPIStatementsView(APIView):
    """Read-only xAPI 1.0.3 Statement resource over the engagement log, for
    managers (their territories' events) and administrators (all).

    Newest stored first (``ascending=true``: oldest first), ``limit`` per
    page (0 or above the maximum: the maximum) with a ``more`` link that
    continues the same query from where the page stopped (a cursor: new
    events do not shift the pages); ``statementId`` gives one Statement.
    Filters: ``agent``, ``verb``, ``activity``, ``registration``, ``since``
    and ``until`` (on stored). Every response carries
    ``X-Experience-API-Version``; a request with a version other than 1.0.x
    gets a 400, one without credentials a 401."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        version = request.headers.get("X-Experience-API-Version")
        if version is not None and not SUPPORTED_VERSION.match(version):
            message = _("This server speaks xAPI %(version)s.") % {"version": XAPI_VERSION}
            fields = {"X-Experience-API-Version": [message]}
            raise ApplicationError(message, code="xapi_version", fields=fields)
        super().initial(request, *args, **kwargs)

    def get_authenticate_header(self, request: Request) -> str:
        # A 401 (not 403) without credentials, as xAPI asks, with the HTTP
        # Basic challenge that LRS clients answer (a bearer token also works).
        challenges = (a.authenticate_header(request) for a in self.get_authenticators())
        headers = [header for header in challenges if header]
        return next((h for h in headers if h.startswith("Basic")), headers[0] if headers else "")

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["X-Experience-API-Version"] = XAPI_VERSION
        return response

    @extend_schema(
        tags=["engagement"],
        parameters=[
            StatementsQuerySerializer,
            OpenApiParameter(
                "X-Experience-API-Version",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description="1.0.x (others get a 400).",
            ),
        ],
        responses={
            200: PolymorphicProxySerializer(
                component_name="StatementsOrStatement",
                serializers=[StatementResultSerializer, StatementSerializer],
                resource_type_field_name=None,
            ),
            # 400, 401, 403, 404 and 429: the API's one Error shape (academy.api.schema).
        },
    )
    def get(self, request: Request) -> Response:
        user = request_user(request)
        if not roles.user_roles(user) & {roles.MANAGER, roles.ADMIN}:
            raise PermissionDenied(_("The statements are for managers and administrators."))
        serializer = StatementsQuerySerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        params = serializer.validated_data
        query = statement_query(params)
        events = selectors.statement_events(user=user, query=query)
        displays = verb_displays()
        consistent = {"X-Experience-API-Consistent-Through": timezone.now().isoformat()}
        if query.statement_id is not None:
            event = next(iter(events[:1]), None)
            if event is None:
                raise NotFound(_("No statement has this id."))
            return Response(statement(event, displays), headers=consistent)
        maximum = settings.XAPI_STATEMENTS_MAX_LIMIT
        limit = params.get("limit", 100) or maximum
        limit = min(limit, maximum)
        page = list(events[: limit + 1])
        more = ""
        if len(page) > limit:
            page = page[:limit]
            next_query = request.query_params.copy()
            next_query["cursor"] = _cursor(page[-1])
            more = f"{request.path}?{next_query.urlencode()}"
        body = {"statements": [statement(event, displays) for event in page], "more": more}
        return Response(body, headers=consistent)
