from django.urls import path
from rest_framework.routers import SimpleRouter

from distributors.engagement.api import views

router = SimpleRouter()
router.register(
    "engagement/distributors", views.DistributorEngagementViewSet, basename="distributors-engagement"
)

urlpatterns = [
    path("xapi/statements", views.XAPIStatementsView.as_view(), name="distributors-xapi-statements"),
    *router.urls,
]
