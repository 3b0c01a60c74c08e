"""Every route, for every kind of person, with the other tenant's ids.

The walk takes each URL pattern from Django's resolver (through includes and
namespaces) and checks it against the OpenAPI schema, fills its path
parameters with the objects of the tenant the person must not see, and
fails on a 5xx or on a body that shows that tenant's markers (see
``tests.security.tenants``). Anonymous unsafe requests must be refused.

A new route whose parameter the walk cannot fill fails here: add a line to
``KINDS`` (or ``ROUTE_KINDS``) so that it is checked like the others.
"""

import dataclasses
import io
import re
import zipfile
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.tenants import CATEGORIES, Tenants, marker, tenants_build

pytestmark = pytest.mark.django_db

# (literal segment just before the parameter, parameter name) -> kind of object.
KINDS: dict[tuple[str, str], str] = {
    ("territories", "pk"): "territory",
    ("distributors", "pk"): "distributor",
    ("teams", "pk"): "distributor",
    ("memberships", "pk"): "membership",
    ("members", "membership_id"): "membership",
    ("invitations", "pk"): "invitation",
    ("invitations", "invitation_id"): "invitation",
    ("invitations", "token"): "invitation_token",
    ("field-reports", "pk"): "field_report",
    ("events", "pk"): "event",
    ("courses", "slug"): "course",
    ("authoring", "slug"): "course",
    ("", "slug"): "course",  # /courses/<slug>/: course pages come last
    ("paths", "slug"): "path",
    ("learning-paths", "slug"): "path",
    ("modules", "pk"): "module",
    ("lessons", "pk"): "lesson",
    ("questions", "pk"): "quiz_question",
    ("quiz-attempts", "pk"): "quiz_attempt",
    ("enrolments", "pk"): "enrollment",
    ("certificates", "code"): "certificate",
    ("verify", "code"): "certificate",
    ("assignments", "pk"): "assignment",
    ("sessions", "pk"): "session",
    ("hosted-sessions", "pk"): "session",
    ("series", "pk"): "series",
    ("polls", "pk"): "poll",
    ("materials", "pk"): "material",
    ("calendar", "token"): "calendar_token",
    ("reset", "uidb64"): "user_uid",
    ("reset", "token"): "password_reset_token",
    ("export", "dataset"): "export_dataset",
    ("tokens", "pk"): "api_token",
    ("unsubscribe", "token"): "unsubscribe_token",
    ("s", "code"): "short_link",
    ("africastalking", "token"): "webhook_token",
}
# A route whose parameters the segment rule cannot tell apart: route name -> {parameter: kind}.
ROUTE_KINDS: dict[str, dict[str, str]] = {}

# Routes that hold a secret in their path (the key is the permission) or that
# are public by design: the categories of the key holder's tenant they may show.
KEY_ROUTES: dict[str, set[str]] = {
    # Public verification of a certificate: the holder's name and the course title.
    "courses:verify": {"people", "content"},
    "api:courses-certificate-verify": {"people", "content"},
    # The private calendar feed: the token is the key to its holder's sessions.
    "webinars:calendar_feed": {"people", "content"},
    # The invitation link: the invitee sees who invites them, to which distributor.
    "distributors:invitation_accept": {"people", "network", "private"},
    # The unsubscribe link of an e-mail: the token names the address it went to.
    "academy:unsubscribe": {"people"},
    "academy:unsubscribe_undo": {"people"},
    # The short link of an SMS: a redirect to a page of the site, which checks its own permissions.
    "academy:short_link": set(),
}

# Pages that a signed-out visitor may send (a form of the public site): no 2xx check, 5xx still fails.
PUBLIC_UNSAFE = {
    "academy:login",
    "academy:password_reset",
    "academy:language",
    "distributors:invitation_accept",
    "courses:verify_form",
    "admin:login",
    "academy:password_reset_confirm",
    # Browsers send violation reports without credentials; the endpoint only logs a capped summary.
    "csp_report",
    # RFC 8058: mail providers POST the one-click unsubscribe without cookies; the signed token is the key.
    "academy:unsubscribe",
    "academy:unsubscribe_undo",
}
# Not listed above on purpose: "webinars:bbb_webhook" takes anonymous POSTs
# without a CSRF token, but only signed ones (bbb-webhooks' checksum); the walk
# checks that an unsigned request is refused (401) like any other.
# Routes the walk leaves out, with the reason.
SKIPPED = {
    "admin:logout": "signs the admin out in the middle of the walk",
    "academy:logout": "signs the person out in the middle of the walk",
}
# Unnamed patterns the walk knows, by regex: Django's own.
UNNAMED = {
    r"(?P<url>.*)$": "the admin's catch-all (redirects to sign-in or answers 404)",
    "<path:object_id>/": "the admin's redirect from an object's old address to its change page",
}

# Pages made from the code, not from data (the same for every signed-in
# person): fetched once signed in, where no tenant's marker may appear, and
# walked signed out like the others.
DATA_FREE = {"api-schema"}

