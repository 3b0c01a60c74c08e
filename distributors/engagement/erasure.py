"""Engagement's part of a person's data (see ``academy.erasure``).

The measures are counts derived from the activity log, which an erasure
keeps: nothing here is erased, so the distributor's figures stay the same
after the next rebuild. The export gives the person their own measures.
"""

from typing import Any

from academy.erasure import PersonalData, rows
from academy.models import User
from distributors.engagement.models import MEASURES, PersonDay, PersonScore


def _export(user: User) -> dict[str, Any]:
    return {
        "days": rows(PersonDay.objects.filter(user=user).order_by("day"), "day", *MEASURES),
        "score": rows(
            PersonScore.objects.filter(user=user),
            "distributor__name",
            "as_of",
            "score",
            "active_weeks",
            "lessons_completed",
            "courses_completed",
            "minutes_learned",
            "webinars_attended",
        ),
    }


def _erase(user: User) -> None:
    """Nothing to scrub: the measures are counts, kept with the activity log."""


PART = PersonalData(name="engagement", export=_export, erase=_erase)
