"""Permissions of the webinars app (django-rules).

Lists are scoped by ``webinars.selectors``; these answer "may this user act
on this series or session"."""

import rules

from academy.rules import is_admin, is_manager, is_trainer


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


rules.add_perm("webinars.create_series", is_trainer | is_admin)
rules.add_perm("webinars.create_session", is_trainer | is_admin)
rules.add_perm("webinars.manage_series", is_admin | hosts_series)
rules.add_perm("webinars.manage_session", is_admin | hosts_session)
rules.add_perm("webinars.view_attendance_report", is_manager | is_admin)