# The admin is for staff only: signed-out, a learner's and an admin's walks cover it.
ADMIN_WALKERS = {"anonymous", "learner of A", "admin"}
UNSAFE = ("post", "put", "patch", "delete")


@dataclasses.dataclass
class Route:
    name: str
    pattern: str  # the pattern text, for messages and the schema
    params: list[tuple[str, str, str]]  # (preceding literal segment, parameter, sub-regex)
    api: bool


_PARAM = re.compile(r"<(?:[^>:]+:)?(?P<name>[^>]+)>|\(\?P<(?P<group>\w+)>(?P<regex>[^)]*)\)")


def _params(text: str) -> list[tuple[str, str, str]]:
    """The parameters of a full pattern text, each with the last literal segment before it."""
    found = []
    for match in _PARAM.finditer(text):
        literal = [part for part in text[: match.start()].split("/") if part and not re.search(r"[<(]", part)]
        segment = re.sub(r"[^\w-]", "", literal[-1]) if literal else ""
        found.append((segment, match["name"] or match["group"], match["regex"] or ""))
    return found


def routes() -> Iterator[Route]:
    def walk(patterns, prefix: str, namespace: str) -> Iterator[Route]:
        for entry in patterns:
            text = str(entry.pattern)
            if isinstance(entry, URLResolver):
                inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
                yield from walk(entry.url_patterns, prefix + text, inner.lstrip(":"))
            elif isinstance(entry, URLPattern):
                full = prefix + text
                if not entry.name:
                    name = f"<unnamed {full}>"
                else:
                    name = f"{namespace}:{entry.name}" if namespace else entry.name
                yield Route(name=name, pattern=full, params=_params(full), api=full.startswith("api/v1/"))

    yield from walk(get_resolver().url_patterns, "", "")


def _admin_object(name: str, tenant_key: str, tenants: Tenants) -> str | None:
    """The object id of an admin page named ``admin:<app>_<model>_<view>``."""
    match = re.fullmatch(
        r"admin:(?P<app>[a-z_]+?)_(?P<model>[a-z]+)_(change|delete|history|password_change)", name
    )
    if match is None:
        return None
    try:
        model = apps.get_model(match["app"], match["model"])
    except LookupError:
        return None
    if model._meta.swapped:  # UserAdmin names its pages after auth.User
        model = get_user_model()
    tenant = tenants[tenant_key]
    fields = {field.name for field in model._meta.get_fields()}
    queryset = model._default_manager.order_by("-pk")
    if model is type(tenant.staff):
        return str(tenant.staff.pk)
    if "distributor" in fields:
        queryset = queryset.filter(distributor=tenant.distributor)
    found = queryset.first() or model._default_manager.order_by("-pk").first()
    return str(found.pk) if found is not None else "0"


def fill(route: Route, tenant_key: str, tenants: Tenants) -> list[str] | str:
    """The URLs of ``route`` with the tenant's objects, or a message naming what is missing."""
    values: dict[str, list[str]] = {}
    for segment, param, regex in route.params:
        kind = ROUTE_KINDS.get(route.name, {}).get(param) or KINDS.get((segment, param))
        if kind is not None:
            values[param] = tenants[tenant_key].values[kind]
        elif re.fullmatch(r"[\w-]+(\|[\w-]+)+", regex):
            values[param] = regex.split("|")  # an alternation of words: each of them
        elif route.name == "admin:view_on_site":
            distributor = tenants[tenant_key].distributor
            values["content_type_id"] = [str(ContentType.objects.get_for_model(distributor).pk)]
            values["object_id"] = [str(distributor.pk)]
        elif param in ("object_id", "id") and route.name.startswith("admin:"):
            found = _admin_object(route.name, tenant_key, tenants)
            if found is None:
                return f"{route.name} ({route.pattern}): no model for the admin's {param}"
            values[param] = [found]
        else:
            return (
                f"{route.name} ({route.pattern}): the walk cannot fill <{param}> after '{segment}/'. "
                "Add a filler to KINDS or ROUTE_KINDS in tests/security/test_isolation.py "
                "(and the object to tests/security/tenants.py)."
            )
    name = route.name
    combos: list[dict[str, str]] = [{}]
    for param, options in values.items():
        combos = [{**combo, param: option} for combo in combos for option in options]
    return [reverse(name, kwargs=combo) for combo in combos]


def body_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":  # xlsx: the strings are in the zipped XML
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                content = b"".join(archive.read(member) for member in archive.namelist())
        except zipfile.BadZipFile:
            pass
    return content.decode("utf-8", errors="replace").lower()


@dataclasses.dataclass
class Actor:
    name: str
    user: object | None
    fill_with: str  # the tenant whose ids fill the path
    forbidden: dict[str, set[str]]  # tenant -> categories this actor must never see
    # Another person of the same role already walks the routes without
    # parameters (the two tenants are built alike): this one walks the routes
    # with object ids only.
    objects_only: bool = False


