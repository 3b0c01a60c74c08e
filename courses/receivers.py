"""Receivers of signals sent by others: they only hand over to this app's
services. The membership signals are sent inside the membership transaction
(see ``distributors.signals``)."""

from django.dispatch import receiver

from courses import services
from distributors.signals import membership_ended, membership_started


@receiver(membership_started, dispatch_uid="courses.member_joined")
def member_joined(sender: object, membership: object, **kwargs: object) -> None:
    services.assignments_apply_to_member(membership=membership)  # type: ignore[arg-type]


@receiver(membership_ended, dispatch_uid="courses.member_left")
def member_left(sender: object, membership: object, **kwargs: object) -> None:
    services.assignments_release_member(membership=membership)  # type: ignore[arg-type]
