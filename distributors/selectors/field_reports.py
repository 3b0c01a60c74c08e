"""Field reports, scoped to who may read them."""

from django.db.models import Count, Prefetch, Q, QuerySet

from academy.models import User
from distributors import scoping
from distributors.models import FieldReport, FieldReportReply


def field_report_visible_queryset(*, user: User) -> QuerySet[FieldReport]:
    """Field reports the user may read, with distributor and sender loaded.

    Admins: all. Managers: those of their territories' distributors. A lead:
    those of their distributor and their own. Anyone else: the ones they sent
    (also after leaving the distributor, so they keep seeing the replies).
    """
    return scoping.visible(
        FieldReport.objects.select_related("distributor", "sender"), user, own_path="sender"
    )


def field_report_list(*, user: User) -> QuerySet[FieldReport]:
    """Visible reports, newest first, with ``n_replies`` (written replies)."""
    return (
        field_report_visible_queryset(user=user)
        .annotate(n_replies=Count("replies", filter=~Q(replies__body="")))
        .order_by("-created_at", "-id")
    )


def field_report_detail_queryset(*, user: User) -> QuerySet[FieldReport]:
    """Visible reports (as :func:`field_report_list`) with their replies and
    authors prefetched, oldest reply first."""
    return field_report_list(user=user).prefetch_related(
        Prefetch(
            "replies",
            queryset=FieldReportReply.objects.select_related("author").order_by("created_at", "id"),
        )
    )
