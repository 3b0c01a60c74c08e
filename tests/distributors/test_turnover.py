"""Staff turnover per quarter at its edges: a quarter runs from its first
day to its last (both counted), the current one stops today, headcount is
taken at the quarter's end."""

import datetime

import pytest
import time_machine

from distributors import selectors
from distributors.models import Membership
from tests.distributors.factories import MembershipFactory

D = datetime.date


def quarters_of(today, count=5):
    return [
        (q.year, q.quarter, q.start, q.end)
        for q in selectors.turnover_by_quarter([], quarters=count, today=today)
    ]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (
            D(2024, 1, 1),
            [
                (2023, 1, D(2023, 1, 1), D(2023, 3, 31)),
                (2023, 2, D(2023, 4, 1), D(2023, 6, 30)),
                (2023, 3, D(2023, 7, 1), D(2023, 9, 30)),
                (2023, 4, D(2023, 10, 1), D(2023, 12, 31)),
                (2024, 1, D(2024, 1, 1), D(2024, 1, 1)),
            ],
        ),
        (
            D(2024, 3, 31),
            [
                (2023, 1, D(2023, 1, 1), D(2023, 3, 31)),
                (2023, 2, D(2023, 4, 1), D(2023, 6, 30)),
                (2023, 3, D(2023, 7, 1), D(2023, 9, 30)),
                (2023, 4, D(2023, 10, 1), D(2023, 12, 31)),
                (2024, 1, D(2024, 1, 1), D(2024, 3, 31)),
            ],
        ),
        (
            D(2024, 4, 1),
            [
                (2023, 2, D(2023, 4, 1), D(2023, 6, 30)),
                (2023, 3, D(2023, 7, 1), D(2023, 9, 30)),
                (2023, 4, D(2023, 10, 1), D(2023, 12, 31)),
                (2024, 1, D(2024, 1, 1), D(2024, 3, 31)),
                (2024, 2, D(2024, 4, 1), D(2024, 4, 1)),
            ],
        ),
        (
            D(2024, 6, 30),
            [
                (2023, 2, D(2023, 4, 1), D(2023, 6, 30)),
                (2023, 3, D(2023, 7, 1), D(2023, 9, 30)),
                (2023, 4, D(2023, 10, 1), D(2023, 12, 31)),
                (2024, 1, D(2024, 1, 1), D(2024, 3, 31)),
                (2024, 2, D(2024, 4, 1), D(2024, 6, 30)),
            ],
        ),
        (
            D(2024, 9, 30),
            [
                (2023, 3, D(2023, 7, 1), D(2023, 9, 30)),
                (2023, 4, D(2023, 10, 1), D(2023, 12, 31)),
                (2024, 1, D(2024, 1, 1), D(2024, 3, 31)),
                (2024, 2, D(2024, 4, 1), D(2024, 6, 30)),
                (2024, 3, D(2024, 7, 1), D(2024, 9, 30)),
            ],
        ),
        (
            D(2024, 12, 31),
            [
                (2023, 4, D(2023, 10, 1), D(2023, 12, 31)),
                (2024, 1, D(2024, 1, 1), D(2024, 3, 31)),
                (2024, 2, D(2024, 4, 1), D(2024, 6, 30)),
                (2024, 3, D(2024, 7, 1), D(2024, 9, 30)),
                (2024, 4, D(2024, 10, 1), D(2024, 12, 31)),
            ],
        ),
    ],
)
def test_quarters_run_from_their_first_to_their_last_day_oldest_first(today, expected):
    assert quarters_of(today) == expected


@pytest.mark.parametrize(
    ("today", "first"),
    [
        (D(2024, 2, 29), (2022, 2)),  # a leap day
        (D(2024, 5, 15), (2022, 3)),
        (D(2024, 8, 1), (2022, 4)),
        (D(2024, 11, 5), (2023, 1)),
    ],
)
def test_eight_quarters_by_default(today, first):
    quarters = selectors.turnover_by_quarter([], today=today)
    assert len(quarters) == 8
    assert (quarters[0].year, quarters[0].quarter) == first


@pytest.mark.parametrize("count", [1, 2, 4])
def test_as_many_quarters_as_asked(count):
    assert len(quarters_of(D(2024, 11, 5), count)) == count