def actors(tenants: Tenants) -> list[Actor]:
    everything = set(CATEGORIES)
    network_data = {"people", "network", "private"}
    return [
        Actor("anonymous", None, "B", {"A": everything, "B": everything}),
        Actor("learner of A", tenants.a.staff, "B", {"B": everything}),
        Actor("lead of A", tenants.a.lead, "B", {"B": everything}),
        Actor("member of B", tenants.b.staff, "A", {"A": everything}, objects_only=True),
        Actor("manager of B", tenants.b.manager, "A", {"A": network_data}),
        Actor("trainer", tenants.trainer, "B", {"A": {"private"}, "B": {"private"}}),
        Actor("admin", tenants.admin, "B", {}),
    ]


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _leaks(text: str, actor: Actor, route: Route, tenant_key: str) -> list[str]:
    found = []
    for tenant, categories in actor.forbidden.items():
        allowed = KEY_ROUTES.get(route.name, set()) if tenant == tenant_key else set()
        for category in categories - allowed:
            if marker(tenant, category) in text:
                found.append(marker(tenant, category))
    return found


def _schema_paths(tenants: Tenants) -> dict[str, set[str]]:
    response = _client(tenants.admin).get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200, response.status_code
    text = body_text(response)
    shown = [
        marker(key, category) for key in "AB" for category in CATEGORIES if marker(key, category) in text
    ]
    assert not shown, f"the schema is made from the code, yet it shows {shown}"
    return {
        path: {method for method in operations if method in ("get", *UNSAFE)}
        for path, operations in response.json()["paths"].items()
    }


def _schema_template(route: Route) -> str:
    """The schema's path of an API route (``/api/v1/lessons/{pk}/``)."""
    text = "/" + route.pattern.replace("^", "").replace("$", "")
    text = _PARAM.sub(lambda match: "{" + (match["name"] or match["group"]) + "}", text)
    return text.replace("{pk}", "{id}")  # drf-spectacular names a primary key ``id``


def test_every_route_is_walked_and_isolates_tenants():
    tenants = tenants_build()
    all_routes = list(routes())
    problems: list[str] = []

    # Every route is classified: named, fillable, and (for the API) in the schema.
    schema = _schema_paths(tenants)
    urls: dict[tuple[str, str], list[str]] = {}
    for route in all_routes:
        if route.name.startswith("<unnamed"):
            if not any(route.pattern.endswith(known) for known in UNNAMED):
                problems.append(f"{route.name}: give the route a name so the isolation walk can fill it")
            continue
        if route.name in SKIPPED:
            continue
        for tenant_key in ("A", "B"):
            filled = fill(route, tenant_key, tenants)
            if isinstance(filled, str):
                problems.append(filled)
                break
            urls[(route.name, tenant_key)] = filled
        if route.api and _schema_template(route) not in schema:
            problems.append(f"{route.name} ({route.pattern}): not in the OpenAPI schema")
    walked_api = {_schema_template(route) for route in all_routes if route.api}
    problems += [
        f"{path}: in the schema but not among the resolver's routes" for path in schema.keys() - walked_api
    ]
    assert not problems, "\n".join(problems)

    # GET every route as every actor, with the ids of the tenant they must not see.
    routes_by_name = {route.name: route for route in all_routes}
    for actor in actors(tenants):
        client = _client(actor.user)
        for (name, tenant_key), addresses in urls.items():
            if tenant_key != actor.fill_with:
                continue
            route = routes_by_name[name]
            if name.startswith("admin:") and actor.name not in ADMIN_WALKERS:
                continue
            if actor.user is not None and name in DATA_FREE:
                continue
            if actor.objects_only and not route.params:
                continue
            for url in addresses:
                response = client.get(url)
                if response.status_code >= 500:
                    problems.append(f"{actor.name}: GET {url} ({name}) answered {response.status_code}")
                    continue
                # The page may repeat its own address (a language form's ``next``): not a leak.
                text = body_text(response).replace(url.lower(), "")
                leaks = _leaks(text, actor, route, tenant_key)
                if leaks:
                    problems.append(
                        f"{actor.name}: GET {url} ({name}) answered {response.status_code} showing {leaks}"
                    )

    # Anonymous unsafe requests are refused, never carried out and never a crash.
    anonymous = _client(None)
    for (name, tenant_key), addresses in urls.items():
        if tenant_key != "B":
            continue
        route = routes_by_name[name]
        methods = schema.get(_schema_template(route), set()) - {"get"} if route.api else {"post"}
        for method in sorted(methods):
            for url in addresses:
                response = getattr(anonymous, method)(url, content_type="application/json", data="{}")
                status = response.status_code
                refused = status in (302, 401, 403, 405)
                if status >= 500 or (name not in PUBLIC_UNSAFE and not refused):
                    problems.append(f"anonymous: {method.upper()} {url} ({name}) answered {status}")

    assert not problems, "\n".join(problems)
