"""Engagement pages, under /distributors/engagement/ (namespace ``engagement``)."""

from django.urls import path, re_path

from distributors.engagement import views

app_name = "engagement"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("courses/", views.headcounts, name="headcounts"),
    path("distributors/<int:pk>/", views.distributor_engagement, name="distributor"),
    path("distributors/<int:pk>/nudge/", views.nudge, name="nudge"),
    path("distributors/<int:pk>/team/", views.team, name="team_of"),
    path("team/", views.team, name="team"),
    path("me/", views.me, name="me"),
    re_path(r"^export/(?P<dataset>[a-z]+)\.(?P<fmt>csv|xlsx)$", views.export, name="export"),
]
