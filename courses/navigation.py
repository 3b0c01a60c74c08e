from django.utils.translation import gettext_lazy as _

from academy import roles
from academy.navigation import NavItem

ITEMS = [
    NavItem(_("Catalogue"), "courses:catalogue", order=20),
    NavItem(_("My learning"), "courses:my_learning", order=21),
    NavItem(_("Authoring"), "courses:authoring", (roles.TRAINER, roles.ADMIN), order=40),
    NavItem(_("Assignments"), "courses:assignments", (roles.MANAGER, roles.LEAD, roles.ADMIN), order=41),
]
