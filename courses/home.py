from academy import roles
from academy.home import Panel
from academy.http import AuthenticatedHttpRequest
from courses import selectors


def panels(request: AuthenticatedHttpRequest, granted: frozenset[str]) -> list[Panel]:
    """Learners: courses to continue, assignments due, certificates
    expiring. Leads: their team's assignments. Trainers: their courses."""
    user = request.user
    result: list[Panel] = []
    if roles.LEARNER in granted:
        result.append(
            Panel(
                "courses/home/_learner.html",
                {
                    "enrollments": list(selectors.my_enrollments(user=user, active_only=True)[:3]),
                    "assignments": list(selectors.my_assignments(user=user, open_only=True)[:5]),
                    "expiring": list(selectors.certificates_expiring(user=user)[:5]),
                },
                order=20,
            )
        )
    if roles.LEAD in granted:
        result.append(
            Panel(
                "courses/home/_team.html",
                {"assignments": list(selectors.assignment_list(user=user)[:8])},
                order=30,
            )
        )
    if roles.TRAINER in granted:
        result.append(
            Panel(
                "courses/home/_trainer.html",
                {"courses": list(selectors.authored_courses(user=user)[:8])},
                order=30,
            )
        )
    return result
