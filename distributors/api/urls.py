from django.urls import path

from academy.api import converters  # noqa: F401  (registers <id:...>)
from distributors.api import views

urlpatterns = [
    path("territories/", views.TerritoryListView.as_view(), name="distributors-territory-list"),
    path("territories/<id:pk>/", views.TerritoryDetailView.as_view(), name="distributors-territory-detail"),
    path("distributors/", views.DistributorListView.as_view(), name="distributors-distributor-list"),
    path(
        "distributors/<id:pk>/", views.DistributorDetailView.as_view(), name="distributors-distributor-detail"
    ),
    path(
        "distributors/<id:pk>/status/",
        views.DistributorStatusChangeView.as_view(),
        name="distributors-distributor-change-status",
    ),
    path(
        "distributors/<id:pk>/status-changes/",
        views.DistributorStatusHistoryView.as_view(),
        name="distributors-distributor-status-changes",
    ),
    path(
        "distributors/<id:pk>/scorecards/",
        views.DistributorScorecardsView.as_view(),
        name="distributors-distributor-scorecards",
    ),
    path(
        "distributors/<id:pk>/turnover/",
        views.DistributorTurnoverView.as_view(),
        name="distributors-distributor-turnover",
    ),
    path("memberships/", views.MembershipListView.as_view(), name="distributors-membership-list"),
    path("memberships/<id:pk>/", views.MembershipDetailView.as_view(), name="distributors-membership-detail"),
    path("memberships/<id:pk>/end/", views.MembershipEndView.as_view(), name="distributors-membership-end"),
    path("invitations/", views.InvitationListView.as_view(), name="distributors-invitation-list"),
    path("invitations/<id:pk>/", views.InvitationDetailView.as_view(), name="distributors-invitation-detail"),
    path(
        "invitations/<id:pk>/resend/",
        views.InvitationResendView.as_view(),
        name="distributors-invitation-resend",
    ),
    path(
        "invitations/<id:pk>/revoke/",
        views.InvitationRevokeView.as_view(),
        name="distributors-invitation-revoke",
    ),
    path("field-reports/", views.FieldReportListView.as_view(), name="distributors-field-report-list"),
    path(
        "field-reports/<id:pk>/",
        views.FieldReportDetailView.as_view(),
        name="distributors-field-report-detail",
    ),
    path(
        "field-reports/<id:pk>/triage/",
        views.FieldReportTriageView.as_view(),
        name="distributors-field-report-triage",
    ),
    path(
        "field-reports/<id:pk>/attachment/",
        views.FieldReportAttachmentView.as_view(),
        name="distributors-field-report-attachment",
    ),
    path("events/", views.EngagementEventListView.as_view(), name="distributors-event-list"),
    path("events/<id:pk>/", views.EngagementEventDetailView.as_view(), name="distributors-event-detail"),
]
