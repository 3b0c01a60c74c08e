from django.utils.translation import gettext_lazy as _

from academy import roles
from academy.navigation import NavItem

ITEMS = [
    NavItem(_("Distributors"), "distributors:list", (roles.MANAGER, roles.ADMIN), order=10),
    NavItem(_("My distributor"), "distributors:mine", (roles.LEARNER,), order=10),
    NavItem(
        _("Field reports"),
        "distributors:field_report_list",
        (roles.LEARNER, roles.MANAGER, roles.ADMIN),
        order=60,
    ),
    NavItem(_("Replies from the field"), "distributors:text_replies", (roles.MANAGER, roles.ADMIN), order=61),
]
