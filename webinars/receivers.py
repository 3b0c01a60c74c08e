"""Receivers of signals sent by others: when a person's standing changes,
their open live-room connections on every server are told to check their
right to stay (``webinars.realtime.revoke``), once the change has committed.

* signing out (``user_logged_out``): the signed-out sign-in session's
  connections close (4401), named by a digest of its key, since Django
  sends the signal before it deletes the session; the person's other
  devices stay;
* a password change or an account switched off (``is_active`` False):
  connections of sessions whose auth hash no longer matches, or of an
  inactive person, close (4401);
* a membership ended (``membership_ended``, sent inside the membership's
  transaction): every connection of the person closes (4403); entering again
  applies the room's rules afresh (audience, registration)."""

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from academy.models import User
from distributors.signals import membership_ended
from webinars import realtime
from webinars.selectors import FORBIDDEN


@receiver(user_logged_out, dispatch_uid="webinars.room_signed_out")
def room_signed_out(sender: object, request: Any = None, user: Any = None, **kwargs: object) -> None:
    if user is not None and user.pk is not None:
        key = getattr(getattr(request, "session", None), "session_key", None)
        realtime.revoke_on_commit(
            user_id=user.pk, reason="signed_out", signed_out=realtime.sign_in_digest(key) if key else None
        )


@receiver(pre_save, sender=User, dispatch_uid="webinars.room_account_before")
def room_account_before(sender: object, instance: User, update_fields: Any = None, **kwargs: object) -> None:
    """Note what the saved row held, when the save may change a password or ``is_active``."""
    if instance.pk is None or (
        update_fields is not None and not {"password", "is_active"} & set(update_fields)
    ):
        return
    instance._room_before = (  # type: ignore[attr-defined]
        User.objects.filter(pk=instance.pk).values_list("password", "is_active").first()
    )


@receiver(post_save, sender=User, dispatch_uid="webinars.room_account_after")
def room_account_after(sender: object, instance: User, created: bool, **kwargs: object) -> None:
    before = instance.__dict__.pop("_room_before", None)
    if created or before is None:
        return
    password, is_active = before
    if is_active and not instance.is_active:
        realtime.revoke_on_commit(user_id=instance.pk, reason="deactivated")
    elif password != instance.password:
        realtime.revoke_on_commit(user_id=instance.pk, reason="password_changed")


@receiver(membership_ended, dispatch_uid="webinars.room_member_left")
def room_member_left(sender: object, membership: Any, **kwargs: object) -> None:
    realtime.revoke_on_commit(user_id=membership.user_id, reason="membership_ended", close_code=FORBIDDEN)
