"""The messaging rules at their boundaries (academy.messaging.rules): which
channels a message takes, quiet hours, SMS length, what a reply means and
which delivery status wins. Mutation-tested (tests/mutation/run.sh messaging)."""

import datetime
import zoneinfo

import pytest

from academy.messaging import rules

W, S, E = "whatsapp", "sms", "email"
ALL = (W, S, E)

# ---------------------------------------------------------------- channels


@pytest.mark.parametrize(
    ("allowed", "accepted", "reachable", "stoppable", "chain"),
    [
        (ALL, ALL, ALL, True, [W, S, E]),
        # The order is the layer's, whatever the order given.
        ((E, S, W), (E, W, S), (S, E, W), True, [W, S, E]),
        (ALL, (E,), ALL, True, [E]),
        (ALL, (W, E), (E,), True, [E]),  # no verified number: e-mail only
        ((E,), ALL, ALL, True, [E]),  # a kind that goes by e-mail only
        (ALL, (W,), (W, E), True, [W]),  # stopped by e-mail, WhatsApp still reaches them
        (ALL, (), ALL, True, []),  # stopped everything
        (ALL, (), ALL, False, [E]),  # cannot be stopped: e-mail is the last resort
        (ALL, (W,), ALL, False, [W, E]),
        (ALL, (), (W, S), False, []),  # no address: nothing to fall back on
        ((W, S), (), ALL, False, []),  # the kind does not go by e-mail
        (ALL, (S, E), ALL, False, [S, E]),  # e-mail accepted already: not added twice
    ],
)
def test_channel_chain(allowed, accepted, reachable, stoppable, chain):
    assert (
        rules.channel_chain(allowed=allowed, accepted=accepted, reachable=reachable, stoppable=stoppable)
        == chain
    )


@pytest.mark.parametrize(
    ("chain", "failed", "following"),
    [
        ([W, S, E], W, S),
        ([W, S, E], S, E),
        ([W, S, E], E, None),
        ([W, E], W, E),
        ([W], W, None),
        ([S, E], W, None),  # not in the chain
        ([], E, None),
    ],
)
def test_next_channel(chain, failed, following):
    assert rules.next_channel(chain, failed) == following


# ---------------------------------------------------------------- quiet hours

DAKAR = zoneinfo.ZoneInfo("Africa/Dakar")  # UTC+0, no summer time
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
NIGHT = (datetime.time(21, 0), datetime.time(7, 0))
LUNCH = (datetime.time(12, 0), datetime.time(14, 0))


def at(day: int, hour: int, minute: int = 0, tz: zoneinfo.ZoneInfo = DAKAR) -> datetime.datetime:
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=tz)


@pytest.mark.parametrize(
    ("now", "bounds", "until"),
    [
        (at(2, 20, 59), NIGHT, None),
        (at(2, 21, 0), NIGHT, at(3, 7)),  # start included
        (at(2, 23, 59), NIGHT, at(3, 7)),
        (at(3, 0, 0), NIGHT, at(3, 7)),  # after midnight: this morning
        (at(3, 6, 59), NIGHT, at(3, 7)),
        (at(3, 7, 0), NIGHT, None),  # end excluded
        (at(2, 11, 59), LUNCH, None),
        (at(2, 12, 0), LUNCH, at(2, 14)),
        (at(2, 13, 59), LUNCH, at(2, 14)),
        (at(2, 14, 0), LUNCH, None),
        (at(2, 22), (datetime.time(8), datetime.time(8)), None),  # equal bounds: none
        (at(2, 22), (None, datetime.time(7)), None),
        (at(2, 22), (datetime.time(21), None), None),
    ],
)
def test_quiet_hours(now, bounds, until):
    start, end = bounds
    assert rules.quiet_until(now=now, tz=DAKAR, start=start, end=end) == until


def test_quiet_hours_follow_the_persons_zone():
    # 21:30 in Dakar is 22:30 in Paris: quiet in both, until 07:00 of each.
    now = at(2, 21, 30)
    assert rules.quiet_until(now=now, tz=PARIS, start=NIGHT[0], end=NIGHT[1]) == at(3, 7, tz=PARIS)
    # 20:30 in Dakar is 21:30 in Paris: quiet there only.
    assert rules.quiet_until(now=at(2, 20, 30), tz=PARIS, start=NIGHT[0], end=NIGHT[1]) == at(3, 7, tz=PARIS)
    assert rules.quiet_until(now=at(2, 20, 30), tz=DAKAR, start=NIGHT[0], end=NIGHT[1]) is None


