"""Malformed frames: every one gets an error frame, the connection stays
usable, and nothing reaches a service or the database."""

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync

from tests.webinars.room import RoomClient
from webinars import room_messages

LONE_SURROGATE = '"\\ud800"'  # JSON text: decodes to a lone surrogate in Python

BAD_FRAMES = [
    pytest.param("{not json", "malformed", id="not-json"),
    pytest.param("[1, 2]", "malformed", id="not-an-object"),
    pytest.param('"chat.send"', "malformed", id="a-string"),
    pytest.param('{"type": 5}', "unknown_type", id="type-not-text"),
    pytest.param('{"type": "chat.shout", "text": "x"}', "unknown_type", id="unknown-action"),
    pytest.param('{"type": "chat.send", "text": ["x"]}', "invalid", id="wrong-type"),
    pytest.param('{"type": "chat.send", "text": "' + "x" * 5000 + '"}', "too_large", id="oversize"),
    pytest.param('{"type": "chat.send", "text": ' + LONE_SURROGATE + "}", "invalid_text", id="surrogate"),
    pytest.param('{"type": "chat.send", "text": "a\\udfffb"}', "invalid_text", id="low-surrogate-inside"),
    pytest.param(
        '{"type": "chat.send", "text": "hi", "ref": ' + LONE_SURROGATE + "}",
        "invalid_text",
        id="surrogate-in-ref",
    ),
    pytest.param(
        '{"type": "chat.send", "text": "hi", ' + LONE_SURROGATE + ": 1}",
        "invalid_text",
        id="surrogate-in-a-key",
    ),
    pytest.param(
        '{"type": "question.ask", "text": ' + LONE_SURROGATE + "}", "invalid_text", id="question-surrogate"
    ),
    pytest.param('{"type": "chat.send", "text": "a\\u0000b"}', "invalid_text", id="nul"),
    pytest.param('{"type": "announce", "text": "\\u0000"}', "invalid_text", id="nul-announcement"),
]


@pytest.mark.parametrize(("raw", "code"), BAD_FRAMES)
def test_parse_refuses_with_a_code_and_a_message(raw, code):
    with pytest.raises(room_messages.InvalidMessage) as refused:
        room_messages.parse(raw)
    assert refused.value.code == code and refused.value.message
    # The error frame itself can be sent: nothing in it fails to encode.
    json.dumps({"message": refused.value.message, "ref": refused.value.ref}).encode("utf-8")


def test_well_formed_text_with_astral_characters_is_accepted():
    # A real emoji (a surrogate pair in JSON) is valid text; only a lone half is refused.
    kind, fields, _ref = room_messages.parse('{"type": "chat.send", "text": "ok \\ud83d\\ude00 é"}')
    assert kind == "chat.send" and fields["text"] == "ok \U0001f600 é"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("raw", "code"), BAD_FRAMES)
def test_bad_frames_reach_no_service(live_room, network, raw, code, monkeypatch):
    from webinars import services
    from webinars.models import Announcement, ChatMessage, Question

    called = []
    for name in ("chat_post", "question_ask", "announcement_create"):
        monkeypatch.setattr(services, name, lambda _name=name, **kw: called.append(_name))
    user = network.trainer if '"announce"' in raw else network.staff_a

    async def scenario():
        client = await RoomClient.open(live_room.pk, user)
        try:
            await client.expect("snapshot")
            await client.send_raw(raw)
            error = await client.expect("error")
            assert error["code"] == code and error["message"]
            await client.send(type="heartbeat")
            await client.expect("pong")  # still usable
        finally:
            await client.close()
            await asyncio.sleep(0.05)

    async_to_sync(scenario)()
    assert called == []
    assert not ChatMessage.objects.exists()
    assert not Question.objects.exists()
    assert not Announcement.objects.exists()
