"""The live room as a trainer and a registered learner meet it, in two
browsers: chat both ways, a question with an upvote, a poll opened, answered
and closed, then the trainer ends the session and the attendance is there."""

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.checks import check_page

pytestmark = pytest.mark.e2e

LEARNER = "aminata.fall@biodiag-senegal.example"
TRAINER = "claire.martin@academy.example"


def _live_session():
    """A session starting in five minutes, hosted by the demo trainer, with
    the learner registered and a poll prepared; started by the trainer."""
    from django.utils import timezone

    from academy.models import User
    from webinars import services

    trainer = User.objects.get(email=TRAINER)
    learner = User.objects.get(email=LEARNER)
    session = services.session_create(
        actor=trainer,
        title="Salle en direct — essai",
        starts_at=timezone.now() + datetime.timedelta(minutes=5),
        time_zone="Africa/Dakar",
        video_url="https://meet.example.com/live-room",
        audience={"audience_everyone": True},
    )
    services.registration_create(user=learner, session=session)
    poll = services.poll_create(
        actor=trainer,
        session=session,
        question="Quel kit utilisez-vous ?",
        options=["ELISA", "PCR"],
        kind="single",
    )
    services.session_start(actor=trainer, session=session)
    return session, poll


def _in_thread(function):
    """Run Django code outside Playwright's event loop (services broadcast with async_to_sync)."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(function).result()


def _enter(visitor, session) -> None:
    visitor.page.goto(f"/webinars/sessions/{session.pk}/room/")
    visitor.page.wait_for_selector("#room-connection.ok")


def test_live_room_journey(visitor_factory):
    from webinars.models import Attendance

    session, poll = _in_thread(_live_session)
    trainer, learner = visitor_factory(), visitor_factory()
    trainer.login(TRAINER)
    learner.login(LEARNER)
    _enter(trainer, session)
    _enter(learner, session)
    t, le = trainer.page, learner.page

    # Chat both ways; user text is shown as text, never as markup.
    le.fill("#room-chat-text", "Bonjour <b>à tous</b>")
    le.click("#room-chat-form button[type=submit]")
    t.wait_for_selector("#room-messages li .text:text-is('Bonjour <b>à tous</b>')")
    t.fill("#room-chat-text", "Bienvenue !")
    t.click("#room-chat-form button[type=submit]")
    le.wait_for_selector("#room-messages li .text:text-is('Bienvenue !')")
    assert le.locator("#room-messages b").count() == 0

    # A question, upvoted by the trainer; the learner sees the vote.
    le.fill("#room-question", "Quel délai de livraison pour Dakar ?")
    le.click("#room-ask button[type=submit]")
    question = t.locator("#room-questions li", has_text="Quel délai de livraison pour Dakar ?")
    question.locator("button").first.click()
    le.wait_for_selector("#room-questions li:has-text('1 vote')")

    # The poll: opened by the trainer, answered by the learner, results both ways, closed.
    t.locator("#room-polls li", has_text=poll.question).locator("button").click()
    le.wait_for_selector("#room-poll input[type=radio]")
    check_page(learner, "webinars-live-room")
    le.locator("#room-poll label", has_text="PCR").click()
    le.click("#room-poll button[type=submit]")
    le.wait_for_selector("#room-poll .bars li:has-text('PCR — 1 (100 %)') progress[value='100']")
    t.wait_for_selector("#room-poll .bars li:has-text('PCR — 1 (100 %)')")
    t.locator("#room-polls li", has_text=poll.question).locator("button").click()
    le.wait_for_selector("#room-poll:not(:has(input[type=radio])) .bars li:has-text('PCR — 1')")

    # The trainer ends the session: the learner is told and the attendance is recorded.
    t.click("#room-end")
    le.wait_for_selector("#room-status.danger")
    le.wait_for_selector("#room-connection.danger")
    assert le.locator("#room-banner").is_visible()
    attendance = _in_thread(lambda: Attendance.objects.get(session=session, user__email=LEARNER))
    assert _in_thread(lambda: attendance.intervals.filter(left_at__isnull=True).count()) == 0
    t.goto(f"/webinars/manage/sessions/{session.pk}/")
    assert t.locator("main").get_by_text("Quel kit utilisez-vous ?").count() == 1