# Q3 2024 runs from 1 July to 30 September; today is in Q4.
TODAY = D(2024, 11, 5)
Q3_FIRST, Q3_LAST = D(2024, 7, 1), D(2024, 9, 30)
DAY = datetime.timedelta(days=1)


def q3(periods):
    quarters = selectors.turnover_by_quarter(periods, quarters=2, today=TODAY)
    assert (quarters[0].year, quarters[0].quarter) == (2024, 3)
    return quarters[0]


@pytest.mark.parametrize(
    ("joined_on", "counted"),
    [
        (Q3_FIRST - DAY, False),
        (Q3_FIRST, True),
        (Q3_FIRST + DAY, True),
        (Q3_LAST - DAY, True),
        (Q3_LAST, True),
        (Q3_LAST + DAY, False),
    ],
)
def test_joiners_on_the_first_and_last_day_of_a_quarter_are_counted(joined_on, counted):
    assert q3([(joined_on, None)]).joined == int(counted)


@pytest.mark.parametrize(
    ("left_on", "counted"),
    [
        (None, False),
        (Q3_FIRST - DAY, False),
        (Q3_FIRST, True),
        (Q3_LAST, True),
        (Q3_LAST + DAY, False),
    ],
)
def test_leavers_on_the_first_and_last_day_of_a_quarter_are_counted(left_on, counted):
    assert q3([(D(2020, 1, 1), left_on)]).left == int(counted)


@pytest.mark.parametrize(
    ("joined_on", "left_on", "counted"),
    [
        (Q3_LAST, None, True),  # joined on the last day: there at the end
        (Q3_LAST + DAY, None, False),
        (D(2020, 1, 1), Q3_LAST, False),  # left on the last day: gone at the end
        (D(2020, 1, 1), Q3_LAST + DAY, True),
        (D(2020, 1, 1), Q3_FIRST, False),
        (D(2020, 1, 1), None, True),
    ],
)
def test_headcount_is_taken_at_the_end_of_the_quarter(joined_on, left_on, counted):
    assert q3([(joined_on, left_on)]).headcount == int(counted)


def test_the_current_quarter_stops_today():
    current = selectors.turnover_by_quarter(
        [(TODAY, None), (TODAY + DAY, None), (D(2020, 1, 1), TODAY), (D(2020, 1, 1), TODAY + DAY)],
        quarters=1,
        today=TODAY,
    )[0]
    assert (current.start, current.end) == (D(2024, 10, 1), TODAY)
    # Headcount today: the one who joined today and the one who leaves tomorrow.
    assert (current.joined, current.left, current.headcount) == (1, 1, 2)


def test_counts_add_up_over_several_people():
    periods = [(Q3_FIRST, None), (Q3_LAST, Q3_LAST + DAY), (D(2020, 1, 1), Q3_FIRST), (D(2021, 1, 1), None)]
    quarter = q3(periods)
    assert (quarter.joined, quarter.left, quarter.headcount) == (2, 1, 3)


@time_machine.travel(datetime.datetime(2025, 2, 10, 12, tzinfo=datetime.UTC), tick=False)
def test_today_defaults_to_the_local_date():
    quarters = selectors.turnover_by_quarter([], quarters=1)
    assert (quarters[0].year, quarters[0].quarter, quarters[0].end) == (2025, 1, D(2025, 2, 10))


@pytest.mark.django_db
def test_a_distributors_turnover_counts_its_own_memberships_only(network):
    Membership.objects.update(joined_on=D(2020, 1, 1))
    joiner = MembershipFactory(distributor=network.distributor_a, role="staff")
    Membership.objects.filter(pk=joiner.pk).update(joined_on=Q3_FIRST)
    other = MembershipFactory(distributor=network.distributor_b, role="staff")
    Membership.objects.filter(pk=other.pk).update(joined_on=Q3_FIRST)
    quarters = selectors.distributor_turnover(distributor=network.distributor_a, quarters=2, today=TODAY)
    assert [(q.quarter, q.joined, q.headcount) for q in quarters] == [(3, 1, 3), (4, 0, 3)]
    assert len(selectors.distributor_turnover(distributor=network.distributor_a, today=TODAY)) == 8


def test_quarter_numbers_are_whole_numbers():
    quarters = selectors.turnover_by_quarter([], quarters=4, today=D(2024, 12, 31))
    assert [f"{q.year}-Q{q.quarter}" for q in quarters] == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
