"""Forwarding of the engagement log to a learning record store, against a
local LRS (tests/fakes/lrs.py) that validates every request and statement."""

import datetime
import socket
import uuid

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from academy.models import StatementForward, Verb
from academy.outbox import OutboxStatus, due_q, outbox_claim, outbox_drain, outboxes
from distributors.engagement.lrs import STATEMENT_OUTBOX, statements_forward
from tests.engagement.conftest import activity
from tests.fakes import lrs as fake

pytestmark = pytest.mark.django_db


@pytest.fixture
def lrs(settings):
    with fake.FakeLRS() as server:
        settings.XAPI_LRS_URL = server.url
        settings.XAPI_LRS_USERNAME = fake.USERNAME
        settings.XAPI_LRS_PASSWORD = fake.PASSWORD
        settings.XAPI_LRS_BATCH_SIZE = 3
        settings.XAPI_LRS_TIMEOUT_SECONDS = 0.5
        yield server


def events(network, count):
    made = []
    for index in range(count):
        made.append(
            activity(
                network.staff_a,
                days_ago=index,
                verb=Verb.QUIZ_PASSED,
                minutes=5,
                object_type="webinars.session",
                object_id=index + 1,
                object_name=f"Session {index}",
                context={"score": 70 + index},
            )
        )
    return made


def drain(now=None):
    return outbox_drain(STATEMENT_OUTBOX, now=now)


def test_the_outbox_is_registered():
    assert outboxes()["engagement.statements"] is STATEMENT_OUTBOX


def test_nothing_is_queued_or_sent_while_the_setting_is_empty(network, settings):
    settings.XAPI_LRS_URL = ""
    with fake.FakeLRS() as server:
        activity(network.staff_a, days_ago=1)
        assert not StatementForward.objects.exists()
        assert drain().sent == 0
        assert server.requests == []


def test_statements_are_posted_in_batches_and_valid(network, lrs, client):
    made = events(network, 5)
    report = drain()
    assert report.sent == 5 and report.errors == []
    assert [(method, status, count) for method, _path, status, count in lrs.requests] == [
        ("POST", 200, 3),
        ("POST", 200, 2),
    ]
    assert set(lrs.statements) == {str(event.statement_id) for event in made}
    assert set(StatementForward.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    # The store has what the statements endpoint serves, with its own stored and authority.
    client.force_login(network.admin)
    served = client.get(
        reverse("api:distributors-xapi-statements"), {"statementId": str(made[0].statement_id)}
    )
    kept = lrs.statements[str(made[0].statement_id)]
    assert {k: v for k, v in kept.items() if k not in ("stored", "authority")} == {
        k: v for k, v in served.json().items() if k != "stored"
    }
    assert kept["context"]["registration"] == served.json()["context"]["registration"]
    assert drain().sent == 0  # nothing twice
    assert len(lrs.requests) == 2


def _closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/xapi"


@pytest.mark.parametrize("outage", ["503", "timeout", "refused"])
def test_events_recorded_while_the_store_is_down_all_arrive_once(network, lrs, settings, outage):
    if outage == "503":
        lrs.fail_with = 503
    elif outage == "timeout":
        lrs.delay = 1.0
    else:
        settings.XAPI_LRS_URL = _closed_port_url()
    made = events(network, 2)
    now = timezone.now()
    report = drain(now)
    assert report.sent == 0 and report.retried == 2
    made += events(network, 2)  # recorded while it is still down
    assert drain(timezone.now()).sent == 0  # the new ones fail too; the first wait for their backoff
    lrs.fail_with, lrs.delay, settings.XAPI_LRS_URL = None, 0.0, lrs.url
    later = now + datetime.timedelta(hours=2)
    assert drain(later).sent == 4
    assert set(lrs.statements) == {str(event.statement_id) for event in made}
    assert drain(later + datetime.timedelta(hours=2)).sent == 0
    assert StatementForward.objects.filter(status=OutboxStatus.SENT).count() == 4


def test_a_batch_sent_but_not_marked_is_sent_again_and_stored_once(network, lrs, settings):
    made = events(network, 3)
    now = timezone.now()
    # A dispatcher claims the batch, the store takes it, and the dispatcher dies before marking it.
    ids = outbox_claim(
        StatementForward.objects.filter(due_q(now)),
        limit=3,
        claim={"claim_token": uuid.uuid4(), "claimed_at": now, "attempts": F("attempts") + 1},
    )
    assert statements_forward(list(STATEMENT_OUTBOX.rows().filter(pk__in=ids)), now) == dict.fromkeys(ids)
    assert len(lrs.statements) == 3
    assert drain(now).sent == 0  # the claim still holds
    # The same event's statement changed meanwhile (the person's name): the store answers 409.
    network.staff_a.first_name = "Renamed"
    network.staff_a.save()
    after_lease = now + datetime.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 1)
    report = drain(after_lease)
    assert report.sent == 3 and report.errors == []
    assert set(lrs.statements) == {str(event.statement_id) for event in made}
    assert [(method, status) for method, _path, status, _count in lrs.requests] == [
        ("POST", 200),
        ("POST", 409),
        ("PUT", 409),
        ("PUT", 409),
        ("PUT", 409),
    ]


