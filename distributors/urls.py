from django.urls import path

from distributors.views import field_reports, network, team, text_replies

app_name = "distributors"

urlpatterns = [
    path("", network.distributor_list, name="list"),
    path("mine/", team.my_distributor, name="mine"),
    path("<int:pk>/", network.distributor_detail, name="detail"),
    path("<int:pk>/status/", network.distributor_status_change, name="status_change"),
    path("<int:pk>/scorecard/", network.scorecard_review_create, name="scorecard_review"),
    path("<int:pk>/invitations/", team.invitations, name="invitations"),
    path(
        "<int:pk>/invitations/<int:invitation_id>/resend/",
        team.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "<int:pk>/invitations/<int:invitation_id>/revoke/",
        team.invitation_revoke,
        name="invitation_revoke",
    ),
    path("<int:pk>/members/<int:membership_id>/remove/", team.member_remove, name="member_remove"),
    path("invitations/<str:token>/", team.invitation_accept, name="invitation_accept"),
    path("field-reports/", field_reports.field_report_list, name="field_report_list"),
    path("field-reports/new/", field_reports.field_report_create, name="field_report_create"),
    path("field-reports/<int:pk>/", field_reports.field_report_detail, name="field_report_detail"),
    path("field-reports/<int:pk>/triage/", field_reports.field_report_triage, name="field_report_triage"),
    path(
        "field-reports/<int:pk>/attachment/",
        field_reports.field_report_attachment,
        name="field_report_attachment",
    ),
    path("replies/", text_replies.text_reply_list, name="text_replies"),
    path("replies/read/", text_replies.text_replies_read, name="text_replies_read"),
]
