"""What an API token may reach: its scopes.

The API is cut into **areas**, one per app that has an API; each app
registers its area from its ``ready()`` with :func:`scope_area_register`
(the kernel registers ``profile``). A view belongs to the area of the app
whose module defines it, so a new endpoint is covered by its app's scopes the
day it ships; a view of an app without an area is closed to tokens.

Scopes, for an area ``a``:

* ``a:read`` — the safe methods (GET, HEAD, OPTIONS) on the area's endpoints;
* ``a:write`` — every method on them (reading included);
* ``read`` / ``write`` — the same on every area.

A scope only narrows what the token's owner may do: each endpoint still
checks the person's role and tenant as it does for a signed-in browser.
Session and basic authentication carry no scopes.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.apps import apps
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ALL = "read"
WRITE_ALL = "write"


@dataclass(frozen=True)
class ScopeArea:
    """One area of the API: ``name`` (in scope names), ``title`` (shown to
    people choosing scopes), ``app_label`` (the app whose API views it
    covers) and whether it has endpoints that write."""

    name: str
    title: "_StrOrPromise"
    app_label: str
    writes: bool = True


_areas: dict[str, ScopeArea] = {}


def scope_area_register(area: ScopeArea) -> None:
    """Add (or replace) an app's area; called from the app's ``ready()``."""
    _areas[area.name] = area


def scope_areas() -> tuple[ScopeArea, ...]:
    """Every registered area, by name."""
    return tuple(sorted(_areas.values(), key=lambda area: area.name))


@dataclass(frozen=True)
class Scope:
    name: str
    title: "_StrOrPromise"


def scope_list() -> list[Scope]:
    """Every scope a token may be given, in the order people see them."""
    scopes = [
        Scope(READ_ALL, _("Read everything you may read")),
        Scope(WRITE_ALL, _("Read and change everything you may change")),
    ]
    for area in scope_areas():
        scopes.append(Scope(f"{area.name}:read", _("%(area)s: read") % {"area": area.title}))
        if area.writes:
            scopes.append(Scope(f"{area.name}:write", _("%(area)s: read and change") % {"area": area.title}))
    return scopes


def scope_names() -> frozenset[str]:
    return frozenset(scope.name for scope in scope_list())


def view_area(view_class: type) -> ScopeArea | None:
    """The area of an API view: its app's, or None (closed to tokens)."""
    config = apps.get_containing_app_config(view_class.__module__)
    if config is None:
        return None
    return next((area for area in _areas.values() if area.app_label == config.label), None)


def required_scope(area: ScopeArea, method: str) -> str:
    """The narrowest scope that allows ``method`` on ``area``."""
    return f"{area.name}:read" if method.upper() in SAFE_METHODS else f"{area.name}:write"


def scopes_allow(scopes: "frozenset[str] | set[str] | list[str]", area: ScopeArea, method: str) -> bool:
    """Whether a token holding ``scopes`` may send ``method`` to ``area``."""
    held = set(scopes)
    if WRITE_ALL in held or f"{area.name}:write" in held:
        return True
    return method.upper() in SAFE_METHODS and (READ_ALL in held or f"{area.name}:read" in held)


def api_views() -> Iterator[tuple[str, type]]:
    """Every API route (``/api/v1/...``) and its view class, for the checks
    and the schema's list of areas."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns: list, prefix: str) -> Iterator[tuple[str, type]]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                view_class = getattr(pattern.callback, "cls", None) or getattr(
                    pattern.callback, "view_class", None
                )
                if view_class is not None:
                    yield "/" + route, view_class

    for route, view_class in walk(get_resolver().url_patterns, ""):
        if route.startswith("/api/v1/"):
            yield route, view_class
