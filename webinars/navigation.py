from django.utils.translation import gettext_lazy as _

from academy import roles
from academy.navigation import NavItem

ITEMS = [
    NavItem(_("Web-conferences"), "webinars:sessions", (roles.LEARNER, roles.LEAD), order=30),
    NavItem(_("Host web-conferences"), "webinars:manage", (roles.TRAINER, roles.ADMIN), order=31),
    NavItem(
        _("Web-conference attendance"), "webinars:attendance_report", (roles.MANAGER, roles.ADMIN), order=32
    ),
]
