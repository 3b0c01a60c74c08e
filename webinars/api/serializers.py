"""Input and output serializers of the webinars API (kept apart)."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from academy.api.fields import TimeZoneField
from academy.models import Role, User
from distributors.selectors import distributor_choices, territory_choices
from webinars.models import Feedback, Material, Registration, Series, Session, VideoProvider
from webinars.rules import recording_link
from webinars.selectors import join_is_open


class PersonOutputSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__")

    class Meta:
        model = User
        fields = ["id", "name"]


class PersonWithEmailOutputSerializer(PersonOutputSerializer):
    class Meta(PersonOutputSerializer.Meta):
        fields = ["id", "name", "email"]


class MaterialOutputSerializer(serializers.ModelSerializer):
    file = serializers.SerializerMethodField()

    class Meta:
        model = Material
        fields = ["id", "title", "url", "file"]

    def get_file(self, material: Material) -> str:
        # The checked download (the page view), never a storage address.
        return reverse("webinars:material_file", args=[material.pk]) if material.file else ""


class SessionOutputSerializer(serializers.ModelSerializer):
    ends_at = serializers.DateTimeField()
    n_confirmed = serializers.IntegerField()
    n_waitlisted = serializers.IntegerField()
    places_left = serializers.SerializerMethodField()
    my_status = serializers.CharField(allow_null=True)
    my_registration_id = serializers.IntegerField(allow_null=True)
    has_recording = serializers.SerializerMethodField()
    time_zone = TimeZoneField(read_only=True)

    class Meta:
        model = Session
        fields = [
            "id",
            "series",
            "title",
            "agenda",
            "language",
            "starts_at",
            "ends_at",
            "duration_minutes",
            "time_zone",
            "status",
            "capacity",
            "n_confirmed",
            "n_waitlisted",
            "places_left",
            "my_status",
            "my_registration_id",
            "video_provider",
            "has_recording",
        ]

    def get_places_left(self, session: Session) -> int | None:
        if session.capacity is None:
            return None
        return max(session.capacity - session.n_confirmed, 0)  # type: ignore[attr-defined]

    def get_has_recording(self, session: Session) -> bool:
        return bool(session.recording_url)


class SessionDetailOutputSerializer(SessionOutputSerializer):
    trainers = PersonOutputSerializer(many=True)
    materials = MaterialOutputSerializer(many=True)
    join_open = serializers.SerializerMethodField()
    recording_url = serializers.SerializerMethodField()

    class Meta(SessionOutputSerializer.Meta):
        fields = [*SessionOutputSerializer.Meta.fields, "trainers", "materials", "join_open", "recording_url"]

    def get_join_open(self, session: Session) -> bool:
        return join_is_open(session)

    def get_recording_url(self, session: Session) -> str:
        return recording_link(session)


class SessionBriefOutputSerializer(serializers.ModelSerializer):
    time_zone = TimeZoneField(read_only=True)

    class Meta:
        model = Session
        fields = ["id", "title", "starts_at", "duration_minutes", "time_zone", "status"]


class RegistrationOutputSerializer(serializers.ModelSerializer):
    session = SessionBriefOutputSerializer()

    class Meta:
        model = Registration
        fields = ["id", "session", "status", "created_at", "promoted_at", "cancelled_at"]


class MyAttendanceOutputSerializer(serializers.ModelSerializer):
    session = SessionBriefOutputSerializer()
    attended = serializers.SerializerMethodField()
    minutes_attended = serializers.SerializerMethodField()
    gave_feedback = serializers.BooleanField()

    class Meta:
        model = Registration
        fields = ["id", "session", "attended", "minutes_attended", "gave_feedback"]

    def _attendance(self, registration: Registration):
        return getattr(registration, "attendance", None)

    def get_attended(self, registration: Registration) -> bool:
        attendance = self._attendance(registration)
        return bool(attendance and attendance.attended)

    def get_minutes_attended(self, registration: Registration) -> int:
        attendance = self._attendance(registration)
        return attendance.minutes_attended if attendance else 0


class DistributorBriefOutputSerializer(serializers.Serializer):
    # Declared field by field (the distributor's id and name, as its model has
    # them): the distributors app's models stay its own.
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(label=_("Name"), max_length=200)


class RegistrantOutputSerializer(serializers.ModelSerializer):
    user = PersonWithEmailOutputSerializer()
    distributor = DistributorBriefOutputSerializer(allow_null=True)
    attended = serializers.SerializerMethodField()
    minutes_attended = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = [
            "id",
            "user",
            "distributor",
            "status",
            "created_at",
            "promoted_at",
            "attended",
            "minutes_attended",
        ]

    def get_attended(self, registration: Registration) -> bool:
        attendance = getattr(registration, "attendance", None)
        return bool(attendance and attendance.attended)

    def get_minutes_attended(self, registration: Registration) -> int:
        attendance = getattr(registration, "attendance", None)
        return attendance.minutes_attended if attendance else 0


class _AudienceInputSerializer(serializers.Serializer):
    audience_everyone = serializers.BooleanField(required=False)
    audience_leads = serializers.BooleanField(required=False)
    audience_staff = serializers.BooleanField(required=False)
    audience_customers = serializers.BooleanField(required=False)
    audience_territories = serializers.PrimaryKeyRelatedField(
        queryset=territory_choices(), many=True, required=False
    )
    audience_distributors = serializers.PrimaryKeyRelatedField(
        queryset=distributor_choices(), many=True, required=False
    )
    trainers = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=Role.TRAINER, is_active=True), many=True, required=False
    )

    AUDIENCE = (
        "audience_everyone",
        "audience_leads",
        "audience_staff",
        "audience_customers",
        "audience_territories",
        "audience_distributors",
    )

    def split(self) -> tuple[dict, dict | None, list | None]:
        """(service fields, audience, trainers) from the validated data."""
        data = dict(self.validated_data)
        audience = {name: data.pop(name) for name in self.AUDIENCE if name in data} or None
        trainers = data.pop("trainers", None)
        return data, audience, trainers


class SeriesInputSerializer(_AudienceInputSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    rrule = serializers.CharField(max_length=500)
    start_date = serializers.DateField()
    start_time = serializers.TimeField()
    time_zone = TimeZoneField()
    duration_minutes = serializers.IntegerField(min_value=5, max_value=600, required=False)
    capacity = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    video_provider = serializers.ChoiceField(choices=VideoProvider.choices, required=False)
    video_url = serializers.URLField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class SeriesOutputSerializer(serializers.ModelSerializer):
    trainers = PersonOutputSerializer(many=True)
    n_upcoming = serializers.IntegerField()
    time_zone = TimeZoneField(read_only=True)

    class Meta:
        model = Series
        fields = [
            "id",
            "title",
            "description",
            "language",
            "rrule",
            "start_date",
            "start_time",
            "time_zone",
            "duration_minutes",
            "capacity",
            "video_provider",
            "video_url",
            "is_active",
            "audience_everyone",
            "trainers",
            "n_upcoming",
        ]


class PreviewInputSerializer(serializers.Serializer):
    rrule = serializers.CharField(max_length=500)
    start_date = serializers.DateField()
    start_time = serializers.TimeField()
    time_zone = TimeZoneField()
    count = serializers.IntegerField(min_value=1, max_value=24, required=False, default=6)


class PreviewOutputSerializer(serializers.Serializer):
    dates = serializers.ListField(child=serializers.DateTimeField())


class SessionInputSerializer(_AudienceInputSerializer):
    title = serializers.CharField(max_length=200)
    agenda = serializers.CharField(required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    starts_at = serializers.DateTimeField()
    time_zone = TimeZoneField()
    duration_minutes = serializers.IntegerField(min_value=5, max_value=600, required=False)
    capacity = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    video_provider = serializers.ChoiceField(choices=VideoProvider.choices, required=False)
    video_url = serializers.URLField(required=False, allow_blank=True)
    recording_url = serializers.URLField(required=False, allow_blank=True)


class HostedSessionOutputSerializer(SessionOutputSerializer):
    trainers = PersonOutputSerializer(many=True)
    n_attended = serializers.IntegerField()
    my_status = None  # type: ignore[assignment]
    my_registration_id = None  # type: ignore[assignment]

    class Meta(SessionOutputSerializer.Meta):
        fields = [
            name
            for name in SessionOutputSerializer.Meta.fields
            if name not in ("my_status", "my_registration_id")
        ] + ["trainers", "n_attended", "video_url", "recording_url", "is_customised", "sequence"]


class CancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class AttendanceMarkInputSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    attended = serializers.BooleanField()
    minutes = serializers.IntegerField(min_value=0, max_value=24 * 60, required=False, allow_null=True)


class AttendanceImportInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    time_zone = TimeZoneField(required=False, allow_blank=True)


class AttendanceImportOutputSerializer(serializers.Serializer):
    people = serializers.IntegerField()
    intervals = serializers.IntegerField()
    attended = serializers.IntegerField()
    skipped = serializers.ListField(child=serializers.CharField())


class FeedbackInputSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class FeedbackOutputSerializer(serializers.ModelSerializer):
    user = PersonOutputSerializer()

    class Meta:
        model = Feedback
        fields = ["id", "user", "rating", "comment", "created_at"]


class FeedbackSummaryOutputSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True)
    distribution = serializers.DictField(child=serializers.IntegerField())


@extend_schema_serializer(many=False)
class FeedbackPageOutputSerializer(serializers.Serializer):
    """A page of a session's feedback (as every paginated list) with the
    summary of all of it."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = FeedbackOutputSerializer(many=True)
    summary = FeedbackSummaryOutputSerializer()


class JoinOutputSerializer(serializers.Serializer):
    url = serializers.URLField()


class PreferencesOutputSerializer(serializers.Serializer):
    calendar_feed_url = serializers.CharField(allow_blank=True)


class AttendanceReportRowOutputSerializer(serializers.Serializer):
    distributor_id = serializers.IntegerField()
    distributor_name = serializers.CharField(source="distributor__name")
    month = serializers.DateField()
    registered = serializers.IntegerField()
    attended = serializers.IntegerField()
    minutes = serializers.IntegerField()
    rate = serializers.FloatField()


class PollOptionResultOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    votes = serializers.IntegerField()
    percent = serializers.IntegerField()


class PollResultOutputSerializer(serializers.Serializer):
    """A closed poll of the live room with its final results."""

    id = serializers.IntegerField()
    question = serializers.CharField()
    kind = serializers.CharField()
    voters = serializers.IntegerField()
    options = PollOptionResultOutputSerializer(many=True)
