from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from academy import views as academy_views

api_v1 = [
    path("", include("academy.api.urls")),
    path("webinars/", include("webinars.api.urls")),
    path("", include("distributors.api.urls")),
    path("", include("courses.api.urls")),
    path("", include("distributors.engagement.api.urls")),
]

urlpatterns = [
    path("healthz", academy_views.healthz, name="healthz"),
    # settings.CSP_REPORT_PATH
    path("csp-report/", academy_views.csp_report, name="csp_report"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", login_required(SpectacularAPIView.as_view()), name="api-schema"),
    path(
        "api/docs/",
        # The split view serves its start-up script from a URL, not inline (CSP).
        login_required(
            SpectacularSwaggerSplitView.as_view(
                url_name="api-schema", template_name="academy/swagger_ui.html"
            )
        ),
        name="api-docs",
    ),
    path("webinars/", include("webinars.urls")),
    path("distributors/engagement/", include("distributors.engagement.urls")),
    path("distributors/", include("distributors.urls")),
    path("courses/", include("courses.urls")),
    path("", include("academy.urls")),
]

# No route serves MEDIA_ROOT or PRIVATE_MEDIA_ROOT: every upload leaves through
# a view that checks the person first (academy/downloads.py).
