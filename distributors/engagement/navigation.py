from django.utils.translation import gettext_lazy as _

from academy import roles
from academy.navigation import NavItem

ITEMS = [
    NavItem(_("Engagement"), "engagement:dashboard", (roles.MANAGER, roles.ADMIN), order=12),
    NavItem(_("Team progress"), "engagement:team", (roles.LEAD,), order=12),
    NavItem(_("My progress"), "engagement:me", (roles.LEARNER,), order=14),
]
