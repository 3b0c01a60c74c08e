from django.urls import path, re_path

from webinars import views

app_name = "webinars"

urlpatterns = [
    path("", views.session_list, name="sessions"),
    path("mine/", views.mine, name="mine"),
    path("replays/", views.replay_list, name="replays"),
    path("preferences/", views.preferences, name="preferences"),
    path("preferences/calendar/", views.calendar_feed_token, name="calendar_feed_token"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/register/", views.session_register, name="session_register"),
    path("sessions/<int:pk>/unregister/", views.session_unregister, name="session_unregister"),
    path("sessions/<int:pk>/calendar.ics", views.session_calendar, name="session_calendar"),
    path("sessions/<int:pk>/join/", views.session_join, name="session_join"),
    path("sessions/<int:pk>/checkin/", views.session_checkin, name="session_checkin"),
    path("bigbluebutton/events/", views.bbb_webhook, name="bbb_webhook"),
    path("sessions/<int:pk>/room/", views.session_room, name="session_room"),
    path("sessions/<int:pk>/replay/", views.session_replay, name="session_replay"),
    path("sessions/<int:pk>/replay/watch/", views.session_replay_watch, name="session_replay_watch"),
    path("materials/<int:pk>/file/", views.material_file, name="material_file"),
    path("sessions/<int:pk>/feedback/", views.session_feedback, name="session_feedback"),
    path("manage/", views.manage, name="manage"),
    path("manage/series/new/", views.series_edit, name="series_create"),
    path("manage/series/<int:pk>/", views.series_edit, name="series_edit"),
    path("manage/sessions/new/", views.session_edit, name="session_create"),
    path("manage/sessions/<int:pk>/", views.session_manage, name="session_manage"),
    path("manage/sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("manage/sessions/<int:pk>/polls/", views.session_polls, name="session_polls"),
    path("manage/polls/<int:pk>/delete/", views.poll_delete, name="poll_delete"),
    path("manage/sessions/<int:pk>/replies/", views.session_replies, name="session_replies"),
    path("manage/sessions/<int:pk>/replies/read/", views.session_replies_read, name="session_replies_read"),
    path("manage/sessions/<int:pk>/start/", views.session_start, name="session_start"),
    path("manage/sessions/<int:pk>/end/", views.session_end, name="session_end"),
    path("manage/sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path(
        "manage/sessions/<int:pk>/recording/", views.session_recording_fetch, name="session_recording_fetch"
    ),
    path("manage/sessions/<int:pk>/attendance/", views.attendance_mark, name="attendance_mark"),
    path("manage/sessions/<int:pk>/attendance/import/", views.attendance_import, name="attendance_import"),
    path(
        "manage/sessions/<int:pk>/attendance/intervals/",
        views.attendance_intervals,
        name="attendance_intervals",
    ),
    re_path(
        r"^manage/sessions/(?P<pk>[0-9]+)/registrants\.(?P<fmt>csv|xlsx)$",
        views.registrants_export,
        name="registrants_export",
    ),
    path("manage/sessions/<int:pk>/materials/", views.material_add, name="material_add"),
    path("manage/materials/<int:pk>/delete/", views.material_delete, name="material_delete"),
    path("report/", views.attendance_report, name="attendance_report"),
    re_path(
        r"^report/attendance\.(?P<fmt>csv|xlsx)$",
        views.attendance_report_export,
        name="attendance_report_export",
    ),
]
