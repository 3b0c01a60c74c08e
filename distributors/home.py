from typing import Any

from academy import roles
from academy.home import Panel
from academy.http import AuthenticatedHttpRequest
from distributors import selectors


def panels(request: AuthenticatedHttpRequest, granted: frozenset[str]) -> list[Panel]:
    user = request.user
    result: list[Panel] = []
    membership = selectors.membership_current(user=user)
    if membership is not None:
        context: dict[str, Any] = {"membership": membership}
        if roles.LEAD in granted:
            context["team"] = list(selectors.team_current(distributor=membership.distributor))
        result.append(Panel("distributors/home/_membership.html", context, order=10))
    elif granted == {roles.LEARNER}:
        result.append(Panel("distributors/home/_no_membership.html", order=10))
    if roles.MANAGER in granted or roles.ADMIN in granted:
        territories = list(selectors.territory_overview(user=user))
        result.append(Panel("distributors/home/_territories.html", {"territories": territories}, order=20))
    return result
