"""Demo web-conferences: the monthly distributors' meeting (first Thursday,
14:00 Abidjan time, in French) with six past sessions — attendance, no-shows,
feedback, replays — and upcoming ones with registrations; and a quarterly
product update in English for the Maghreb and Europe."""

import datetime
import random

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from academy.demo import TRAINER2_EMAIL, TRAINER_EMAIL, DemoLogin
from academy.messaging.models import Message, TextMessage
from academy.messaging.services import inbound_receive
from academy.models import EngagementEvent, User, Verb
from academy.outbox import OutboxStatus
from academy.services import activity_record
from distributors.choices import DistributorStatus
from distributors.selectors import territory_choices
from webinars import recurrence, selectors, services
from webinars.models import Registration, RegistrationStatus, Series, Session, SessionStatus
from webinars.services import REMINDER_KIND

MONTHLY_TITLE = "Rendez-vous mensuel des distributeurs"
QUARTERLY_TITLE = "Quarterly product update"
MONTHLY_RULE = "FREQ=MONTHLY;BYDAY=1TH"

AGENDAS = [
    "Nouveautés de la gamme de tests d’intolérance alimentaire ; retours terrain des distributeurs ; "
    "questions-réponses.",
    "Préparer un appel d’offres hospitalier : pièces à fournir, délais, prix ; cas pratique au Sénégal.",
    "Démonstration du lecteur de bandelettes et du contrôle qualité au laboratoire ; erreurs fréquentes.",
    "Chaîne du froid et logistique des kits : stockage, transport, péremption ; partage d’expériences.",
    "Argumentaire auprès des laboratoires privés : objections courantes et réponses ; jeu de rôle.",
    "Bilan du semestre, objectifs par territoire et calendrier des formations à venir.",
]
COMMENTS = [
    "Très clair, merci. Le cas pratique sur les appels d’offres nous aide beaucoup.",
    "Bonne session, mais la connexion était difficile depuis Douala.",
    "Utile pour nos nouveaux délégués. Pouvez-vous partager les diapositives ?",
    "Un peu long sur la partie logistique, le reste était parfait.",
    "Merci pour les réponses précises sur la conservation des kits.",
    "",
]


def _people() -> list[User]:
    """Current staff of the demo distributors, in a stable order."""
    # A person has at most one open membership: one row each.
    return list(
        User.objects.filter(
            memberships__left_on__isnull=True,
            memberships__distributor__status__in=[DistributorStatus.ACTIVE, DistributorStatus.ONBOARDING],
        ).order_by("email")
    )


def _first_date(months_back: int) -> datetime.date:
    return (timezone.localdate() - relativedelta(months=months_back)).replace(day=1)


def _past_session(series: Series, occurrence: datetime.datetime, index: int, trainer: User) -> Session:
    occurrence_utc = occurrence.astimezone(datetime.UTC)
    session = Session.objects.filter(series=series, occurrence_start=occurrence_utc).first()
    if session is not None:
        return session
    return services.session_create(
        actor=None,
        series=series,
        occurrence_start=occurrence_utc,
        title=series.title,
        agenda=AGENDAS[index % len(AGENDAS)],
        language=series.language,
        starts_at=occurrence_utc,
        duration_minutes=series.duration_minutes,
        time_zone=series.time_zone,
        capacity=series.capacity,
        video_url=series.video_url,
        trainers=[trainer],
    )


QUESTIONS = [
    "Quel est le délai de livraison des kits pour l’intérieur du pays ?",
    "Le test rapide est-il validé sur sang total ?",
    "Peut-on obtenir des kits de démonstration pour un appel d’offres ?",
    "Quelle est la durée de conservation après ouverture ?",
]


