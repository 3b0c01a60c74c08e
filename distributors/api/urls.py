from rest_framework.routers import SimpleRouter

from distributors.api import views

router = SimpleRouter()
router.register("territories", views.TerritoryViewSet, basename="distributors-territory")
router.register("distributors", views.DistributorViewSet, basename="distributors-distributor")
router.register("memberships", views.MembershipViewSet, basename="distributors-membership")
router.register("invitations", views.InvitationViewSet, basename="distributors-invitation")
router.register("field-reports", views.FieldReportViewSet, basename="distributors-field-report")
router.register("events", views.EngagementEventViewSet, basename="distributors-event")

urlpatterns = router.urls

# Engagement measurement: scores and xAPI statements.
from distributors.engagement.api.urls import urlpatterns as engagement_urlpatterns  # noqa: E402

urlpatterns += engagement_urlpatterns
