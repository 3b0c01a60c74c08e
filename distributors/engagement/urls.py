"""Engagement pages, included under /distributors/engagement/ in the
distributors namespace."""

from django.urls import path, re_path

from distributors.engagement import views

urlpatterns = [
    path("", views.dashboard, name="engagement_dashboard"),
    path("distributors/<int:pk>/", views.distributor_engagement, name="engagement_distributor"),
    path("distributors/<int:pk>/nudge/", views.nudge, name="engagement_nudge"),
    path("distributors/<int:pk>/team/", views.team, name="engagement_team_of"),
    path("team/", views.team, name="engagement_team"),
    path("me/", views.me, name="engagement_me"),
    re_path(r"^export/(?P<dataset>[a-z]+)\.(?P<fmt>csv|xlsx)$", views.export, name="engagement_export"),
]
