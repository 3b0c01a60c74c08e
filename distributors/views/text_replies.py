"""Replies from the field: what people wrote back by WhatsApp or SMS that
nothing acted on, for the managers of their territory to read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from academy.http import AuthenticatedHttpRequest
from academy.messaging import services as messaging_services
from academy.permissions import require
from distributors import selectors

PAGE_SIZE = 20


@login_required
def text_reply_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request.user, "distributors.read_text_replies")
    replies = selectors.text_reply_list(user=request.user)
    page = Paginator(replies, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "distributors/text_reply_list.html", {"page": page})


@login_required
@require_POST
def text_replies_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Mark one visible reply (``reply``) or every visible one (``all``) as read."""
    require(request.user, "distributors.read_text_replies")
    replies = selectors.text_reply_list(user=request.user)
    reply_id = request.POST.get("reply", "")
    if reply_id.isdigit():
        replies = replies.filter(pk=int(reply_id))
    elif "all" not in request.POST:
        messages.error(request, _("Choose a reply to mark as read."))
        return redirect("distributors:text_replies")
    # Only rows of the scoped list are touched: another territory's id marks nothing.
    count = messaging_services.replies_mark_read(
        replies=replies.model.objects.filter(pk__in=replies.values("pk"))
    )
    messages.success(
        request,
        ngettext("%(count)d reply marked as read.", "%(count)d replies marked as read.", count)
        % {"count": count},
    )
    return redirect("distributors:text_replies")
