"""Home page panels: the next web-conference (learners), upcoming hosted
sessions (trainers), last month's attendance (managers)."""

from academy import roles
from academy.home import Panel
from academy.http import AuthenticatedHttpRequest
from webinars import selectors
from webinars.selectors import join_is_open


def panels(request: AuthenticatedHttpRequest, granted: frozenset[str]) -> list[Panel]:
    user = request.user
    result: list[Panel] = []
    if roles.LEARNER in granted:
        # The panel shows no registration counts: the query without them.
        session = selectors.session_list(user=user, when="upcoming", counts=False).first()
        context = {"session": session, "join_open": bool(session and join_is_open(session))}
        result.append(Panel("webinars/home/_next.html", context, order=30))
    if roles.TRAINER in granted:
        sessions = list(selectors.session_list_hosted(user=user, when="upcoming").prefetch_related(None)[:5])
        result.append(Panel("webinars/home/_hosted.html", {"sessions": sessions}, order=30))
    if roles.MANAGER in granted:
        result.append(
            Panel("webinars/home/_attendance.html", selectors.attendance_last_month(user=user), order=40)
        )
    return result