def _run_live_room(session: Session, rng: random.Random) -> None:
    """What happened in the room while the session was live: chat, questions
    (some answered, with upvotes) and a poll, dated within the session."""
    trainer = session.trainers.first()
    present = [a.user for a in session.attendances.select_related("user")]
    if trainer is None or len(present) < 3:
        return
    services.chat_post(session=session, user=trainer, text="Bonjour à toutes et à tous, bienvenue !")
    for person in present[:3]:
        services.chat_post(
            session=session, user=person, text=f"Bonjour depuis {person.get_full_name() or 'Dakar'} !"
        )
    asked = []
    for number, text in enumerate(rng.sample(QUESTIONS, 3)):
        asked.append(
            services.question_ask(session=session, user=present[number], text=text, anonymous=number == 2)
        )
    for question in asked:
        for voter in present[3 : 3 + rng.randint(1, 5)]:
            services.question_upvote(session=session, user=voter, question_id=question.pk)
    for question in asked[:2]:
        services.question_moderate(actor=trainer, session=session, question_id=question.pk, action="answer")
    poll = services.poll_create(
        actor=trainer,
        session=session,
        question="Quelle technique utilisez-vous le plus au laboratoire ?",
        options=["ELISA", "Tests rapides", "PCR"],
        kind="single",
    )
    services.poll_open(actor=trainer, session=session, poll_id=poll.pk)
    options = list(poll.options.all())
    for person in present:
        if rng.random() < 0.8:
            option = rng.choices(options, weights=[3, 5, 2])[0]
            services.poll_vote(session=session, user=person, poll_id=poll.pk, option_ids=[option.pk])
    services.poll_close(actor=trainer, session=session, poll_id=poll.pk)
    # Date the room's traces within the session rather than at seeding time.
    during = session.starts_at + datetime.timedelta(minutes=20)
    session.chat_messages.update(created_at=during)
    session.questions.update(created_at=during, answered_at=during + datetime.timedelta(minutes=15))
    session.polls.update(opened_at=during, closed_at=during + datetime.timedelta(minutes=5))
    session.room_events.update(created_at=during)
    EngagementEvent.objects.filter(
        object_type="webinars.session",
        object_id=str(session.pk),
        verb__in=[Verb.CHAT_POSTED, Verb.QUESTION_ASKED, Verb.POLL_ANSWERED],
    ).update(occurred_at=during)


def _run_past_session(session: Session, people: list[User], rng: random.Random) -> None:
    """Registrations, presence, end, feedback, replay and materials of a session in the past."""
    start = session.starts_at
    for person in people:
        if rng.random() > 0.7:
            continue
        membership = person.memberships.filter(left_on__isnull=True).select_related("distributor").first()
        if membership is not None and membership.joined_on > start.date():
            continue  # not with the distributor yet
        registered_at = start - datetime.timedelta(days=rng.randint(2, 20), hours=rng.randint(0, 8))
        registration = Registration.objects.create(
            session=session,
            user=person,
            distributor=membership.distributor if membership else None,
            status=RegistrationStatus.CONFIRMED,
            created_at=registered_at,
        )
        activity_record(
            actor=person,
            verb=Verb.WEBINAR_REGISTERED,
            obj=session,
            distributor=registration.distributor,
            occurred_at=registered_at,
        )
        if rng.random() < 0.25:
            continue  # a no-show
        joined = start + datetime.timedelta(minutes=rng.randint(-5, 12))
        left = start + datetime.timedelta(minutes=rng.randint(25, session.duration_minutes + 5))
        services.attendance_interval_open(session=session, user=person, at=joined)
        services.attendance_interval_close(session=session, user=person, at=max(left, joined))
    Session.objects.filter(pk=session.pk).update(status=SessionStatus.LIVE, started_at=start)
    session.refresh_from_db()
    _run_live_room(session, rng)
    services.session_end(actor=None, session=session, at=session.ends_at)
    session.refresh_from_db()
    for attendance in session.attendances.filter(attended=True).select_related("user"):
        if rng.random() < 0.5:
            services.feedback_submit(
                user=attendance.user,
                session=session,
                rating=rng.choice([3, 4, 4, 5, 5]),
                comment=rng.choice(COMMENTS),
            )
    month = timezone.localtime(start, session.tzinfo).strftime("%Y-%m")
    services.session_update(
        actor=None,
        session=session,
        mark_customised=False,
        recording_url=f"https://replay.academy.example/rendez-vous/{month}",
    )
    trainer = session.trainers.first()
    if trainer is not None:
        services.material_add(
            actor=trainer,
            session=session,
            title="Support de présentation (PDF)",
            url=f"https://docs.academy.example/rendez-vous/{month}.pdf",
        )


