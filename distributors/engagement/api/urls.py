from django.urls import path

from academy.api import converters  # noqa: F401  (registers <id:...>)
from distributors.engagement.api import views

urlpatterns = [
    path("xapi/statements", views.XAPIStatementsView.as_view(), name="distributors-xapi-statements"),
    path(
        "engagement/distributors/",
        views.DistributorEngagementListView.as_view(),
        name="distributors-engagement-list",
    ),
    path(
        "engagement/distributors/<id:pk>/",
        views.DistributorEngagementDetailView.as_view(),
        name="distributors-engagement-detail",
    ),
]
