"""Signed-in people sending unsafe requests at the other tenant's objects.

A few representative routes (pages and API), each as a person who may do
the action in their own tenant: the request is refused and the object's row
is exactly as it was.
"""

import pytest
from django.test import Client
from django.urls import reverse

from courses.models import Assignment
from distributors.models import Invitation, Membership
from tests.security.tenants import tenants_build

pytestmark = pytest.mark.django_db


def _row(model, pk):
    return model.objects.filter(pk=pk).values().get()


def test_unsafe_requests_at_the_other_tenants_objects_are_refused():
    tenants = tenants_build()
    a, b = tenants.a, tenants.b
    membership, invitation, assignment = (
        int(b.values[kind][0]) for kind in ("membership", "invitation", "assignment")
    )
    pages = "distributors:member_remove", "courses:assignment_cancel"
    cases = [
        # (who, method, route, kwargs, data, model, pk of the row that must not change)
        (
            a.lead,
            "post",
            pages[0],
            {"pk": b.distributor.pk, "membership_id": membership},
            {},
            Membership,
            membership,
        ),
        (a.lead, "post", pages[1], {"pk": assignment}, {}, Assignment, assignment),
        (a.manager, "post", pages[1], {"pk": assignment}, {}, Assignment, assignment),
        (
            a.manager,
            "post",
            "api:distributors-membership-end",
            {"pk": membership},
            {},
            Membership,
            membership,
        ),
        (
            a.lead,
            "post",
            "api:distributors-invitation-revoke",
            {"pk": invitation},
            {},
            Invitation,
            invitation,
        ),
        (
            a.lead,
            "post",
            "api:distributors-invitation-resend",
            {"pk": invitation},
            {},
            Invitation,
            invitation,
        ),
        (a.manager, "post", "api:courses-assignment-cancel", {"pk": assignment}, {}, Assignment, assignment),
        (a.lead, "post", "api:courses-assignment-cancel", {"pk": assignment}, {}, Assignment, assignment),
    ]
    problems = []
    for user, method, name, kwargs, data, model, pk in cases:
        client = Client(raise_request_exception=False)
        client.force_login(user)
        before = _row(model, pk)
        url = reverse(name, kwargs=kwargs)
        response = getattr(client, method)(url, data, content_type="application/json")
        if response.status_code not in (403, 404) or _row(model, pk) != before:
            problems.append(f"{user.email}: {method.upper()} {url} ({name}) answered {response.status_code}")
    # The API's assignment to the other tenant's distributor, by id.
    client = Client(raise_request_exception=False)
    client.force_login(a.manager)
    count = Assignment.objects.count()
    response = client.post(
        reverse("api:courses-assignment-list"),
        {"distributor": b.distributor.pk, "course": b.values["course"][0], "due_days": 3},
        content_type="application/json",
    )
    if response.status_code != 400 or Assignment.objects.count() != count:
        problems.append(f"assigning to the other tenant's distributor answered {response.status_code}")
    assert not problems, "\n".join(problems)