def _monthly(trainer: User) -> Series:
    series = Series.objects.filter(title=MONTHLY_TITLE).first()
    if series is not None:
        return series
    series = services.series_create(
        actor=trainer,
        title=MONTHLY_TITLE,
        description=(
            "Une heure chaque mois pour suivre l’actualité de la gamme, partager les retours du terrain "
            "et poser vos questions aux équipes produit et formation."
        ),
        language="fr",
        rrule=MONTHLY_RULE,
        start_date=_first_date(8),
        start_time=datetime.time(14, 0),
        time_zone="Africa/Abidjan",
        duration_minutes=60,
        capacity=80,
        video_url="https://meet.jit.si/academy-rendez-vous-mensuel",
    )
    people = _people()
    past = recurrence.occurrences(
        rule=MONTHLY_RULE,
        start_date=series.start_date,
        start_time=series.start_time,
        time_zone=series.time_zone,
        after=timezone.now() - relativedelta(months=6, days=5),
        before=timezone.now() - datetime.timedelta(hours=2),
    )[-6:]
    for index, occurrence in enumerate(past):
        session = _past_session(series, occurrence, index, trainer)
        _run_past_session(session, people, random.Random(index))
    upcoming = list(series.sessions.filter(status=SessionStatus.SCHEDULED).order_by("starts_at")[:2])
    if upcoming:
        services.session_update(
            actor=trainer,
            session=upcoming[0],
            agenda="Lancement du nouveau test rapide ; témoignage d’Ivoire Labo Services ; questions.",
        )
        services.poll_create(
            actor=trainer,
            session=upcoming[0],
            question="Avez-vous déjà présenté le nouveau test rapide à un client ?",
            options=["Oui", "Pas encore", "C’est prévu ce mois-ci"],
            kind="single",
        )
    for position, session in enumerate(upcoming):
        for person in people[: 14 if position == 0 else 6]:
            services.registration_create(user=person, session=session)
    if upcoming:
        _replies(upcoming[0])
    return series


# What some registrants answered to the WhatsApp reminder of the next session
# (the trainer's replies page, the managers' replies from the field).
DEMO_REPLIES = [
    "1",
    "OUI",
    "Je serai en déplacement chez un client, est-ce que le replay sera disponible ?",
    "Pouvez-vous parler aussi du stockage des réactifs au-dessus de 30 °C ?",
]


def _replies(session: Session) -> None:
    registrations = list(
        session.registrations.filter(status=RegistrationStatus.CONFIRMED)
        .select_related("user")
        .order_by("user__email")[: len(DEMO_REPLIES)]
    )
    now = timezone.now()
    for index, (registration, text) in enumerate(zip(registrations, DEMO_REPLIES, strict=False)):
        person = registration.user
        number = f"+22177000{index + 1:04d}"
        User.objects.filter(pk=person.pk).update(
            phone=number,
            phone_verified_at=now,
            message_channels={**(person.message_channels or {}), REMINDER_KIND: ["whatsapp"]},
        )
        message = Message.objects.create(
            key=f"demo-reminder-{registration.pk}",
            kind=REMINDER_KIND,
            user=person,
            chain=["whatsapp", "email"],
            reply_ref=selectors.registration_ref(registration),
            deadline=session.starts_at,
        )
        TextMessage.objects.create(
            message=message,
            channel="whatsapp",
            provider="whatsapp_cloud",
            to=number,
            template="webinars_reminder",
            status=OutboxStatus.SENT,
            sent_at=now,
            delivery_status="read",
            provider_message_id=f"wamid.demo-{registration.pk}",
        )
        inbound_receive(
            channel="whatsapp",
            provider="whatsapp_cloud",
            provider_message_id=f"wamid.demo-reply-{registration.pk}",
            from_number=number,
            text=text,
        )
    # Someone the academy does not know wrote to the business number.
    inbound_receive(
        channel="whatsapp",
        provider="whatsapp_cloud",
        provider_message_id="wamid.demo-unknown",
        from_number="+22507000099",
        text="Bonjour, je travaille dans un laboratoire à Abidjan : comment rejoindre vos formations ?",
    )


def _quarterly(trainer: User) -> None:
    if Series.objects.filter(title=QUARTERLY_TITLE).exists():
        return
    territories = list(territory_choices().filter(name__in=["Maghreb", "Europe"]))
    services.series_create(
        actor=trainer,
        title=QUARTERLY_TITLE,
        description="What is new in the range, regulatory news and the roadmap for the next quarter.",
        language="en",
        rrule="FREQ=MONTHLY;INTERVAL=3;BYDAY=2WE",
        start_date=_first_date(1),
        start_time=datetime.time(10, 0),
        time_zone="Europe/Paris",
        duration_minutes=45,
        video_url="https://meet.jit.si/academy-quarterly-update",
        audience={"audience_everyone": False, "audience_territories": territories} if territories else None,
    )


def seed() -> list[DemoLogin]:
    trainer = User.objects.get(email=TRAINER_EMAIL)
    _monthly(trainer)
    _quarterly(User.objects.filter(email=TRAINER2_EMAIL).first() or trainer)
    return []
