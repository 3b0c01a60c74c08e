"""The project's URLs plus the benchmarks' baseline: a login-required view
that runs one query. Used only by benchmark scripts (never by a server)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.urls import path

from academy.models import User
from config.urls import urlpatterns as project_urlpatterns


@login_required
def one_query(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"people": User.objects.filter(pk=request.user.pk).count()})


urlpatterns = [path("bench/one-query/", one_query), *project_urlpatterns]
