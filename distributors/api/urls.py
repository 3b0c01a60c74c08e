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
