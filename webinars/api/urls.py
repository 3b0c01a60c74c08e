from django.urls import path, re_path

from webinars.api import views

urlpatterns = [
    path("sessions/", views.SessionListView.as_view(), name="webinars-sessions"),
    path("sessions/<int:pk>/", views.SessionDetailView.as_view(), name="webinars-session"),
    path(
        "sessions/<int:pk>/registration/",
        views.SessionRegistrationView.as_view(),
        name="webinars-registration",
    ),
    path("sessions/<int:pk>/join/", views.SessionJoinView.as_view(), name="webinars-join"),
    path("sessions/<int:pk>/feedback/", views.SessionFeedbackView.as_view(), name="webinars-feedback"),
    path("registrations/", views.MyRegistrationListView.as_view(), name="webinars-my-registrations"),
    path("attendance/", views.MyAttendanceListView.as_view(), name="webinars-my-attendance"),
    path("replays/", views.ReplayListView.as_view(), name="webinars-replays"),
    path("preferences/", views.PreferencesView.as_view(), name="webinars-preferences"),
    path("preferences/calendar-token/", views.CalendarTokenView.as_view(), name="webinars-calendar-token"),
    path("series/", views.SeriesListView.as_view(), name="webinars-series-list"),
    path("series/preview/", views.SeriesPreviewView.as_view(), name="webinars-series-preview"),
    path("series/<int:pk>/", views.SeriesDetailView.as_view(), name="webinars-series"),
    path("hosted-sessions/", views.HostedSessionListView.as_view(), name="webinars-hosted-sessions"),
    path(
        "hosted-sessions/<int:pk>/", views.HostedSessionDetailView.as_view(), name="webinars-hosted-session"
    ),
    re_path(
        r"^hosted-sessions/(?P<pk>[0-9]+)/(?P<action>start|end|cancel|recording)/$",
        views.HostedSessionActionView.as_view(),
        name="webinars-hosted-session-action",
    ),
    path(
        "hosted-sessions/<int:pk>/registrants/",
        views.HostedRegistrantListView.as_view(),
        name="webinars-hosted-registrants",
    ),
    path(
        "hosted-sessions/<int:pk>/attendance/",
        views.HostedAttendanceView.as_view(),
        name="webinars-hosted-attendance",
    ),
    path(
        "hosted-sessions/<int:pk>/attendance/import/",
        views.HostedAttendanceImportView.as_view(),
        name="webinars-hosted-attendance-import",
    ),
    path(
        "hosted-sessions/<int:pk>/polls/",
        views.HostedPollResultListView.as_view(),
        name="webinars-hosted-polls",
    ),
    path(
        "hosted-sessions/<int:pk>/feedback/",
        views.HostedFeedbackView.as_view(),
        name="webinars-hosted-feedback",
    ),
    path("reports/attendance/", views.AttendanceReportView.as_view(), name="webinars-attendance-report"),
]
