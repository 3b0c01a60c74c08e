"""Template filters of text messages (SMS, WhatsApp): ``{% load messaging %}``."""

from django import template

from academy.messaging.services import short_link as make_short_link

register = template.Library()


@register.filter
def short_link(url: str) -> str:
    """``{{ url|short_link }}``: a short absolute address for ``url`` (an SMS
    has room for one short link, not a signed address of 150 characters)."""
    return make_short_link(str(url)) if url else ""
