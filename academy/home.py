"""The home page, assembled from every app.

Each app may have a ``home.py`` with ``panels(request, granted)`` returning a
list of ``Panel``: a template and its context, for the roles the app serves.
The home page is for signed-in people, so ``request`` is an
:class:`~academy.http.AuthenticatedHttpRequest`. The home page shows the
panels in ``order``; with none, it shows an empty state for the person's role.
"""

from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.apps import apps
from django.utils.module_loading import module_has_submodule

from academy.http import AuthenticatedHttpRequest


@dataclass
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


def panels_for(request: AuthenticatedHttpRequest, granted: frozenset[str]) -> list[Panel]:
    panels: list[Panel] = []
    for config in apps.get_app_configs():
        if config.name == "academy" or not module_has_submodule(config.module, "home"):
            continue
        module = import_module(f"{config.name}.home")
        panels.extend(module.panels(request, granted))
    return sorted(panels, key=lambda panel: panel.order)
