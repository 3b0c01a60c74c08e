"""The main navigation, assembled from every app.

Each app may have a ``navigation.py`` with ``ITEMS``: a list of ``NavItem``.
An item shows when the person holds one of its roles (an empty tuple: any
signed-in person). Pages still check permissions on the server; this only
decides what is offered.
"""

from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

from django.apps import apps
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext_lazy as _

from academy import roles

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise  # the stubs' name for "a str or a lazy one"


@dataclass(frozen=True)
class NavItem:
    label: "_StrOrPromise"  # usually gettext_lazy, translated when shown
    url_name: str
    roles: tuple[str, ...] = ()
    order: int = 100

    def visible_to(self, granted: frozenset[str]) -> bool:
        return not self.roles or bool(granted.intersection(self.roles))


@cache
def all_items() -> tuple[NavItem, ...]:
    items: list[NavItem] = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "navigation"):
            module = import_module(f"{config.name}.navigation")
            items.extend(getattr(module, "ITEMS", ()))
    return tuple(sorted(items, key=lambda item: item.order))


def items_for(granted: frozenset[str]) -> list[NavItem]:
    return [item for item in all_items() if item.visible_to(granted)]


ITEMS = [
    NavItem(_("Home"), "academy:home", order=0),
    NavItem(_("Administration"), "admin:index", (roles.ADMIN,), order=900),
]
