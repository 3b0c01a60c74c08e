"""Territories, distributors, their history, scorecards and turnover."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, OrderBy, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from academy.models import User
from distributors import scoping
from distributors.models import (
    Distributor,
    DistributorStatus,
    DistributorStatusChange,
    Membership,
    ScorecardReview,
    Territory,
)


def territory_list(*, user: User) -> QuerySet[Territory]:
    """Territories the user may see: all for admins, their own for managers."""
    return scoping.visible(
        Territory.objects.all(), user, distributor_path=None, territory_managers_path="managers"
    )


def distributor_visible_queryset(*, user: User) -> QuerySet[Distributor]:
    """Distributors the user may know exist.

    Admins: all. Managers: the distributors of their territories. A lead or staff member: only their
    current distributor. Anyone else: none.
    """
    return scoping.visible_distributors(user, staff=scoping.Staff.EVERYONE)


DISTRIBUTOR_ORDERINGS: dict[str, tuple[str | OrderBy, ...]] = {
    "name": (Lower("name").asc(), "pk"),
    "-name": (Lower("name").desc(), "-pk"),
    "country": ("country", Lower("name").asc()),
    "-country": ("-country", Lower("name").asc()),
    "status": ("status", Lower("name").asc()),
    "-status": ("-status", Lower("name").asc()),
    "territory": ("territory__name", Lower("name").asc()),
    "-territory": ("-territory__name", Lower("name").asc()),
    "headcount": ("headcount", Lower("name").asc()),
    "-headcount": ("-headcount", Lower("name").asc()),
    "partnership": ("partnership_started_on", Lower("name").asc()),
    "-partnership": ("-partnership_started_on", Lower("name").asc()),
}


def distributor_list(*, user: User, search: str = "", ordering: str = "name") -> QuerySet[Distributor]:
    """The distributors the user may see, with territory and account manager
    loaded and ``headcount`` (current staff) annotated; ``search`` matches
    name, city or contact; ``ordering`` is a key of ``DISTRIBUTOR_ORDERINGS``
    (unknown keys sort by name)."""
    qs = (
        distributor_visible_queryset(user=user)
        .select_related("territory", "account_manager")
        .annotate(headcount=Count("memberships", filter=Q(memberships__left_on__isnull=True)))
    )
    search = search.strip()
    if search:
        qs = qs.filter(
            Q(name__icontains=search) | Q(city__icontains=search) | Q(contact_name__icontains=search)
        )
    return qs.order_by(*DISTRIBUTOR_ORDERINGS.get(ordering, DISTRIBUTOR_ORDERINGS["name"]))


def territory_overview(*, user: User) -> QuerySet[Territory]:
    """The user's visible territories, each with distributor counts
    (``n_total``, ``n_active``, ``n_onboarding``) and current staff
    headcount (``n_staff``)."""
    active_staff = Q(distributors__memberships__left_on__isnull=True)
    return territory_list(user=user).annotate(
        n_total=Count("distributors", distinct=True),
        n_active=Count(
            "distributors", filter=Q(distributors__status=DistributorStatus.ACTIVE), distinct=True
        ),
        n_onboarding=Count(
            "distributors", filter=Q(distributors__status=DistributorStatus.ONBOARDING), distinct=True
        ),
        n_staff=Count("distributors__memberships", filter=active_staff, distinct=True),
    )


def distributor_status_history(*, distributor: Distributor) -> QuerySet[DistributorStatusChange]:
    """Every status change of the distributor with who made it, newest first."""
    return distributor.status_changes.select_related("changed_by").order_by("-created_at", "-id")


@dataclass(frozen=True)
class RatingStep:
    name: str
    label: str
    value: int
    notes: str
    change: int | None


@dataclass(frozen=True)
class ScorecardStep:
    review: ScorecardReview
    average: float
    change: float | None
    ratings: list[RatingStep]


def scorecard_trend(*, distributor: Distributor) -> list[ScorecardStep]:
    """The distributor's scorecard reviews, newest first, each with its
    average and the change of every rating since the review before it."""
    reviews = list(distributor.scorecard_reviews.select_related("reviewed_by").order_by("reviewed_on", "id"))
    steps: list[ScorecardStep] = []
    previous: ScorecardReview | None = None
    for review in reviews:
        ratings = [
            RatingStep(
                name=name,
                label=str(label),
                value=getattr(review, name),
                notes=getattr(review, f"{name}_notes"),
                change=(getattr(review, name) - getattr(previous, name)) if previous else None,
            )
            for name, label in ScorecardReview.CRITERIA
        ]
        steps.append(
            ScorecardStep(
                review=review,
                average=review.average,
                change=round(review.average - previous.average, 2) if previous else None,
                ratings=ratings,
            )
        )
        previous = review
    return list(reversed(steps))


@dataclass(frozen=True)
class QuarterTurnover:
    year: int
    quarter: int
    start: datetime.date
    end: datetime.date
    joined: int
    left: int
    headcount: int


def _quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _previous_quarter(start: datetime.date) -> datetime.date:
    month = start.month - 3
    return datetime.date(start.year - 1, month + 12, 1) if month < 1 else datetime.date(start.year, month, 1)


def _quarter_end(start: datetime.date) -> datetime.date:
    month = start.month + 3
    following = datetime.date(start.year + 1, 1, 1) if month > 12 else datetime.date(start.year, month, 1)
    return following - datetime.timedelta(days=1)


def turnover_by_quarter(
    periods: list[tuple[datetime.date, datetime.date | None]],
    *,
    quarters: int = 8,
    today: datetime.date | None = None,
) -> list[QuarterTurnover]:
    """Joined, left and headcount (at the quarter's end, or today for the
    current one) for the last ``quarters`` quarters, oldest first, from
    ``(joined_on, left_on)`` periods."""
    today = today or timezone.localdate()
    starts = [_quarter_start(today)]
    for _index in range(quarters - 1):
        starts.append(_previous_quarter(starts[-1]))
    result = []
    for start in reversed(starts):
        end = min(_quarter_end(start), today)
        result.append(
            QuarterTurnover(
                year=start.year,
                quarter=(start.month - 1) // 3 + 1,
                start=start,
                end=end,
                joined=sum(1 for joined, _left in periods if start <= joined <= end),
                left=sum(1 for _joined, left in periods if left is not None and start <= left <= end),
                headcount=sum(
                    1 for joined, left in periods if joined <= end and (left is None or left > end)
                ),
            )
        )
    return result


def distributor_turnover(
    *, distributor: Distributor, quarters: int = 8, today: datetime.date | None = None
) -> list[QuarterTurnover]:
    """Staff turnover of a distributor per quarter (see :func:`turnover_by_quarter`), in one query."""
    periods = list(Membership.objects.filter(distributor=distributor).values_list("joined_on", "left_on"))
    return turnover_by_quarter(periods, quarters=quarters, today=today)