def test_the_time_returned_is_in_the_persons_zone():
    until = rules.quiet_until(now=at(2, 22, tz=PARIS), tz=PARIS, start=NIGHT[0], end=NIGHT[1])
    assert until is not None and until.tzinfo == PARIS and until.hour == 7
    assert until == datetime.datetime(2026, 12, 3, 6, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("deadline", "held"),
    [
        (at(3, 6, 59), False),  # the event starts before quiet hours end: send now
        (at(3, 7, 0), False),  # at the very end: at 07:00 it would already have started
        (at(3, 7, 1), True),
        (None, True),
    ],
)
def test_an_event_sooner_than_the_end_of_quiet_hours_is_announced_now(deadline, held):
    until = rules.quiet_until(now=at(2, 23), tz=DAKAR, start=NIGHT[0], end=NIGHT[1], deadline=deadline)
    assert (until is not None) is held


# ---------------------------------------------------------------- SMS length


@pytest.mark.parametrize(
    ("text", "encoding", "length", "segments"),
    [
        ("", rules.GSM7, 0, 1),
        ("a" * 160, rules.GSM7, 160, 1),
        ("a" * 161, rules.GSM7, 161, 2),
        ("a" * 306, rules.GSM7, 306, 2),
        ("a" * 307, rules.GSM7, 307, 3),
        ("é" * 160, rules.GSM7, 160, 1),  # é, è, à are in GSM-7
        ("€" * 80, rules.GSM7, 160, 1),  # the extension table: two septets each
        ("€" * 81, rules.GSM7, 162, 2),
        ("a" * 159 + "€", rules.GSM7, 161, 2),
        ("ê" * 70, rules.UCS2, 70, 1),  # ê is not
        ("ê" * 71, rules.UCS2, 71, 2),
        ("ê" * 134, rules.UCS2, 134, 2),
        ("ê" * 135, rules.UCS2, 135, 3),
        ("😀" * 35, rules.UCS2, 70, 1),  # two UTF-16 units each
        ("😀" * 36, rules.UCS2, 72, 2),
    ],
)
def test_sms_length_and_parts(text, encoding, length, segments):
    assert rules.sms_encoding(text) == encoding
    assert rules.sms_length(text) == length and isinstance(rules.sms_length(text), int)
    assert rules.sms_segments(text) == segments


def test_french_text_is_made_gsm7_so_it_keeps_160_characters_a_part():
    text = rules.sms_text(
        "Rappel : « Hygiène » commence à 14 h — Répondez\u00a01 pour confirmer… C’est noté, Œuvre ça"
    )
    assert text == 'Rappel : "Hygiène" commence à 14 h - Répondez 1 pour confirmer... C\'est noté, OEuvre ca'
    assert rules.sms_encoding(text) == rules.GSM7
    assert rules.sms_text("a\n\n  b\tc ") == "a b c"
    assert rules.sms_text("fête île côté goût") == "fete ile coté gout"  # é is GSM-7
    # Other scripts are kept: the message is then UCS-2.
    assert rules.sms_encoding(rules.sms_text("مرحبا")) == rules.UCS2


# ---------------------------------------------------------------- replies


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("1", rules.YES),
        (" 1 ", rules.YES),
        ("oui", rules.YES),
        ("Oui !", rules.YES),
        ("OUI.", rules.YES),
        ("yes", rules.YES),
        ("2", rules.NO),
        ("non", rules.NO),
        ("Non!", rules.NO),
        ("no", rules.NO),
        ("STOP", rules.STOP),
        ("stop", rules.STOP),
        ("Arrêt", rules.STOP),
        ("START", rules.START),
        ("12", None),
        ("3", None),
        ("oui mais je serai en retard", None),
        ("", None),
        ("  ", None),
        ("non merci", None),
    ],
)
def test_reply_intent(text, intent):
    assert rules.reply_intent(text) == intent


# ---------------------------------------------------------------- delivery status


@pytest.mark.parametrize(
    ("current", "reported", "advances"),
    [
        ("", "sent", True),
        ("", "read", True),
        ("", "delivered", True),
        ("sent", "delivered", True),
        ("delivered", "read", True),
        ("sent", "read", True),
        ("read", "delivered", False),  # a late webhook never moves it back
        ("delivered", "sent", False),
        ("sent", "sent", False),
        ("", "failed", True),
        ("sent", "failed", True),
        ("sent", "undelivered", True),
        ("delivered", "failed", False),  # it was delivered: a late failure changes nothing
        ("read", "undelivered", False),
        ("failed", "delivered", False),  # nothing replaces a failure
        ("undelivered", "read", False),
        ("failed", "undelivered", False),
    ],
)
def test_status_advances(current, reported, advances):
    assert rules.status_advances(current, reported) is advances


def test_phone_channels():
    assert rules.is_phone_channel(W) and rules.is_phone_channel(S)
    assert not rules.is_phone_channel(E)
