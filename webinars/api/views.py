"""Webinars API: thin views over selectors (reads) and services (writes).

Objects a person may not see are 404 (scoped by selectors); a known but
forbidden action is 403."""

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from academy.api.base import PaginatedListView, request_user
from academy.permissions import require
from webinars import selectors, services
from webinars import selectors as room_selectors
from webinars.api import serializers as s
from webinars.models import Registration, Series, Session, WebinarPreference

WHEN = OpenApiParameter(
    "when", str, enum=["upcoming", "past", "all"], description="Which sessions (default upcoming)."
)


def _when(request: Request) -> str:
    value = request.query_params.get("when", "upcoming")
    return value if value in ("upcoming", "past", "all") else "upcoming"


class SessionListView(PaginatedListView):
    """Sessions for the signed-in person (their audience only)."""

    serializer_class = s.SessionOutputSerializer

    def get_queryset(self) -> QuerySet[Session]:
        qs = selectors.session_list(user=request_user(self.request), when=_when(self.request))
        language = self.request.query_params.get("language")
        series = self.request.query_params.get("series")
        if language:
            qs = qs.filter(language=language)
        if series and series.isdigit():
            qs = qs.filter(series_id=int(series))
        return qs

    @extend_schema(
        operation_id="webinars_sessions_list",
        parameters=[WHEN, OpenApiParameter("language", str), OpenApiParameter("series", int)],
        responses=s.SessionOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return self.list(request)


class SessionDetailView(APIView):
    @extend_schema(responses=s.SessionDetailOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        session = selectors.session_get(user=request_user(request), pk=pk)
        return Response(s.SessionDetailOutputSerializer(session).data)


class SessionRegistrationView(APIView):
    """Register (POST) or cancel one's registration (DELETE)."""

    @extend_schema(request=None, responses={201: s.RegistrationOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        user = request_user(request)
        session = selectors.session_get(user=user, pk=pk)
        registration = services.registration_create(user=user, session=session)
        return Response(s.RegistrationOutputSerializer(registration).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.RegistrationOutputSerializer})
    def delete(self, request: Request, pk: int) -> Response:
        user = request_user(request)
        session = selectors.session_get(user=user, pk=pk)
        registration = selectors.registration_mine(user=user, session=session)
        if registration is None:
            return Response(
                {"detail": "Not registered.", "code": "not_found"}, status=status.HTTP_404_NOT_FOUND
            )
        registration = services.registration_cancel(actor=user, registration=registration)
        return Response(s.RegistrationOutputSerializer(registration).data)


class SessionJoinView(APIView):
    """The video link, for registered people (and trainers) while joining is open."""

    @extend_schema(responses=s.JoinOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        user = request_user(request)
        session = selectors.session_get(user=user, pk=pk)
        return Response({"url": services.session_join_url(user=user, session=session)})


class SessionFeedbackView(APIView):
    @extend_schema(request=s.FeedbackInputSerializer, responses={201: s.FeedbackOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        user = request_user(request)
        session = selectors.session_get(user=user, pk=pk)
        serializer = s.FeedbackInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        feedback = services.feedback_submit(user=user, session=session, **serializer.validated_data)
        return Response(s.FeedbackOutputSerializer(feedback).data, status=status.HTTP_201_CREATED)


class MyRegistrationListView(PaginatedListView):
    """The person's own registrations to sessions still ahead."""

    serializer_class = s.RegistrationOutputSerializer

    def get_queryset(self) -> QuerySet[Registration]:
        return selectors.registration_list_mine(user=request_user(self.request))

    @extend_schema(operation_id="webinars_registrations_retrieve")
    def get(self, request: Request) -> Response:
        return self.list(request)


class MyAttendanceListView(PaginatedListView):
    """The person's past sessions: attended or not, minutes, feedback given."""

    serializer_class = s.MyAttendanceOutputSerializer

    def get_queryset(self) -> QuerySet[Registration]:
        return selectors.attendance_list_mine(user=request_user(self.request))

    @extend_schema(operation_id="webinars_attendance_retrieve")
    def get(self, request: Request) -> Response:
        return self.list(request)


class ReplayListView(PaginatedListView):
    """Ended sessions in the person's audience that have a recording, newest first."""

    serializer_class = s.SessionBriefOutputSerializer

    def get_queryset(self) -> QuerySet[Session]:
        return selectors.replay_list(user=request_user(self.request))

    @extend_schema(operation_id="webinars_replays_retrieve")
    def get(self, request: Request) -> Response:
        return self.list(request)


def _preferences(request: Request, preference: WebinarPreference) -> dict[str, Any]:
    feed = ""
    if preference.calendar_token:
        feed = request.build_absolute_uri(reverse("webinars:calendar_feed", args=[preference.calendar_token]))
    return {"calendar_feed_url": feed}


class PreferencesView(APIView):
    """The private calendar feed of the signed-in person. (The channels of
    reminders are chosen with every kind of message, on the profile.)"""

    @extend_schema(responses=s.PreferencesOutputSerializer)
    def get(self, request: Request) -> Response:
        return Response(_preferences(request, services.preference_get(user=request_user(request))))


class CalendarTokenView(APIView):
    """A new private calendar-feed address (POST) or none (DELETE)."""

    @extend_schema(request=None, responses=s.PreferencesOutputSerializer)
    def post(self, request: Request) -> Response:
        return Response(_preferences(request, services.calendar_token_regenerate(user=request_user(request))))

    @extend_schema(request=None, responses={200: s.PreferencesOutputSerializer})
    def delete(self, request: Request) -> Response:
        return Response(_preferences(request, services.calendar_token_revoke(user=request_user(request))))


# ---------------------------------------------------------------- trainers


class SeriesListView(PaginatedListView):
    """Series the trainer hosts; POST creates one and schedules its sessions."""

    serializer_class = s.SeriesOutputSerializer

    def get_queryset(self) -> QuerySet[Series]:
        return selectors.series_list(user=request_user(self.request))

    @extend_schema(operation_id="webinars_series_list")
    def get(self, request: Request) -> Response:
        require(request_user(request), "webinars.create_series")
        return self.list(request)

    @extend_schema(request=s.SeriesInputSerializer, responses={201: s.SeriesOutputSerializer})
    def post(self, request: Request) -> Response:
        user = request_user(request)
        require(user, "webinars.create_series")
        serializer = s.SeriesInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields, audience, trainers = serializer.split()
        series = services.series_create(actor=user, audience=audience, trainers=trainers or (), **fields)
        series = selectors.series_get(user=user, pk=series.pk)
        return Response(s.SeriesOutputSerializer(series).data, status=status.HTTP_201_CREATED)


class SeriesDetailView(APIView):
    @extend_schema(responses=s.SeriesOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        user = request_user(request)
        require(user, "webinars.create_series")
        return Response(s.SeriesOutputSerializer(selectors.series_get(user=user, pk=pk)).data)

    @extend_schema(request=s.SeriesInputSerializer, responses=s.SeriesOutputSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        user = request_user(request)
        require(user, "webinars.create_series")
        series = selectors.series_get(user=user, pk=pk)
        serializer = s.SeriesInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields, audience, trainers = serializer.split()
        services.series_update(actor=user, series=series, audience=audience, trainers=trainers, **fields)
        return Response(s.SeriesOutputSerializer(selectors.series_get(user=user, pk=pk)).data)


class SeriesPreviewView(APIView):
    """The next dates of a recurrence rule, before saving it."""

    @extend_schema(request=s.PreviewInputSerializer, responses=s.PreviewOutputSerializer)
    def post(self, request: Request) -> Response:
        require(request_user(request), "webinars.create_series")
        serializer = s.PreviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response({"dates": services.series_preview(**serializer.validated_data)})


class HostedSessionListView(PaginatedListView):
    """Sessions the trainer hosts, with counts; POST creates a one-off session."""

    serializer_class = s.HostedSessionOutputSerializer

    def get_queryset(self) -> QuerySet[Session]:
        return selectors.session_list_hosted(user=request_user(self.request), when=_when(self.request))

    @extend_schema(operation_id="webinars_hosted_sessions_list", parameters=[WHEN])
    def get(self, request: Request) -> Response:
        require(request_user(request), "webinars.create_session")
        return self.list(request)

    @extend_schema(request=s.SessionInputSerializer, responses={201: s.HostedSessionOutputSerializer})
    def post(self, request: Request) -> Response:
        user = request_user(request)
        require(user, "webinars.create_session")
        serializer = s.SessionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields, audience, trainers = serializer.split()
        session = services.session_create(actor=user, audience=audience, trainers=trainers or (), **fields)
        session = selectors.session_get_hosted(user=user, pk=session.pk)
        return Response(s.HostedSessionOutputSerializer(session).data, status=status.HTTP_201_CREATED)


def _hosted(request: Request, pk: int) -> Session:
    """A session the person hosts (404 otherwise) and may manage (403 otherwise)."""
    user = request_user(request)
    require(user, "webinars.create_session")
    session = selectors.session_get_hosted(user=user, pk=pk)
    require(user, "webinars.manage_session", session)
    return session


class HostedSessionDetailView(APIView):
    @extend_schema(responses=s.HostedSessionOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.HostedSessionOutputSerializer(_hosted(request, pk)).data)

    @extend_schema(request=s.SessionInputSerializer, responses=s.HostedSessionOutputSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        session = _hosted(request, pk)
        serializer = s.SessionInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields, audience, trainers = serializer.split()
        services.session_update(
            actor=request_user(request), session=session, audience=audience, trainers=trainers, **fields
        )
        return Response(
            s.HostedSessionOutputSerializer(
                selectors.session_get_hosted(user=request_user(request), pk=pk)
            ).data
        )


class HostedSessionActionView(APIView):
    """``start``, ``end``, ``cancel`` (with a reason) or fetch the ``recording``."""

    @extend_schema(
        operation_id="webinars_hosted_sessions_action",
        request=s.CancelInputSerializer,
        responses=s.HostedSessionOutputSerializer,
        parameters=[
            OpenApiParameter(
                "action", str, OpenApiParameter.PATH, enum=["start", "end", "cancel", "recording"]
            )
        ],
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        session = _hosted(request, pk)
        user = request_user(request)
        headers = {}
        if action == "start":
            services.session_start(actor=user, session=session)
        elif action == "end":
            result = services.session_end(actor=user, session=session)
            if result.video_warning:
                headers["Warning"] = f'199 - "{result.video_warning}"'
        elif action == "cancel":
            serializer = s.CancelInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            services.session_cancel(actor=user, session=session, **serializer.validated_data)
        else:
            services.session_recording_fetch(actor=user, session=session)
        session = selectors.session_get_hosted(user=user, pk=pk)
        return Response(s.HostedSessionOutputSerializer(session).data, headers=headers)


class HostedRegistrantListView(PaginatedListView):
    """Registrants of a hosted session with their distributor and attendance."""

    serializer_class = s.RegistrantOutputSerializer
    session: Session

    def get_queryset(self) -> QuerySet[Registration]:
        return selectors.registrant_list(session=self.session)

    @extend_schema(operation_id="webinars_hosted_sessions_registrants_retrieve")
    def get(self, request: Request, pk: int) -> Response:
        self.session = _hosted(request, pk)
        return self.list(request)


class HostedPollResultListView(PaginatedListView):
    """Closed polls of a hosted session with their final results."""

    serializer_class = s.PollResultOutputSerializer
    session: Session

    def get_queryset(self) -> Any:
        return room_selectors.closed_poll_results(session=self.session)

    @extend_schema(operation_id="webinars_hosted_sessions_polls_retrieve")
    def get(self, request: Request, pk: int) -> Response:
        self.session = _hosted(request, pk)
        return self.list(request)


class HostedAttendanceView(APIView):
    """Mark a registrant's attendance by hand."""

    @extend_schema(request=s.AttendanceMarkInputSerializer, responses=s.RegistrantOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        session = _hosted(request, pk)
        serializer = s.AttendanceMarkInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        registration = get_object_or_404(
            Registration.objects.select_related("user"), session=session, user_id=data["user"]
        )
        services.attendance_mark(
            actor=request_user(request),
            session=session,
            user=registration.user,
            attended=data["attended"],
            minutes=data.get("minutes"),
        )
        registration = selectors.registrant_list(session=session, include_cancelled=True).get(
            pk=registration.pk
        )
        return Response(s.RegistrantOutputSerializer(registration).data)


class HostedAttendanceImportView(APIView):
    """Import a provider's participants report (CSV, multipart field ``file``)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=s.AttendanceImportInputSerializer, responses=s.AttendanceImportOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        session = _hosted(request, pk)
        serializer = s.AttendanceImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.attendance_import(
            actor=request_user(request),
            session=session,
            content=serializer.validated_data["file"].read(),
            time_zone=serializer.validated_data.get("time_zone", ""),
        )
        return Response(s.AttendanceImportOutputSerializer(report).data)


class HostedFeedbackView(PaginatedListView):
    """Feedback of a hosted session: the summary and the answers (paginated)."""

    serializer_class = s.FeedbackOutputSerializer
    session: Session

    def get_queryset(self) -> QuerySet:
        return selectors.feedback_list(session=self.session)

    @extend_schema(responses=s.FeedbackPageOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        self.session = _hosted(request, pk)
        response = self.list(request)
        summary = selectors.feedback_summary(session=self.session)
        response.data["summary"] = s.FeedbackSummaryOutputSerializer(summary).data
        return response


# ---------------------------------------------------------------- managers


class AttendanceReportView(PaginatedListView):
    """Attendance per distributor and month for the manager's territories."""

    serializer_class = s.AttendanceReportRowOutputSerializer

    def get_queryset(self) -> QuerySet[Any, dict[str, Any]]:
        months = self.request.query_params.get("months", "6")
        months_value = int(months) if months.isdigit() and 1 <= int(months) <= 24 else 6
        return selectors.attendance_by_distributor_month(user=request_user(self.request), months=months_value)

    @extend_schema(
        operation_id="webinars_reports_attendance_retrieve",
        parameters=[OpenApiParameter("months", OpenApiTypes.INT, description="1 to 24 (default 6).")],
    )
    def get(self, request: Request) -> Response:
        require(request_user(request), "webinars.view_attendance_report")
        rows = []
        for row in self.paginate_queryset(self.get_queryset()) or []:
            month = row["month"]
            rows.append(
                {
                    **row,
                    "month": timezone.localtime(month).date() if timezone.is_aware(month) else month.date(),
                    "rate": round(row["attended"] / row["registered"], 3) if row["registered"] else 0.0,
                }
            )
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)
