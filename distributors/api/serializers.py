"""Input and output shapes of the distributors API (kept separate: inputs are
validated then handed to services; outputs describe what was read)."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries import countries as country_registry
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from academy.models import XAPI_VERBS, EngagementEvent, Role, User
from academy.permissions import can
from distributors.attachments import ATTACHMENT_MAX_BYTES
from distributors.models import (
    Distributor,
    DistributorStatus,
    DistributorStatusChange,
    FieldReport,
    FieldReportKind,
    FieldReportReply,
    FieldReportStatus,
    FieldReportUrgency,
    Invitation,
    InvitationStatus,
    Membership,
    MembershipRole,
    ScorecardReview,
    Territory,
)
from distributors.selectors import distributor_visible_queryset, territory_list


# ------------------------------------------------------------------ shared parts
class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")
    email = serializers.EmailField()


class DistributorRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CountrySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


def _country(code: object) -> dict[str, str]:
    code = str(code or "")
    return {"code": code, "name": str(country_registry.name(code)) if code else ""}


# ------------------------------------------------------------------ territories
class TerritoryOutputSerializer(serializers.ModelSerializer):
    countries = serializers.SerializerMethodField()
    managers = PersonSerializer(many=True)

    class Meta:
        model = Territory
        fields = ["id", "name", "countries", "managers"]

    @extend_schema_field(CountrySerializer(many=True))
    def get_countries(self, territory: Territory) -> list[dict[str, str]]:
        return [_country(country.code) for country in territory.countries]  # type: ignore[attr-defined]


# ------------------------------------------------------------------ distributors
class DistributorOutputSerializer(serializers.ModelSerializer):
    """A distributor. ``notes`` and ``is_exclusive`` are the company's own:
    only managers and administrators receive them (null for others)."""

    territory = DistributorRefSerializer()
    country = serializers.SerializerMethodField()
    account_manager = PersonSerializer(allow_null=True)
    status_display = serializers.CharField(source="get_status_display")
    headcount = serializers.IntegerField(help_text=_("Current staff."))
    notes = serializers.SerializerMethodField()
    is_exclusive = serializers.SerializerMethodField()

    class Meta:
        model = Distributor
        fields = [
            "id",
            "name",
            "territory",
            "country",
            "city",
            "address",
            "contact_name",
            "contact_email",
            "contact_phone",
            "website",
            "account_manager",
            "partnership_started_on",
            "is_exclusive",
            "notes",
            "status",
            "status_display",
            "headcount",
            "created_at",
            "updated_at",
        ]

    def _internal(self, distributor: Distributor) -> bool:
        request = self.context.get("request")
        return bool(request and can(request.user, "distributors.view_internal_details", distributor))

    @extend_schema_field(CountrySerializer)
    def get_country(self, distributor: Distributor) -> dict[str, str]:
        return _country(distributor.country)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_notes(self, distributor: Distributor) -> str | None:
        return distributor.notes if self._internal(distributor) else None

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_is_exclusive(self, distributor: Distributor) -> bool | None:
        return distributor.is_exclusive if self._internal(distributor) else None


@extend_schema_field(OpenApiTypes.INT)
class _ManagerField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return User.objects.filter(role=Role.MANAGER, is_active=True)


@extend_schema_field(OpenApiTypes.INT)
class _TerritoryField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return territory_list(user=self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class _VisibleDistributorField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return distributor_visible_queryset(user=self.context["request"].user)


class DistributorUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    country = serializers.ChoiceField(choices=list(country_registry), required=False)
    city = serializers.CharField(max_length=120, required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True)
    account_manager = _ManagerField(required=False, allow_null=True)
    partnership_started_on = serializers.DateField(required=False, allow_null=True)
    is_exclusive = serializers.BooleanField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class DistributorCreateInputSerializer(DistributorUpdateInputSerializer):
    name = serializers.CharField(max_length=200)
    territory = _TerritoryField()
    country = serializers.ChoiceField(choices=list(country_registry))


class StatusChangeInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=DistributorStatus.choices)
    reason = serializers.CharField(max_length=2000)


class StatusChangeOutputSerializer(serializers.ModelSerializer):
    changed_by = PersonSerializer(allow_null=True)

    class Meta:
        model = DistributorStatusChange
        fields = ["id", "from_status", "to_status", "changed_by", "reason", "created_at"]


class ScorecardReviewInputSerializer(serializers.Serializer):
    reviewed_on = serializers.DateField(required=False)
    payment_reliability = serializers.IntegerField(min_value=1, max_value=5)
    payment_reliability_notes = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    established_network = serializers.IntegerField(min_value=1, max_value=5)
    established_network_notes = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    technical_competence = serializers.IntegerField(min_value=1, max_value=5)
    technical_competence_notes = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    commitment = serializers.IntegerField(min_value=1, max_value=5)
    commitment_notes = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class ScorecardReviewOutputSerializer(serializers.ModelSerializer):
    reviewed_by = PersonSerializer(allow_null=True)
    average = serializers.FloatField()

    class Meta:
        model = ScorecardReview
        fields = [
            "id",
            "reviewed_on",
            "reviewed_by",
            "payment_reliability",
            "payment_reliability_notes",
            "established_network",
            "established_network_notes",
            "technical_competence",
            "technical_competence_notes",
            "commitment",
            "commitment_notes",
            "summary",
            "average",
            "created_at",
        ]


class TurnoverOutputSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    quarter = serializers.IntegerField(min_value=1, max_value=4)
    start = serializers.DateField()
    end = serializers.DateField()
    joined = serializers.IntegerField()
    left = serializers.IntegerField()
    headcount = serializers.IntegerField(
        help_text=_("At the end of the quarter (today for the current one).")
    )


# ------------------------------------------------------------------ memberships
class MembershipOutputSerializer(serializers.ModelSerializer):
    user = PersonSerializer()
    distributor = DistributorRefSerializer()
    ended_by = PersonSerializer(allow_null=True)
    is_active = serializers.BooleanField()

    class Meta:
        model = Membership
        fields = [
            "id",
            "user",
            "distributor",
            "role",
            "job_title",
            "joined_on",
            "left_on",
            "left_reason",
            "ended_by",
            "is_active",
        ]


class MembershipEndInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


# ------------------------------------------------------------------ invitations
class InvitationInputSerializer(serializers.Serializer):
    distributor = _VisibleDistributorField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=MembershipRole.choices, default=MembershipRole.STAFF)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class InvitationOutputSerializer(serializers.ModelSerializer):
    distributor = DistributorRefSerializer()
    invited_by = PersonSerializer(allow_null=True)
    status = serializers.ChoiceField(choices=InvitationStatus.choices)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "distributor",
            "email",
            "first_name",
            "last_name",
            "role",
            "language",
            "status",
            "invited_by",
            "expires_at",
            "sent_at",
            "send_count",
            "accepted_at",
            "revoked_at",
            "created_at",
        ]


# ------------------------------------------------------------------ field reports
class FieldReportInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FieldReportKind.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000)
    country = serializers.ChoiceField(choices=list(country_registry), required=False, allow_blank=True)
    product = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    urgency = serializers.ChoiceField(choices=FieldReportUrgency.choices, default=FieldReportUrgency.NORMAL)
    attachment = serializers.FileField(
        required=False,
        allow_null=True,
        help_text=_("PDF, JPG, PNG, DOCX or XLSX, at most %(size)s MB.")
        % {"size": ATTACHMENT_MAX_BYTES // (1024 * 1024)},
    )


class FieldReportTriageInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=FieldReportStatus.choices, required=False, allow_blank=True)
    reply = serializers.CharField(required=False, allow_blank=True, max_length=10000)


class AttachmentSerializer(serializers.Serializer):
    name = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    url = serializers.CharField()


class FieldReportReplyOutputSerializer(serializers.ModelSerializer):
    author = PersonSerializer(allow_null=True)

    class Meta:
        model = FieldReportReply
        fields = ["id", "author", "body", "status_from", "status_to", "created_at"]


class FieldReportOutputSerializer(serializers.ModelSerializer):
    distributor = DistributorRefSerializer()
    sender = PersonSerializer(allow_null=True)
    country = serializers.SerializerMethodField()
    attachment = serializers.SerializerMethodField()
    n_replies = serializers.IntegerField(help_text=_("Written replies."))

    class Meta:
        model = FieldReport
        fields = [
            "id",
            "distributor",
            "sender",
            "kind",
            "title",
            "description",
            "country",
            "product",
            "urgency",
            "status",
            "status_changed_at",
            "attachment",
            "n_replies",
            "created_at",
        ]

    @extend_schema_field(CountrySerializer)
    def get_country(self, report: FieldReport) -> dict[str, str]:
        return _country(report.country)

    @extend_schema_field(AttachmentSerializer(allow_null=True))
    def get_attachment(self, report: FieldReport) -> dict[str, object] | None:
        if not report.attachment:
            return None
        return {
            "name": report.attachment_name,
            "size": report.attachment_size,
            "content_type": report.attachment_content_type,
            "url": reverse("api:distributors-field-report-attachment", args=[report.pk]),
        }


class FieldReportDetailOutputSerializer(FieldReportOutputSerializer):
    replies = FieldReportReplyOutputSerializer(many=True)

    class Meta(FieldReportOutputSerializer.Meta):
        fields = [*FieldReportOutputSerializer.Meta.fields, "replies"]


# ------------------------------------------------------------------ events
class EngagementEventOutputSerializer(serializers.ModelSerializer):
    actor = PersonSerializer()
    distributor = DistributorRefSerializer(allow_null=True)
    xapi_verb = serializers.SerializerMethodField()

    class Meta:
        model = EngagementEvent
        fields = [
            "id",
            "actor",
            "distributor",
            "verb",
            "xapi_verb",
            "object_type",
            "object_id",
            "object_name",
            "minutes",
            "context",
            "occurred_at",
        ]

    def get_xapi_verb(self, event: EngagementEvent) -> str:
        return XAPI_VERBS[event.verb]
