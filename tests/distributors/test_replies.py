"""Replies from the field (the managers' page of the WhatsApp and SMS
replies nothing acted on) and who pays for messages: each distributor, with
its own daily cap."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from academy.messaging.kinds import cost_centers
from academy.messaging.models import InboundMessage, MessageSpend, ReplyOutcome, TextMessage
from academy.messaging.services import inbound_receive, message_send, texts_dispatch
from academy.models import OutgoingEmail
from distributors import cost_centers as distributor_cost_centers
from distributors.models import Distributor
from tests.academy.factories import UserFactory
from tests.distributors.factories import MembershipFactory
from tests.texting import person_with_phone

pytestmark = pytest.mark.django_db

KIND = "webinars.reminder"  # any kind a person may take by SMS, with e-mail after it
URL = reverse("distributors:text_replies")
READ_URL = reverse("distributors:text_replies_read")
_ids = itertools.count(1)


def write(number: str, text: str, *, at: datetime.datetime | None = None) -> InboundMessage:
    reply = inbound_receive(
        channel="sms",
        provider="recording_sms",
        provider_message_id=f"in-{next(_ids)}",
        from_number=number,
        text=text,
        received_at=at,
    )
    assert reply is not None
    return reply


@pytest.fixture
def field(network):
    """A question from the staff of each distributor, a STOP (acted on, not
    kept), and a message from a number nobody has."""
    net = network
    for user in (net.staff_a, net.staff_b, net.lead_a):
        person_with_phone(user, kind=KIND)
    net.question_a = write(str(net.staff_a.phone), "Question A: les réactifs arrivent quand ?")
    net.question_b = write(str(net.staff_b.phone), "Question B: facture en double")
    net.stopped = write(str(net.lead_a.phone), "STOP")
    net.stranger = write("+33612345678", "Qui êtes-vous ?")
    assert net.stopped.outcome == ReplyOutcome.STOPPED
    assert net.stranger.outcome == ReplyOutcome.UNKNOWN_SENDER
    return net


def _texts(response) -> list[str]:
    return [reply.text for reply in response.context["page"].object_list]


def test_a_manager_reads_the_replies_of_their_territory_only(client, field):
    client.force_login(field.manager_a)
    response = client.get(URL)
    assert response.status_code == 200
    assert _texts(response) == [field.question_a.text]
    body = response.content.decode()
    assert "Question B" not in body and "Qui êtes-vous" not in body
    assert field.distributor_a.name in body


def test_the_other_territorys_manager_sees_nothing_of_it(client, field):
    client.force_login(field.manager_b)
    assert _texts(client.get(URL)) == [field.question_b.text]


def test_an_admin_also_reads_unknown_numbers(client, field):
    client.force_login(field.admin)
    response = client.get(URL)
    assert _texts(response) == [field.stranger.text, field.question_b.text, field.question_a.text]
    assert "+33612345678" in response.content.decode()


@pytest.mark.parametrize("who", ["lead_a", "staff_a", "trainer"])
def test_others_are_refused(client, field, who):
    client.force_login(getattr(field, who))
    assert client.get(URL).status_code == 403
    assert client.post(READ_URL, {"all": "1"}).status_code == 403
    assert not InboundMessage.objects.filter(read_at__isnull=False).exists()


def test_anonymous_is_sent_to_sign_in(client, field):
    assert client.get(URL).status_code == 302
    assert client.post(READ_URL, {"all": "1"}).status_code == 302


def test_someone_who_left_the_distributor_is_no_longer_the_managers(client, field):
    from distributors import services

    membership = field.staff_a.memberships.get(left_on__isnull=True)
    services.membership_end(ended_by=field.manager_a, membership=membership)
    client.force_login(field.manager_a)
    assert _texts(client.get(URL)) == []


def test_newest_first_paginated_with_an_empty_state(client, network):
    person_with_phone(network.staff_a, kind=KIND)
    start = timezone.now() - datetime.timedelta(days=2)
    for n in range(23):
        write(str(network.staff_a.phone), f"message {n:02d}", at=start + datetime.timedelta(minutes=n))
    client.force_login(network.manager_a)
    first = client.get(URL)
    assert _texts(first) == [f"message {n:02d}" for n in range(22, 2, -1)]
    assert _texts(client.get(URL, {"page": 2})) == ["message 02", "message 01", "message 00"]

    client.force_login(network.manager_b)
    empty = client.get(URL)
    assert empty.status_code == 200 and _texts(empty) == []
    assert "Aucune réponse à lire" in empty.content.decode()


def test_mark_as_read_touches_only_what_the_manager_sees(client, field):
    client.force_login(field.manager_a)
    client.post(READ_URL, {"reply": field.question_b.pk})  # another territory's: nothing
    field.question_b.refresh_from_db()
    assert field.question_b.read_at is None

    response = client.post(READ_URL, {"reply": field.question_a.pk})
    assert response.status_code == 302
    field.question_a.refresh_from_db()
    assert field.question_a.read_at is not None
    first_read = field.question_a.read_at

    client.post(READ_URL, {"all": "1"})
    assert set(InboundMessage.objects.filter(read_at__isnull=False).values_list("pk", flat=True)) == {
        field.question_a.pk
    }
    field.question_a.refresh_from_db()
    assert field.question_a.read_at == first_read  # read once: the time stays

    client.post(READ_URL, {})  # nothing chosen: an error, nothing marked
    client.force_login(field.admin)
    client.post(READ_URL, {"all": "1"})
    assert not InboundMessage.objects.filter(
        read_at__isnull=True, outcome__in=[ReplyOutcome.STORED, ReplyOutcome.UNKNOWN_SENDER]
    ).exists()


def test_the_page_is_in_the_managers_navigation(client, field):
    client.force_login(field.manager_a)
    assert URL in client.get(reverse("distributors:list")).content.decode()
    client.force_login(field.staff_a)
    assert URL not in client.get(reverse("distributors:mine")).content.decode()


@pytest.mark.parametrize("who", ["admin", "manager_a"])
def test_query_count_does_not_grow_with_rows(client, field, who):
    client.force_login(getattr(field, who))
    client.get(URL)
    with CaptureQueriesContext(connection) as before:
        client.get(URL)
    write(str(field.staff_a.phone), "encore une question")
    write("+33700000000", "inconnu")
    with CaptureQueriesContext(connection) as after:
        response = client.get(URL)
    assert len(_texts(response)) == (5 if who == "admin" else 2)
    assert len(after) == len(before), [q["sql"] for q in after.captured_queries]
    assert len(after) == 6, "\n".join(q["sql"] for q in after.captured_queries)


# ---------------------------------------------------------------- cost centres


def test_the_cost_centre_is_the_persons_current_distributor(network):
    centers = cost_centers()
    assert centers is not None and centers.key_for is distributor_cost_centers.key_for
    key = f"distributor:{network.distributor_a.pk}"
    assert centers.key_for(network.staff_a) == key
    assert centers.key_for(network.trainer) == ""
    assert centers.key_for(network.manager_a) == ""
    assert centers.label(key) == network.distributor_a.name
    assert centers.daily_cap(key) is None  # the platform's cap applies
    Distributor.objects.filter(pk=network.distributor_a.pk).update(message_daily_cap=3)
    assert centers.daily_cap(key) == 3
    assert centers.daily_cap("distributor:999999") is None
    assert centers.daily_cap("") is None and centers.daily_cap("distributor:x") is None
    assert centers.label("distributor:999999") == "distributor:999999"


def test_a_distributor_over_its_cap_gets_email_and_spend_is_per_distributor_and_day(
    texting, network, settings
):
    settings.MESSAGING_DAILY_CAP = 100
    Distributor.objects.filter(pk=network.distributor_a.pk).update(message_daily_cap=1)
    second_a = MembershipFactory(distributor=network.distributor_a, role="staff").user
    people = [person_with_phone(user, kind=KIND) for user in (network.staff_a, second_a, network.staff_b)]

    def send(user, tag):
        message = message_send(key=f"test.cap.{tag}.{user.pk}", kind=KIND, user=user, template="tests/note")
        assert message is not None and message.chain == ["sms", "email"]
        return message

    first, over, other = (send(user, "day1") for user in people)
    assert first.cost_center == f"distributor:{network.distributor_a.pk}"
    assert other.cost_center == f"distributor:{network.distributor_b.pk}"
    now = timezone.now()
    texts_dispatch(now=now)

    assert [text.to for text in texting.sent] == [str(people[0].phone), str(people[2].phone)]
    assert TextMessage.objects.get(message=over).status == "failed"
    assert OutgoingEmail.objects.filter(message=over, to=second_a.email).exists()
    assert not OutgoingEmail.objects.filter(message__in=[first, other]).exists()
    today = now.astimezone(datetime.UTC).date()
    spend = {(row.cost_center, row.day, row.channel): row.count for row in MessageSpend.objects.all()}
    assert spend == {
        (first.cost_center, today, "sms"): 1,
        (other.cost_center, today, "sms"): 1,
    }

    # The next day the distributor's cap starts again.
    tomorrow = now + datetime.timedelta(days=1)
    again = send(second_a, "day2")
    texts_dispatch(now=tomorrow)
    assert TextMessage.objects.get(message=again).provider_message_id.startswith("recording-sms-")
    assert MessageSpend.objects.get(cost_center=first.cost_center, day=today).count == 1
    assert MessageSpend.objects.get(cost_center=first.cost_center, day=tomorrow.date()).count == 1


def test_company_staff_count_against_the_platforms_cap(texting, network, settings):
    settings.MESSAGING_DAILY_CAP = 1
    trainers = [person_with_phone(UserFactory(role="trainer"), kind=KIND) for _ in range(2)]
    messages = [
        message_send(key=f"test.staff.{user.pk}", kind=KIND, user=user, template="tests/note")
        for user in trainers
    ]
    assert all(message is not None and message.cost_center == "" for message in messages)
    texts_dispatch()
    assert len(texting.sent) == 1
    assert OutgoingEmail.objects.filter(message=messages[1]).exists()
    assert MessageSpend.objects.get(cost_center="").count == 1


def test_the_cap_is_editable_in_the_admin(client, network):
    client.force_login(network.admin)
    url = reverse("admin:distributors_distributor_change", args=[network.distributor_a.pk])
    assert 'name="message_daily_cap"' in client.get(url).content.decode()