def test_a_re_sent_identical_batch_is_stored_once(network, lrs):
    made = events(network, 2)
    rows = list(STATEMENT_OUTBOX.rows())
    assert statements_forward(rows, timezone.now()) == dict.fromkeys(row.pk for row in rows)
    assert drain().sent == 2  # the same statements again: the store ignores what it has
    assert len(lrs.statements) == 2 == len(made)
    assert [status for _method, _path, status, _count in lrs.requests] == [200, 200]


def test_a_statement_the_store_refuses_fails_alone(network, lrs):
    made = events(network, 3)
    lrs.reject_ids = {str(made[1].statement_id)}
    report = drain()
    assert report.sent == 2 and report.failed == 1 and report.retried == 0
    assert set(lrs.statements) == {str(made[0].statement_id), str(made[2].statement_id)}
    refused = StatementForward.objects.get(event=made[1])
    assert refused.status == OutboxStatus.FAILED
    assert "refused by this store" in refused.last_error
    events(network, 1)
    assert drain(timezone.now() + datetime.timedelta(days=1)).sent == 1  # the queue goes on
    assert len(lrs.statements) == 3


def test_wrong_credentials_are_retried_not_dropped(network, lrs, settings):
    settings.XAPI_LRS_PASSWORD = "wrong"
    events(network, 1)
    report = drain()
    assert report.retried == 1 and "HTTP 401" in report.errors[0]
    assert lrs.statements == {}


def test_rows_wait_when_forwarding_is_switched_off(network, lrs, settings):
    events(network, 1)
    settings.XAPI_LRS_URL = ""
    report = drain()
    assert report.deferred == 1 and lrs.requests == []
    assert StatementForward.objects.get().status == OutboxStatus.PENDING


def test_the_fake_store_refuses_what_the_spec_forbids():
    good = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": "mailto:a@b.example"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"en-US": "passed"}},
        "object": {"objectType": "Activity", "id": "https://academy.example/xapi/activities/x/1"},
        "timestamp": "2026-01-02T03:04:05.123Z",
        "result": {"duration": "PT12M", "score": {"scaled": 0.8, "raw": 80, "min": 0, "max": 100}},
    }
    fake.validate(good)
    bad = [
        {**good, "id": "12"},
        {**good, "actor": {"mbox": "mailto:a@b.example", "account": {"homePage": "x:y", "name": "n"}}},
        {**good, "actor": {"mbox": "a@b.example"}},
        {**good, "verb": {"id": "passed"}},
        {**good, "verb": {"id": "http://x.example/v", "display": {"english!": "x"}}},
        {**good, "object": {"id": "no iri"}},
        {**good, "timestamp": "yesterday"},
        {**good, "result": {"duration": "12 minutes"}},
        {**good, "result": {"score": {"scaled": 1.5}}},
        {**good, "extra": 1},
        {**good, "context": None},
    ]
    for statement in bad:
        with pytest.raises(fake.Invalid):
            fake.validate(statement)


def test_a_refused_statement_shows_in_the_admin_and_can_be_sent_again(network, lrs, client):
    made = events(network, 2)
    lrs.reject_ids = {str(made[0].statement_id)}
    drain()
    client.force_login(network.admin)
    url = reverse("admin:academy_statementforward_changelist")
    assert client.get(url, {"status__exact": "failed"}).status_code == 200
    refused = StatementForward.objects.get(event=made[0])
    detail = client.get(reverse("admin:academy_statementforward_change", args=[refused.pk])).content.decode()
    assert "refused by this store" in detail
    response = client.post(url, {"action": "retry", "_selected_action": [refused.pk]})
    assert response.status_code == 302
    lrs.reject_ids = set()  # the store's rule was fixed
    assert drain().sent == 1
    assert set(lrs.statements) == {str(event.statement_id) for event in made}
