"""Pages of the live room: the room itself, poll preparation, and what the
replay page and the trainer's page keep (answered questions, poll results)."""

import pytest
from django.urls import reverse

from tests.academy.factories import UserFactory
from tests.webinars.conftest import end_session
from tests.webinars.factories import RegistrationFactory, SessionFactory
from webinars import services
from webinars.models import Poll

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(network, settings):
    import datetime

    from django.utils import timezone

    session = SessionFactory(
        trainers=[network.trainer], starts_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    RegistrationFactory(session=session, user=network.staff_a)
    return services.session_start(actor=network.trainer, session=session)


def test_room_page_for_a_registrant(client, live, network, django_assert_num_queries):
    client.force_login(network.staff_a)
    url = reverse("webinars:session_room", args=[live.pk])
    with django_assert_num_queries(9):  # session, user, membership, notifications, session, room entry
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert f'data-socket="/ws/webinars/{live.pk}/"' in body and 'data-role="attendee"' in body
    assert 'id="room-strings"' in body and "room.js" in body
    assert "Trainer controls" not in body and "Contrôles du formateur" not in body


def test_room_page_for_the_trainer_has_the_controls(client, live, network):
    client.force_login(network.trainer)
    body = client.get(reverse("webinars:session_room", args=[live.pk])).content.decode()
    assert 'data-role="trainer"' in body and 'id="room-controls-title"' in body


def test_room_page_refusals(client, live, network):
    url = reverse("webinars:session_room", args=[live.pk])
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response.url
    client.force_login(network.lead_a)  # not registered
    response = client.get(url)
    assert response.status_code == 302 and response.url == reverse("webinars:session_detail", args=[live.pk])
    client.force_login(network.staff_a)
    assert client.get(reverse("webinars:session_room", args=[live.pk + 1000])).status_code == 404
    hidden = SessionFactory(
        audience={"audience_everyone": False, "audience_territories": [network.territory_b]}
    )
    assert client.get(reverse("webinars:session_room", args=[hidden.pk])).status_code == 404


def test_session_page_links_to_the_room_while_joining_is_open(client, live, network):
    client.force_login(network.staff_a)
    body = client.get(reverse("webinars:session_detail", args=[live.pk])).content.decode()
    assert reverse("webinars:session_room", args=[live.pk]) in body


def test_prepare_polls(client, session, network, django_assert_num_queries):
    client.force_login(network.trainer)
    url = reverse("webinars:session_polls", args=[session.pk])
    response = client.post(url, {"question": "Quel kit ?", "kind": "single", "options": "A\nB\n\nC"})
    assert response.status_code == 302
    poll = Poll.objects.get(session=session)
    assert [o.text for o in poll.options.all()] == ["A", "B", "C"]
    services.poll_create(
        actor=network.trainer, session=session, question="Q2", options=["x", "y"], kind="multiple"
    )
    with django_assert_num_queries(11):
        body = client.get(url).content.decode()
    assert "Quel kit ?" in body and "Q2" in body
    services.poll_create(
        actor=network.trainer, session=session, question="Q3", options=["x", "y"], kind="single"
    )
    with django_assert_num_queries(11):
        client.get(url)


def test_prepare_poll_validation_errors(client, session, network):
    client.force_login(network.trainer)
    url = reverse("webinars:session_polls", args=[session.pk])
    response = client.post(url, {"question": "Seul ?", "kind": "single", "options": "Une seule"})
    assert response.status_code == 200
    assert response.context["form"].errors["options"]
    response = client.post(url, {"question": "", "kind": "nope", "options": ""})
    assert set(response.context["form"].errors) == {"question", "kind", "options"}
    assert not Poll.objects.exists()


def test_polls_page_wrong_role_and_other_trainer(client, session, network):
    url = reverse("webinars:session_polls", args=[session.pk])
    client.force_login(network.staff_a)
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(role="trainer"))
    assert client.get(url).status_code == 404


def test_remove_a_prepared_poll_only(client, session, network):
    poll = services.poll_create(
        actor=network.trainer, session=session, question="Q", options=["a", "b"], kind="single"
    )
    client.force_login(network.trainer)
    client.post(reverse("webinars:poll_delete", args=[poll.pk]))
    assert not Poll.objects.filter(pk=poll.pk).exists()


def test_replay_and_manage_pages_keep_answers_and_poll_results(
    client, network, live, django_assert_num_queries
):
    question = services.question_ask(
        session=live, user=network.staff_a, text="Délai de livraison ?", anonymous=True
    )
    services.question_ask(session=live, user=network.staff_a, text="Still open?")
    services.question_moderate(actor=network.trainer, session=live, question_id=question.pk, action="answer")
    poll = services.poll_create(
        actor=network.trainer, session=live, question="Kit ?", options=["A", "B"], kind="single"
    )
    services.poll_open(actor=network.trainer, session=live, poll_id=poll.pk)
    services.poll_vote(
        session=live, user=network.staff_a, poll_id=poll.pk, option_ids=[poll.options.first().pk]
    )
    services.session_end(actor=network.trainer, session=live)
    poll.refresh_from_db()
    assert poll.status == "closed"  # left open: closed by the end of the session
    client.force_login(network.staff_b)
    body = client.get(reverse("webinars:session_replay", args=[live.pk])).content.decode()
    assert "Délai de livraison ?" in body and "Still open?" not in body
    assert "Kit ?" in body and "100 %" in body
    assert "apparaîtront ici" not in body and "will appear here" not in body
    client.force_login(network.trainer)
    body = client.get(reverse("webinars:session_manage", args=[live.pk])).content.decode()
    assert "Kit ?" in body


def test_ended_session_room_redirects_with_the_reason(client, session, network):
    RegistrationFactory(session=session, user=network.staff_a)
    end_session(session)
    client.force_login(network.staff_a)
    response = client.get(reverse("webinars:session_room", args=[session.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("webinars:session_detail", args=[session.pk])
    assert "terminée" in response.content.decode() or "ended" in response.content.decode()


def test_api_closed_poll_results(client, network, live, django_assert_num_queries):
    for question in ("Kit ?", "Région ?"):
        poll = services.poll_create(
            actor=network.trainer, session=live, question=question, options=["A", "B"], kind="single"
        )
        services.poll_open(actor=network.trainer, session=live, poll_id=poll.pk)
        services.poll_vote(
            session=live, user=network.staff_a, poll_id=poll.pk, option_ids=[poll.options.last().pk]
        )
        services.poll_close(actor=network.trainer, session=live, poll_id=poll.pk)
    url = reverse("api:webinars-hosted-polls", args=[live.pk])
    assert client.get(url).status_code == 401
    client.force_login(network.staff_a)
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(role="trainer"))
    assert client.get(url).status_code == 404
    client.force_login(network.trainer)
    with django_assert_num_queries(9):
        body = client.get(url).json()
    assert body["count"] == 2
    assert body["results"][0]["question"] == "Kit ?"
    first = body["results"][0]["options"]
    assert [(o["text"], o["votes"], o["percent"]) for o in first] == [("A", 0, 0), ("B", 1, 100)]
    services.poll_create(
        actor=network.trainer, session=live, question="Draft", options=["x", "y"], kind="single"
    )
    with django_assert_num_queries(9):  # drafts are not listed; the count does not grow with polls
        assert client.get(url).json()["count"] == 2
