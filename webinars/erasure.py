"""Meetings' part of a person's data (see ``academy.erasure``).

Registrations, attendance and poll votes stay: they are the figures of the
person's distributor. What the person wrote in live rooms (chat lines,
questions) and in feedback is replaced, including the copies kept in the
room's event log for reconnecting clients; reminders still waiting are
withdrawn and their calendar feed stops working.
"""

import functools
from typing import Any

from django.db.models import Q

from academy.erasure import PersonalData, erased_name, erased_text, rows
from academy.models import User
from webinars.models import (
    Attendance,
    ChatMessage,
    Feedback,
    PollVote,
    Question,
    Registration,
    Reminder,
    ReminderStatus,
    RoomConnection,
    RoomEvent,
    WebinarPreference,
)


def _export(user: User) -> dict[str, Any]:
    return {
        "registrations": rows(
            Registration.objects.filter(user=user).order_by("created_at", "id"),
            "session__title",
            "session__starts_at",
            "status",
            "created_at",
            "cancelled_at",
        ),
        "attendance": rows(
            Attendance.objects.filter(user=user).order_by("created_at", "id"),
            "session__title",
            "attended",
            "minutes_attended",
            "source",
        ),
        "feedback": rows(
            Feedback.objects.filter(user=user).order_by("created_at", "id"),
            "session__title",
            "rating",
            "comment",
            "created_at",
        ),
        "chat_messages": rows(
            ChatMessage.objects.filter(author=user).order_by("created_at", "id"),
            "session__title",
            "text",
            "created_at",
            "deleted_at",
        ),
        "questions": rows(
            Question.objects.filter(author=user).order_by("created_at", "id"),
            "session__title",
            "text",
            "is_anonymous",
            "status",
            "votes",
            "created_at",
        ),
        "poll_votes": rows(
            PollVote.objects.filter(user=user).order_by("created_at", "id"),
            "poll__question",
            "option__text",
            "created_at",
        ),
        "preferences": rows(WebinarPreference.objects.filter(user=user), "created_at", "updated_at"),
    }


def _scrub(value: Any, *, user_id: int, name: str, text: str, messages: set[int], questions: set[int]) -> Any:
    """``value`` (a room event's payload) with the person's name and the text
    of their chat lines and questions replaced."""
    if isinstance(value, list):
        return [
            _scrub(item, user_id=user_id, name=name, text=text, messages=messages, questions=questions)
            for item in value
        ]
    if not isinstance(value, dict):
        return value
    scrubbed = {
        key: _scrub(item, user_id=user_id, name=name, text=text, messages=messages, questions=questions)
        for key, item in value.items()
    }
    if set(value) == {"id", "name"} and value["id"] == user_id:
        scrubbed["name"] = name
    is_message = "is_trainer" in value and value.get("id") in messages
    is_question = "anonymous" in value and value.get("id") in questions
    if "text" in value and (is_message or is_question):
        scrubbed["text"] = text
    return scrubbed


def _erase(user: User) -> None:
    text = erased_text()
    messages = set(ChatMessage.objects.filter(author=user).values_list("id", flat=True))
    questions = set(Question.objects.filter(author=user).values_list("id", flat=True))
    sessions = (
        set(ChatMessage.objects.filter(author=user).values_list("session_id", flat=True))
        | set(Question.objects.filter(author=user).values_list("session_id", flat=True))
        | set(Registration.objects.filter(user=user).values_list("session_id", flat=True))
    )
    ChatMessage.objects.filter(author=user).update(text=text)
    Question.objects.filter(author=user).update(text=text)
    Feedback.objects.filter(user=user).exclude(comment="").update(comment=text)
    scrub = functools.partial(
        _scrub, user_id=user.pk, name=erased_name(), text=text, messages=messages, questions=questions
    )
    events = RoomEvent.objects.filter(Q(session_id__in=sessions) | Q(target_user=user))
    for event in events.only("id", "payload", "trainer_payload").iterator():
        payload = scrub(event.payload)
        trainer_payload = scrub(event.trainer_payload)
        if payload != event.payload or trainer_payload != event.trainer_payload:
            RoomEvent.objects.filter(pk=event.pk).update(payload=payload, trainer_payload=trainer_payload)
    Reminder.objects.filter(registration__user=user, status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED, claim_token=None, claimed_at=None
    )
    WebinarPreference.objects.filter(user=user).update(calendar_token=None)
    RoomConnection.objects.filter(user=user).delete()


PART = PersonalData(name="webinars", export=_export, erase=_erase)
