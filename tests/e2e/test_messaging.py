"""A learner on WhatsApp: proves their number with a code, chooses WhatsApp
for web-conference reminders, gets the reminder (in the local WhatsApp Cloud
API), answers "1", and the registration says they are coming."""

import re
import time

import pytest

from tests.e2e.checks import check_page
from tests.e2e.conftest import WHATSAPP

pytestmark = pytest.mark.e2e

# One learner and number per variant: a number gets a new code once a minute at most.
PEOPLE = {
    "fr-desktop": ("aminata.fall@biodiag-senegal.example", "+221770001101"),
    "en-desktop": ("ibrahima.diop@biodiag-senegal.example", "+221770001102"),
    "fr-phone": ("moussa.sow@biodiag-senegal.example", "+221770001103"),
}


def wait_for(find, what: str, timeout: float = 45.0):
    """Poll for ``find()``. Between polls this process also runs the outbox
    dispatcher, as a second worker would: the platform's one worker may be
    busy with another journey's tasks, and two dispatchers are safe."""
    from academy.outbox import outboxes_drain

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = find()
        if found:
            return found
        outboxes_drain(time_budget=5)
        time.sleep(0.3)
    raise AssertionError(f"{what} did not arrive within {timeout} s")


def sent_to(number: str, since: int, **match):
    return [
        message
        for message in WHATSAPP.message_to(number)[since:]
        if all(message.get(key) == value for key, value in match.items())
    ]


def test_a_learner_gets_the_reminder_on_whatsapp_and_confirms_with_1(visitor, base_url):
    from django.db import transaction
    from django.utils import timezone

    from academy.models import User
    from academy.outbox import outbox_wake
    from webinars.models import Registration, Reminder, ReminderKind

    LEARNER, NUMBER = PEOPLE[visitor.variant]
    DIGITS = NUMBER.lstrip("+")
    visitor.login(LEARNER)
    page = visitor.page
    french = visitor.language == "fr"
    seen = len(WHATSAPP.message_to(DIGITS))

    # 1. The number, proved by a code sent by WhatsApp.
    page.goto("/profile/messages/")
    if page.locator("#remove-phone button").count():
        page.locator("#remove-phone button").click()
        page.wait_for_load_state()
    page.fill("#send-code input[name=number-phone]", NUMBER)
    page.locator("#send-code input[name=number-channel][value=whatsapp]").check()
    page.locator("#send-code button[type=submit]").click()
    page.wait_for_load_state()
    code_message = wait_for(lambda: sent_to(DIGITS, seen, type="template"), "the code")[-1]
    assert code_message["template"]["name"] == "academy_phone_code"
    code = code_message["template"]["components"][0]["parameters"][0]["text"]
    assert re.fullmatch(r"\d{6}", code)
    page.fill("#confirm-code input[name=confirm-code]", code)
    page.locator("#confirm-code button[type=submit]").click()
    page.wait_for_load_state()
    assert User.objects.get(email=LEARNER).phone_verified_at is not None

    # 2. WhatsApp for web-conference reminders, and no quiet hours (the run may be at night).
    box = page.locator("#preferences input[type=checkbox][name=prefs-webinars_reminder__whatsapp]")
    box.check()
    page.locator("#preferences input[name=prefs-no_quiet_hours]").check()
    page.locator("#preferences button[type=submit]").click()
    page.wait_for_load_state()
    check_page(visitor, "message-preferences")
    assert User.objects.get(email=LEARNER).message_channels.get("webinars.reminder") == ["whatsapp"]

    # 3. Registered for the next web-conference; its next reminder (a week, a day
    # or an hour before, whichever is still ahead) comes due now.
    page.goto("/webinars/")
    page.locator("main article h2 a").first.click()
    page.wait_for_load_state()
    session_id = int(re.search(r"/webinars/sessions/(\d+)/", page.url).group(1))
    if page.locator("form[action$='/unregister/'] button").count() == 0:
        page.locator("form[action$='/register/'] button").click()
        page.wait_for_load_state()
    registration = Registration.objects.get(user__email=LEARNER, session_id=session_id, status="confirmed")
    seen = len(WHATSAPP.message_to(DIGITS))
    due = (
        Reminder.objects.filter(
            registration=registration,
            kind__in=[ReminderKind.WEEK, ReminderKind.DAY, ReminderKind.HOUR],
            status="pending",
        )
        .order_by("due_at")
        .first()
    )
    assert due is not None, "the session should have a reminder still ahead"
    Reminder.objects.filter(pk=due.pk).update(next_attempt_at=timezone.now())
    with transaction.atomic():  # the worker sends it, as at 14:00 the day before
        outbox_wake()
    reminder = wait_for(lambda: sent_to(DIGITS, seen, type="template"), "the reminder")[-1]
    assert reminder["template"]["name"] == "webinars_reminder"
    assert reminder["template"]["language"]["code"] == ("fr" if french else "en")
    parameters = [p["text"] for p in reminder["template"]["components"][0]["parameters"]]
    assert registration.session.title in " ".join(parameters)

    # 4. "1" back, signed as Meta signs it: the registration says they are coming
    # (the demo's own replies may have said so already: start from "not said").
    Registration.objects.filter(pk=registration.pk).update(coming_confirmed_at=None)
    seen = len(WHATSAPP.message_to(DIGITS))
    response = WHATSAPP.post_webhook(
        f"{base_url}/messaging/webhooks/whatsapp/", WHATSAPP.inbound_payload(DIGITS, text="1")
    )
    assert response.status_code == 200
    registration.refresh_from_db()
    assert registration.coming_confirmed_at is not None
    answer = wait_for(lambda: sent_to(DIGITS, seen, type="text"), "the acknowledgement")[-1]
    assert ("Merci" if french else "Thank you") in answer["text"]["body"]

    # The learner's choice is on the page, on a phone too.
    page.goto("/profile/messages/")
    assert page.locator("#preferences input[name=prefs-webinars_reminder__whatsapp]").is_checked()
