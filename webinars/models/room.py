"""The live room: its event log (for resuming), presence connections, chat,
mutes, questions and votes, polls, raised hands and announcements.

Everything a person does in the room is a row here before it is broadcast;
the channel layer only carries copies (see ``webinars.realtime``)."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from academy.models import BaseModel


class RoomEventAudience(models.TextChoices):
    EVERYONE = "everyone", _("Everyone in the room")
    TRAINERS = "trainers", _("Trainers (and the person concerned)")
    USER = "user", _("One person")


class RoomEvent(models.Model):
    """One broadcast of the room, in order: the log a reconnecting client
    resumes from. ``payload`` is what attendees receive; ``trainer_payload``,
    when set, is the richer copy trainers receive instead (an anonymous
    question's author). ``target_user`` also receives an event meant for
    trainers, or is the only recipient of a personal one.

    ``seq`` numbers a session's events 1, 2, 3... with no gap, in commit
    order (assigned under the session lock): a connection delivers events
    strictly in that order and knows from a jump that it missed one, whoever
    the event was for."""

    id = models.BigAutoField(primary_key=True)
    session = models.ForeignKey(
        "webinars.Session",
        on_delete=models.CASCADE,
        related_name="room_events",
        verbose_name=_("web-conference"),
    )
    seq = models.PositiveBigIntegerField(_("sequence"))
    type = models.CharField(_("type"), max_length=40)
    audience = models.CharField(
        _("recipients"), max_length=16, choices=RoomEventAudience.choices, default=RoomEventAudience.EVERYONE
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person concerned"),
    )
    payload = models.JSONField(_("payload"), default=dict, encoder=DjangoJSONEncoder)
    trainer_payload = models.JSONField(
        _("payload for trainers"), null=True, blank=True, encoder=DjangoJSONEncoder
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("room event")
        verbose_name_plural = _("room events")
        ordering = ["id"]
        indexes = [models.Index(fields=["session", "id"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(audience="user") | Q(target_user__isnull=False),
                name="webinar_room_event_user_has_target",
            ),
            models.UniqueConstraint(fields=["session", "seq"], name="webinar_room_event_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type}"


class RoomConnection(models.Model):
    """One open WebSocket of one person (a person may have several tabs).
    ``last_seen_at`` moves with each heartbeat; connections silent for too
    long are swept and their presence interval closed."""

    session = models.ForeignKey(
        "webinars.Session",
        on_delete=models.CASCADE,
        related_name="room_connections",
        verbose_name=_("web-conference"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="webinar_room_connections",
        verbose_name=_("person"),
    )
    channel_name = models.CharField(_("channel"), max_length=200, unique=True)
    role = models.CharField(_("role in the room"), max_length=16)
    connected_at = models.DateTimeField(_("connected at"))
    last_seen_at = models.DateTimeField(_("last seen at"))

    class Meta:
        verbose_name = _("room connection")
        verbose_name_plural = _("room connections")
        ordering = ["connected_at", "id"]
        indexes = [models.Index(fields=["session", "user"]), models.Index(fields=["last_seen_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.session_id}"


class ChatMessage(BaseModel):
    """A chat line: plain text, escaped wherever it is shown."""

    session = models.ForeignKey(
        "webinars.Session",
        on_delete=models.CASCADE,
        related_name="chat_messages",
        verbose_name=_("web-conference"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="webinar_chat_messages",
        verbose_name=_("author"),
    )
    text = models.TextField(_("text"), max_length=1000)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deleted by"),
    )

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        ordering = ["session", "id"]
        indexes = [models.Index(fields=["session", "deleted_at", "id"])]

    def __str__(self) -> str:
        return self.text[:60]


class RoomMute(BaseModel):
    """A person a trainer silenced in the chat of one session."""

    session = models.ForeignKey(
        "webinars.Session",
        on_delete=models.CASCADE,
        related_name="room_mutes",
        verbose_name=_("web-conference"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    muted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("muted by"),
    )

    class Meta:
        verbose_name = _("muted person")
        verbose_name_plural = _("muted people")
        ordering = ["session", "created_at"]
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="webinar_room_mute_once")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.session}"


class QuestionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    DISMISSED = "dismissed", _("Dismissed")


class Question(BaseModel):
    """A question for the trainers. ``is_anonymous`` hides the author from
    other attendees, never from trainers. ``votes`` counts its upvotes."""

    session = models.ForeignKey(
        "webinars.Session",
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("web-conference"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="webinar_questions",
        verbose_name=_("author"),
    )
    text = models.TextField(_("question"), max_length=500)
    is_anonymous = models.BooleanField(_("anonymous to other attendees"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=QuestionStatus.choices, default=QuestionStatus.OPEN
    )
    is_pinned = models.BooleanField(_("pinned"), default=False)
    votes = models.PositiveIntegerField(_("votes"), default=0)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["session", "-is_pinned", "-votes", "created_at", "id"]
        indexes = [models.Index(fields=["session", "status"])]

    def __str__(self) -> str:
        return self.text[:60]


class QuestionVote(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="upvotes", verbose_name=_("question")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("question vote")
        verbose_name_plural = _("question votes")
        ordering = ["question", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "user"], name="webinar_question_vote_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.question_id}"


class PollKind(models.TextChoices):
    SINGLE = "single", _("One answer")
    MULTIPLE = "multiple", _("Several answers")


class PollStatus(models.TextChoices):
    DRAFT = "draft", _("Prepared")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Poll(BaseModel):
    """A poll a trainer prepares before the session and opens live (one open
    at a time per session). Votes can change until it is closed."""

    session = models.ForeignKey(
        "webinars.Session", on_delete=models.CASCADE, related_name="polls", verbose_name=_("web-conference")
    )
    question = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("kind"), max_length=16, choices=PollKind.choices, default=PollKind.SINGLE)
    status = models.CharField(
        _("status"), max_length=16, choices=PollStatus.choices, default=PollStatus.DRAFT
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("prepared by"),
    )

    class Meta:
        verbose_name = _("poll")
        verbose_name_plural = _("polls")
        ordering = ["session", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session"], condition=Q(status="open"), name="webinar_poll_one_open_per_session"
            ),
        ]
        indexes = [models.Index(fields=["session", "status"])]

    def __str__(self) -> str:
        return self.question


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options", verbose_name=_("poll"))
    text = models.CharField(_("answer"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("poll answer")
        verbose_name_plural = _("poll answers")
        ordering = ["poll", "position", "id"]

    def __str__(self) -> str:
        return self.text


class PollVote(models.Model):
    """One chosen answer of one person (several rows for a multiple-choice poll)."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes", verbose_name=_("poll"))
    option = models.ForeignKey(
        PollOption, on_delete=models.CASCADE, related_name="votes", verbose_name=_("answer")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("poll vote")
        verbose_name_plural = _("poll votes")
        ordering = ["poll", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "user", "option"], name="webinar_poll_vote_once_per_option"
            )
        ]
        indexes = [models.Index(fields=["poll", "user"])]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.option_id}"


class HandRaise(BaseModel):
    """A raised hand; lowered by the person or a trainer (``lowered_at``)."""

    session = models.ForeignKey(
        "webinars.Session",
        on_delete=models.CASCADE,
        related_name="hand_raises",
        verbose_name=_("web-conference"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    lowered_at = models.DateTimeField(_("lowered at"), null=True, blank=True)
    lowered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lowered by"),
    )

    class Meta:
        verbose_name = _("raised hand")
        verbose_name_plural = _("raised hands")
        ordering = ["session", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=Q(lowered_at__isnull=True),
                name="webinar_hand_one_raised",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.session}"


class Announcement(BaseModel):
    """A trainer's banner for everyone in the room."""

    session = models.ForeignKey(
        "webinars.Session",
        on_delete=models.CASCADE,
        related_name="announcements",
        verbose_name=_("web-conference"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.CharField(_("text"), max_length=500)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["session", "-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:60]
