"""Answers to web-conference reminders ("1"/"OUI", "2"/"NON") and the
trainer's page of a session's replies."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from academy.messaging.models import InboundMessage, Message, ReplyOutcome
from academy.messaging.services import inbound_receive, message_send
from tests.academy.factories import UserFactory
from tests.texting import person_with_phone
from tests.webinars.factories import RegistrationFactory, SessionFactory
from webinars import selectors, services
from webinars.models import Registration, RegistrationStatus, Session, SessionStatus

pytestmark = pytest.mark.django_db

KIND = services.REMINDER_KIND
_provider_ids = itertools.count(1)


def remind(registration: Registration) -> Message:
    """A reminder by SMS whose replies act on ``registration``."""
    message = message_send(
        key=f"test.reminder.{registration.pk}.{next(_provider_ids)}",
        kind=KIND,
        user=registration.user,
        template="tests/note",
        reply_ref=selectors.registration_ref(registration),
    )
    assert message is not None and message.chain[0] == "sms", message and message.chain
    return message


def answer(user, text: str, provider_id: str | None = None) -> InboundMessage | None:
    return inbound_receive(
        channel="sms",
        provider="recording_sms",
        provider_message_id=provider_id or f"in-{next(_provider_ids)}",
        from_number=str(user.phone),
        text=text,
    )


def acknowledgement(reply: InboundMessage) -> str | None:
    message = Message.objects.filter(key=f"academy.reply-ack.{reply.pk}").first()
    return message.rendered["sms"]["text"] if message else None


def registrant(session: Session, *, language: str = "fr", time_zone: str = "Europe/Paris") -> Registration:
    user = person_with_phone(UserFactory(language=language, time_zone=time_zone), kind=KIND)
    return RegistrationFactory(user=user, session=session)


def _expected_when(session: Session, language: str, zone: str) -> tuple[str, str]:
    import zoneinfo

    local = session.starts_at.astimezone(zoneinfo.ZoneInfo(zone))
    with translation.override(language):
        return formats.date_format(local, "l j F"), formats.time_format(local, "H:i")


# ---------------------------------------------------------------- "1": coming


def test_yes_records_once_and_acknowledges_in_french_in_the_persons_zone(texting, session):
    registration = registrant(session, language="fr", time_zone="Europe/Paris")
    remind(registration)

    reply = answer(registration.user, "Oui !", provider_id="wamid-1")

    registration.refresh_from_db()
    assert registration.coming_confirmed_at is not None
    assert reply is not None and reply.outcome == ReplyOutcome.CONFIRMED
    day, time = _expected_when(session, "fr", "Europe/Paris")
    assert acknowledgement(reply) == f"Merci, c'est noté : nous vous attendons le {day} à {time}."
    first = registration.coming_confirmed_at

    # The same webhook again: stored and acted on once.
    assert answer(registration.user, "Oui !", provider_id="wamid-1") is None
    assert InboundMessage.objects.count() == 1

    # Another "1" (another provider id): harmless, the first time stays.
    second = answer(registration.user, "1", provider_id="wamid-2")
    registration.refresh_from_db()
    assert registration.coming_confirmed_at == first
    assert second is not None and second.outcome == ReplyOutcome.CONFIRMED
    assert Registration.objects.filter(session=session, coming_confirmed_at__isnull=False).count() == 1


def test_yes_acknowledges_in_english(texting, session):
    registration = registrant(session, language="en", time_zone="America/New_York")
    remind(registration)

    reply = answer(registration.user, "1")

    day, time = _expected_when(session, "en", "America/New_York")
    assert acknowledgement(reply) == f"Thank you, noted: we look forward to seeing you on {day} at {time}."
    assert "New_York" not in day  # the date is the person's, the zone is not spelled out


def test_yes_on_the_waiting_list_says_so_and_records_nothing(texting, network):
    full = SessionFactory(trainers=[network.trainer], capacity=1)
    registrant(full)
    waiting = registrant(full, language="en")
    assert waiting.status == RegistrationStatus.WAITLISTED
    remind(waiting)

    reply = answer(waiting.user, "YES")

    waiting.refresh_from_db()
    assert waiting.coming_confirmed_at is None
    assert "waiting list" in acknowledgement(reply)
    assert reply.outcome == ReplyOutcome.CONFIRMED  # acknowledged: nothing left for a person to read


def test_yes_to_a_cancelled_registration_or_session_says_so(texting, network):
    session = SessionFactory(trainers=[network.trainer], title="Hématologie")
    cancelled = registrant(session)
    remind(cancelled)
    services.registration_cancel(actor=cancelled.user, registration=cancelled)
    assert acknowledgement(answer(cancelled.user, "1")) == (
        'Votre inscription à "Hématologie" est annulée. Vous pouvez vous réinscrire sur l\'académie.'
    )

    other = registrant(session)
    remind(other)
    services.session_cancel(actor=network.trainer, session=session, reason="")
    text = acknowledgement(answer(other.user, "1"))
    assert text == '"Hématologie" a été annulée.'
    other.refresh_from_db()
    assert other.coming_confirmed_at is None


def test_yes_after_the_session_is_over(texting, session):
    registration = registrant(session, language="en")
    remind(registration)
    Session.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=3), status=SessionStatus.ENDED
    )

    reply = answer(registration.user, "1")

    assert acknowledgement(reply) == f'"{session.title}" is over.'
    registration.refresh_from_db()
    assert registration.coming_confirmed_at is None


def test_yes_while_it_runs_records_and_says_join_now(texting, session):
    registration = registrant(session, language="en")
    remind(registration)
    # Started ten minutes ago, not over: "1" still says they come.
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() - datetime.timedelta(minutes=10))

    reply = answer(registration.user, "1")

    assert acknowledgement(reply) == "Thank you, noted: it has started, join now."
    registration.refresh_from_db()
    assert registration.coming_confirmed_at is not None


# ---------------------------------------------------------------- "2": not coming


def test_no_cancels_through_the_service_and_promotes_the_waiting_list(texting, network):
    session = SessionFactory(trainers=[network.trainer], capacity=1, title="Biochimie")
    confirmed = registrant(session, language="en")
    waiting = registrant(session)
    remind(confirmed)

    reply = answer(confirmed.user, "2")

    confirmed.refresh_from_db()
    waiting.refresh_from_db()
    assert confirmed.status == RegistrationStatus.CANCELLED and confirmed.cancelled_by_reply
    assert waiting.status == RegistrationStatus.CONFIRMED and waiting.promoted_at is not None
    assert reply.outcome == ReplyOutcome.DECLINED
    assert (
        acknowledgement(reply)
        == 'Noted: your registration for "Biochimie" is cancelled. Thank you for telling us.'
    )

    again = answer(confirmed.user, "NON")
    assert acknowledgement(again) == 'Your registration for "Biochimie" was already cancelled.'
    assert Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED).count() == 1


def test_no_from_the_waiting_list_leaves_it_in_french(texting, network):
    session = SessionFactory(trainers=[network.trainer], capacity=1, title="Biochimie")
    registrant(session)
    waiting = registrant(session, language="fr")
    remind(waiting)

    reply = answer(waiting.user, "non")

    assert acknowledgement(reply) == "C'est noté : vous quittez la liste d'attente de \"Biochimie\"."
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CANCELLED and waiting.cancelled_by_reply


def test_no_once_started_is_refused_with_the_services_reason(texting, session):
    registration = registrant(session, language="en")
    remind(registration)
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() - datetime.timedelta(minutes=5))

    reply = answer(registration.user, "2")

    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED and not registration.cancelled_by_reply
    assert (
        acknowledgement(reply)
        == "The web-conference has started; the registration can no longer be cancelled."
    )


# ---------------------------------------------------------------- nothing to act on


def test_a_deleted_registration_keeps_the_reply_for_a_person(texting, session):
    registration = registrant(session)
    remind(registration)
    Registration.objects.filter(pk=registration.pk).delete()

    reply = answer(registration.user, "1")

    assert reply.outcome == ReplyOutcome.STORED
    assert acknowledgement(reply) is None


def test_a_reference_to_someone_elses_registration_acts_on_nothing(texting, session):
    mine = registrant(session)
    theirs = registrant(session)
    message_send(
        key="test.wrong-ref",
        kind=KIND,
        user=mine.user,
        template="tests/note",
        reply_ref=selectors.registration_ref(theirs),
    )

    reply = answer(mine.user, "2")

    theirs.refresh_from_db()
    assert theirs.status == RegistrationStatus.CONFIRMED
    assert reply.outcome == ReplyOutcome.STORED


def test_other_words_are_kept_for_a_person(texting, session):
    registration = registrant(session)
    remind(registration)

    reply = answer(registration.user, "Je serai en retard de 10 minutes")

    assert reply.outcome == ReplyOutcome.STORED and acknowledgement(reply) is None
    registration.refresh_from_db()
    assert registration.coming_confirmed_at is None and registration.status == RegistrationStatus.CONFIRMED


# ---------------------------------------------------------------- the trainer's page


@pytest.fixture
def replied(texting, network, session):
    """Three registrants of ``session`` who answered (coming, cancelled, a
    question), and one of another session of the same trainer."""
    coming, leaving, asking = (registrant(session) for _ in range(3))
    for registration in (coming, leaving, asking):
        remind(registration)
    answer(coming.user, "1")
    answer(leaving.user, "2")
    answer(asking.user, "Le lien ne marche pas chez moi")
    elsewhere = registrant(SessionFactory(trainers=[network.trainer]))
    remind(elsewhere)
    other_reply = answer(elsewhere.user, "Question sur une autre session")
    return {"session": session, "asking": asking, "other_reply": other_reply}


def _url(session, name="webinars:session_replies"):
    return reverse(name, args=[session.pk])


def test_trainer_sees_the_replies_and_the_figures(client, network, replied):
    client.force_login(network.trainer)
    response = client.get(_url(replied["session"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Le lien ne marche pas chez moi" in body
    assert "Question sur une autre session" not in body
    counts = response.context["counts"]
    assert (counts.coming, counts.cancelled, counts.unread) == (1, 1, 3)
    assert len(response.context["page"].object_list) == 3
    assert str(replied["asking"].user) in body


def test_times_are_shown_in_the_viewers_zone(client, network, replied):
    from academy.models import User

    User.objects.filter(pk=network.trainer.pk).update(time_zone="Asia/Tokyo", language="en")
    reply = InboundMessage.objects.filter(text__startswith="Le lien").get()
    client.force_login(network.trainer)
    body = client.get(_url(replied["session"])).content.decode()
    import zoneinfo

    local = reply.received_at.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    with translation.override("en"):
        assert formats.date_format(local, "SHORT_DATETIME_FORMAT") in body


@pytest.mark.parametrize(
    ("who", "status"),
    [("trainer", 200), ("admin", 200), ("other_trainer", 404), ("manager_a", 403), ("staff_a", 403)],
)
def test_who_may_read_a_sessions_replies(client, network, replied, who, status):
    user = UserFactory(role="trainer") if who == "other_trainer" else getattr(network, who)
    client.force_login(user)
    assert client.get(_url(replied["session"])).status_code == status
    response = client.post(_url(replied["session"], "webinars:session_replies_read"), {"all": "1"})
    assert response.status_code == (302 if status == 200 else status)
    unread = InboundMessage.objects.filter(read_at__isnull=True).count()
    assert unread == (1 if status == 200 else 4)


def test_anonymous_is_sent_to_sign_in(client, replied):
    response = client.get(_url(replied["session"]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_mark_one_as_read_and_not_another_sessions(client, network, replied):
    client.force_login(network.trainer)
    asking = InboundMessage.objects.get(text__startswith="Le lien")
    url = _url(replied["session"], "webinars:session_replies_read")

    client.post(url, {"reply": asking.pk})
    client.post(
        url, {"reply": replied["other_reply"].pk}
    )  # another session's reply: through this page, nothing
    client.post(url, {"reply": "abc"})  # not an id: an error message, nothing marked

    asking.refresh_from_db()
    replied["other_reply"].refresh_from_db()
    assert asking.read_at is not None
    assert replied["other_reply"].read_at is None
    assert InboundMessage.objects.filter(read_at__isnull=False).count() == 1
    assert client.get(_url(replied["session"])).context["counts"].unread == 2


def test_empty_state(client, network, session):
    client.force_login(network.trainer)
    response = client.get(_url(session))
    assert not response.context["page"].object_list
    assert "Aucune réponse pour l’instant" in response.content.decode()  # the trainer reads French


def test_query_count_does_not_grow_with_replies(client, network, replied, django_assert_num_queries):
    client.force_login(network.trainer)
    client.get(_url(replied["session"]))  # warm the session and the person's roles
    with CaptureQueriesContext(connection) as three:
        assert client.get(_url(replied["session"])).status_code == 200
    extra = registrant(replied["session"])
    remind(extra)
    answer(extra.user, "Merci")
    with CaptureQueriesContext(connection) as four:
        assert client.get(_url(replied["session"])).status_code == 200
    assert len(four) == len(three), [q["sql"] for q in four.captured_queries]
    assert len(three) == 13, "\n".join(q["sql"] for q in three.captured_queries)


def test_the_sessions_page_tells_who_answered(client, network, replied):
    client.force_login(network.trainer)
    body = client.get(reverse("webinars:session_manage", args=[replied["session"].pk])).content.decode()
    assert body.count("A confirmé sa venue") == 1
    assert reverse("webinars:session_replies", args=[replied["session"].pk]) in body
