"""Pages of the messaging layer that need no sign-in: short links."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from academy.messaging.models import ShortLink


@require_safe
def short_link_follow(request: HttpRequest, code: str) -> HttpResponse:
    """Follow the short link of an SMS to the page it stands for (only links
    the academy made, so this never redirects elsewhere)."""
    link = get_object_or_404(ShortLink, code=code)
    return HttpResponseRedirect(link.url)
