"""The real URLconf plus the benchmark's baseline: a sign-in-required view
that runs one query of its own. Only tests/benchmarks/pages_settings.py
serves it; production's URLconf (config.urls) has no such route."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from academy.models import User
from config.urls import urlpatterns as real_urlpatterns


@login_required
def baseline(request: HttpRequest) -> HttpResponse:
    email = User.objects.filter(pk=request.user.pk).values_list("email", flat=True).first()
    return HttpResponse(f"ok {email}", content_type="text/plain")


urlpatterns = [path("__benchmark__/baseline/", baseline, name="benchmark_baseline"), *real_urlpatterns]
