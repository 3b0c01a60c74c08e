"""Staff turnover, announced to the apps that react to it.

Sent by ``distributors.services`` inside the transaction that changes the
membership, so a receiver's writes commit or roll back with it. Receivers
call their own app's services (e.g. courses enrolls a new member in what is
assigned to their distributor); they hold no rules themselves.

Both signals are sent with ``sender=Membership`` and ``membership=<Membership>``.
"""

from django.dispatch import Signal

membership_started = Signal()
membership_ended = Signal()
