"""Receivers of signals sent by others: they only call this app's services."""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import gettext as _

from distributors import services


@receiver(user_logged_in, dispatch_uid="distributors.attach_invitation_on_login")
def attach_invitation_on_login(sender, request, user, **kwargs) -> None:
    """An invited address that already has an account joins the team when it signs in."""
    membership = services.invitation_accept_on_login(user=user)
    if membership is not None and request is not None and hasattr(request, "_messages"):
        with translation.override(user.language):
            messages.success(
                request,
                _("Welcome to the team of %(distributor)s!") % {"distributor": membership.distributor},
            )
