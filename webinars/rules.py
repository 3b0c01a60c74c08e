"""Permissions of the webinars app (django-rules), and what a session shows
whoever looks at it (its replay, its recording).

Lists are scoped by ``webinars.selectors``; these answer "may this user act
on this series or session"."""

import rules
from django.db.models import Q

from academy.rules import is_admin, is_manager, is_trainer
from webinars.models import Session, SessionStatus


@rules.predicate
def hosts_series(user, series) -> bool:
    if series is None or not is_trainer(user):
        return False
    return series.trainers.filter(pk=user.pk).exists()


@rules.predicate
def hosts_session(user, session) -> bool:
    if session is None or not is_trainer(user):
        return False
    if session.trainers.filter(pk=user.pk).exists():
        return True
    return bool(session.series_id and session.series.trainers.filter(pk=user.pk).exists())


@rules.predicate
def observes_session(user, session) -> bool:
    """A manager follows a session's room when its audience reaches their
    territories: a company-wide session (everyone, or no territory and no
    distributor chosen), one of their territories, or a distributor of one of
    them. Other territories' rooms (and the names in their chats) stay closed."""
    if session is None or not is_manager(user):
        return False
    if session.audience_everyone:
        return True
    territories = session.audience_territories.all()
    distributors = session.audience_distributors.all()
    if not territories.exists() and not distributors.exists():
        return True
    return (
        territories.filter(managers=user).exists() or distributors.filter(territory__managers=user).exists()
    )


rules.add_perm("webinars.create_series", is_trainer | is_admin)
rules.add_perm("webinars.create_session", is_trainer | is_admin)
rules.add_perm("webinars.manage_series", is_admin | hosts_series)
rules.add_perm("webinars.manage_session", is_admin | hosts_session)
rules.add_perm("webinars.observe_room", observes_session)
rules.add_perm("webinars.view_attendance_report", is_manager | is_admin)


# A session's replay (its recording, answered questions and poll results)
# opens once it has ended; the recording is shown from then on, when there is one.
REPLAY_WITH_RECORDING = Q(status=SessionStatus.ENDED) & ~Q(recording_url="")


def replay_is_open(session: Session) -> bool:
    """Whether the session's replay page is open (it has ended)."""
    return session.status == SessionStatus.ENDED


def recording_link(session: Session) -> str:
    """The recording link people may watch: the session's once the replay
    is open, else empty (also when there is no recording yet)."""
    return session.recording_url if replay_is_open(session) else ""
