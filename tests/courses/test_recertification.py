"""Recertification with notice: a new course version that requires it gives
every holder of a valid certificate notice, a grace period and reminders
before its end; only then is the certificate superseded. Boundaries are
exact days: publication day (grace day 0), the last day of grace, the day
after."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from academy import tasks as academy_tasks
from config.celery_app import app as celery_app
from courses import selectors, services
from courses import tasks as courses_tasks
from courses.models import Certificate, Enrollment, Reminder
from tests.courses.factories import build_course, complete_course, lessons_of

pytestmark = pytest.mark.django_db

ISSUED = datetime.date(2026, 1, 12)
PUBLISHED = datetime.date(2026, 3, 2)
DUE = datetime.date(2026, 5, 1)  # 60 days after publication: the last day of grace


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)


def drain() -> int:
    """Run the dispatcher (it sends the e-mails of the reminders it hands
    over in the same run); the number of e-mails sent."""
    from academy.models import OutgoingEmail

    before = OutgoingEmail.objects.filter(status="sent").count()
    academy_tasks.outbox_drain.delay().get()
    return OutgoingEmail.objects.filter(status="sent").count() - before


def publish(course, *, require: bool = True):
    return services.course_publish(
        actor=course.owner,
        course=course,
        new_version=True,
        require_recertification=require,
        notes="Nouveau kit",
    )


@pytest.fixture
def holders(network, time_machine):
    """staff_a (French, distributor A) and staff_b (English, distributor B)
    hold a certificate of version 1, issued on 12 January 2026, without
    expiry; the e-mails of issuing them are already out."""
    network.staff_b.language = "en"
    network.staff_b.save(update_fields=["language"])
    time_machine.move_to(at(ISSUED), tick=False)
    course = build_course(owner=network.trainer, kinds=("text",), title="Kits ELISA : bonnes pratiques")
    complete_course(network.staff_a, course)
    complete_course(network.staff_b, course)
    drain()
    mail.outbox.clear()
    network.course = course
    network.cert_a = Certificate.objects.get(user=network.staff_a)
    network.cert_b = Certificate.objects.get(user=network.staff_b)
    return network


@pytest.fixture
def in_grace(holders, time_machine):
    """Version 2, requiring recertification, published on 2 March 2026."""
    time_machine.move_to(at(PUBLISHED), tick=False)
    publish(holders.course)
    holders.cert_a.refresh_from_db()
    holders.cert_b.refresh_from_db()
    return holders


def sent_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


# ---------------------------------------------------------------- grace period


def test_publishing_opens_a_grace_period_and_enrols_the_holders_again(in_grace, settings):
    net = in_grace
    assert settings.COURSES_RECERTIFICATION_GRACE_DAYS == 60
    for certificate in (net.cert_a, net.cert_b):
        assert (certificate.status, certificate.recertify_by) == ("valid", DUE)
        assert certificate.state() == "valid" and certificate.recertification_due() == DUE
        assert services.recertification_open(certificate)
    again = Enrollment.objects.filter(course=net.course, status="active")
    assert {(e.user, e.source, e.course_version) for e in again} == {
        (net.staff_a, "recertification", 2),
        (net.staff_b, "recertification", 2),
    }


def test_grace_length_is_a_setting(holders, time_machine, settings):
    settings.COURSES_RECERTIFICATION_GRACE_DAYS = 10
    time_machine.move_to(at(PUBLISHED), tick=False)
    publish(holders.course)
    holders.cert_a.refresh_from_db()
    assert holders.cert_a.recertify_by == PUBLISHED + datetime.timedelta(days=10)


def test_a_new_version_without_recertification_changes_nothing(holders, time_machine):
    time_machine.move_to(at(PUBLISHED), tick=False)
    publish(holders.course, require=False)
    assert not Certificate.objects.filter(recertify_by__isnull=False).exists()
    assert not Reminder.objects.filter(kind__startswith="recert").exists()


@pytest.mark.parametrize(
    ("day", "state"),
    [
        (PUBLISHED, "valid"),  # grace day 0
        (PUBLISHED + datetime.timedelta(days=1), "valid"),
        (DUE - datetime.timedelta(days=1), "valid"),
        (DUE, "valid"),  # the last day of grace
        (DUE + datetime.timedelta(days=1), "superseded"),
        (DUE + datetime.timedelta(days=30), "superseded"),
    ],
)
def test_valid_until_the_last_day_of_grace_included(in_grace, time_machine, day, state):
    net = in_grace
    time_machine.move_to(at(day), tick=False)
    assert net.cert_a.state() == state
    assert Certificate.objects.valid_on(day).filter(pk=net.cert_a.pk).exists() is (state == "valid")
    assert services.certificate_valid(user=net.staff_a, course=net.course) == (
        net.cert_a if state == "valid" else None
    )
    services.recertification_close_due()  # recording it changes nothing that reads
    net.cert_a.refresh_from_db()
    assert net.cert_a.state() == state
    assert net.cert_a.status == state
    assert Certificate.objects.valid_on(day).filter(pk=net.cert_a.pk).exists() is (state == "valid")


def test_the_periodic_run_supersedes_the_day_after_grace_and_cancels_reminders(in_grace, time_machine):
    net = in_grace
    time_machine.move_to(at(DUE, 23, 59), tick=False)
    assert courses_tasks.recertification_close.delay().get() == 0
    time_machine.move_to(at(DUE + datetime.timedelta(days=1), 0, 1), tick=False)
    assert courses_tasks.recertification_close.delay().get() == 2
    assert courses_tasks.recertification_close.delay().get() == 0  # twice: nothing more
    net.cert_a.refresh_from_db()
    assert net.cert_a.status == "superseded" and net.cert_a.status_changed_at == timezone.now()
    assert net.cert_a.status_reason == "La version 2 de la formation a été publiée."
    assert not net.cert_a.reminders.filter(status="pending").exists()
    # History still reads right: valid on its last day of grace, not after.
    time_machine.move_to(at(DUE + datetime.timedelta(days=90)), tick=False)
    assert Certificate.objects.valid_on(DUE).filter(pk=net.cert_a.pk).exists()
    assert (
        not Certificate.objects.valid_on(DUE + datetime.timedelta(days=1)).filter(pk=net.cert_a.pk).exists()
    )


def test_beat_runs_the_close_every_hour():
    entry = celery_app.conf.beat_schedule["courses-recertification-close"]
    assert entry["task"] == "courses.recertification_close"
    assert entry["schedule"].minute == {11}


def test_expired_certificates_are_superseded_at_once(network, time_machine):
    time_machine.move_to(at(ISSUED), tick=False)
    course = build_course(owner=network.trainer, kinds=("text",), validity_months=1)
    complete_course(network.staff_a, course)
    time_machine.move_to(at(PUBLISHED), tick=False)  # expired on 12 February
    publish(course)
    certificate = Certificate.objects.get()
    assert (certificate.status, certificate.recertify_by) == ("superseded", None)
    assert not certificate.reminders.filter(kind__startswith="recert").exists()


# ---------------------------------------------------------------- notice and reminders


def test_reminders_are_scheduled_at_their_offsets_in_the_holder_morning(in_grace):
    net = in_grace
    rows = {
        (r.kind, r.days_before): r.send_at for r in net.cert_a.reminders.filter(kind__startswith="recert")
    }
    assert rows == {  # Africa/Dakar is UTC all year
        ("recert_notice", 0): at(PUBLISHED),
        ("recert_due", 30): at(DUE - datetime.timedelta(days=30), 8),
        ("recert_due", 7): at(DUE - datetime.timedelta(days=7), 8),
        ("recert_due", 1): at(DUE - datetime.timedelta(days=1), 8),
    }


def test_reminder_offsets_are_a_setting_and_past_ones_are_left_to_the_notice(holders, time_machine, settings):
    settings.COURSES_RECERTIFICATION_GRACE_DAYS = 14
    settings.COURSES_RECERTIFICATION_REMINDER_DAYS = [1, 30, 14, 3, 3]
    time_machine.move_to(at(PUBLISHED), tick=False)
    publish(holders.course)
    holders.cert_a.refresh_from_db()
    offsets = set(holders.cert_a.reminders.filter(kind="recert_due").values_list("days_before", flat=True))
    assert offsets == {3, 1}  # 30 and 14 days before are today or earlier


def test_notice_then_each_reminder_sent_once_exactly_at_its_offset(in_grace, time_machine):
    net = in_grace
    assert drain() == 2  # the notices, at once
    assert [m.subject for m in sent_to(net.staff_a)] == [
        "[Academy] « Kits ELISA : bonnes pratiques » a une nouvelle version : "
        "recertification à faire d’ici le 1 mai 2026"
    ]
    assert drain() == 0
    for days in (30, 7, 1):
        day = DUE - datetime.timedelta(days=days)
        time_machine.move_to(at(day, 7, 59), tick=False)
        assert drain() == 0  # not before the holder's morning
        time_machine.move_to(at(day, 8, 0), tick=False)
        assert drain() == 2
        assert drain() == 0  # a second run sends nothing more
    time_machine.move_to(at(DUE + datetime.timedelta(days=1), 9), tick=False)
    assert drain() == 0
    messages = sent_to(net.staff_a)
    assert len(messages) == 4
    assert len({m.extra_headers["Message-ID"] for m in messages}) == 4
    assert [m.subject.rsplit(" : ", 1)[-1] for m in messages[1:]] == [
        "plus que 30 jours pour vous recertifier",
        "plus que 7 jours pour vous recertifier",
        "plus que 1 jour pour vous recertifier",
    ]
    kinds = list(
        net.staff_a.notifications.filter(kind__startswith="courses.recert").values_list("kind", flat=True)
    )
    assert sorted(kinds) == ["courses.recert_due"] * 3 + ["courses.recert_notice"]


def test_each_holder_is_told_in_their_own_language(in_grace):
    net = in_grace
    drain()
    (french,) = sent_to(net.staff_a)
    (english,) = sent_to(net.staff_b)
    assert "a une nouvelle version" in french.subject and "1 mai 2026" in french.subject
    assert (
        "La version 2 de la formation « Kits ELISA : bonnes pratiques » vient d’être publiée" in french.body
    )
    assert "reste valide jusqu’au 1 mai 2026" in french.body
    assert f"/courses/{net.course.slug}" in french.body
    assert "has a new version: recertify by 1 May 2026" in english.subject
    assert "Version 2 of the course “Kits ELISA : bonnes pratiques” has been published" in english.body
    assert "stays valid until 1 May 2026" in english.body
    assert net.staff_a.notifications.get(kind="courses.recert_notice").title.startswith("« Kits ELISA")
    assert "recertify by 1 May 2026" in net.staff_b.notifications.get(kind="courses.recert_notice").title


def test_publishing_twice_does_not_double_the_notice_nor_move_the_due_date(in_grace, time_machine):
    net = in_grace
    drain()
    time_machine.move_to(at(PUBLISHED + datetime.timedelta(days=20)), tick=False)
    assert publish(net.course).version == 3
    net.cert_a.refresh_from_db()
    assert (net.cert_a.status, net.cert_a.recertify_by) == ("valid", DUE)
    assert net.cert_a.reminders.filter(kind="recert_notice").count() == 1
    assert drain() == 0
    assert len(sent_to(net.staff_a)) == 1
    assert Enrollment.objects.filter(user=net.staff_a, course=net.course, status="active").count() == 1


def test_renewing_during_grace_replaces_the_certificate_and_cancels_its_reminders(in_grace, time_machine):
    net = in_grace
    drain()
    time_machine.move_to(at(PUBLISHED + datetime.timedelta(days=5)), tick=False)
    services.lesson_complete(user=net.staff_a, lesson=lessons_of(net.course)[0])
    net.cert_a.refresh_from_db()
    assert net.cert_a.status == "replaced"
    renewed = Certificate.objects.get(user=net.staff_a, status="valid")
    assert (renewed.course_version, renewed.recertify_by) == (2, None)
    assert not net.cert_a.reminders.filter(status="pending").exists()
    assert set(net.cert_a.reminders.filter(kind="recert_due").values_list("status", flat=True)) == {
        "cancelled"
    }
    mail.outbox.clear()
    time_machine.move_to(at(DUE - datetime.timedelta(days=30), 9), tick=False)
    assert drain() == 1  # staff_b only
    assert sent_to(net.staff_a) == []
    time_machine.move_to(at(DUE + datetime.timedelta(days=1), 9), tick=False)
    assert services.recertification_close_due() == 1  # staff_b's
    assert renewed.state() == "valid"


# ---------------------------------------------------------------- verification


def test_verification_page_and_api_say_valid_until_the_due_date(in_grace, client, time_machine):
    net = in_grace
    page = client.get(reverse("courses:verify", args=[net.cert_a.code])).content.decode()
    assert "Certificat valide — recertification à faire d’ici le 1 mai 2026" in page
    data = client.get(reverse("api:courses-certificate-verify", args=[net.cert_a.code])).json()
    assert (data["state"], data["recertify_by"]) == ("valid", "2026-05-01")
    client.force_login(net.staff_b)
    mine = client.get(reverse("api:courses-certificate-list")).json()
    (row,) = [c for c in mine["results"] if c["code"] == net.cert_b.code]
    assert (row["state"], row["recertify_by"]) == ("valid", "2026-05-01")
    page = client.get(reverse("courses:certificate", args=[net.cert_b.code])).content.decode()
    assert "Valid — recertification due by 1 May 2026" in page
    client.logout()
    time_machine.move_to(at(DUE, 23, 30), tick=False)
    assert (
        "recertification à faire d’ici le 1 mai 2026"
        in client.get(reverse("courses:verify", args=[net.cert_a.code])).content.decode()
    )
    time_machine.move_to(at(DUE + datetime.timedelta(days=1), 0, 30), tick=False)
    page = client.get(reverse("courses:verify", args=[net.cert_a.code])).content.decode()
    assert "N’est plus à jour : recertification requise" in page and "Certificat valide" not in page
    data = client.get(reverse("api:courses-certificate-verify", args=[net.cert_a.code])).json()
    assert data["state"] == "superseded"


def test_verification_of_a_certificate_never_in_grace_is_unchanged(holders, client):
    page = client.get(reverse("courses:verify", args=[holders.cert_a.code])).content.decode()
    assert "Certificat valide" in page and "recertification" not in page


# ---------------------------------------------------------------- who sees it


def test_team_page_shows_who_is_in_grace_to_its_lead_and_its_manager(in_grace, client):
    net = in_grace
    for viewer in (net.lead_a, net.manager_a, net.admin):
        client.force_login(viewer)
        response = client.get(reverse("courses:team", args=[net.distributor_a.pk]))
        assert response.status_code == 200
        body = response.content.decode()
        assert "Recertifications à faire" in body
        assert f"<td>{net.staff_a}</td><td>Kits ELISA : bonnes pratiques</td><td>01/05/2026</td>" in body
        assert str(net.staff_b) not in body


def test_other_distributor_and_other_territory_see_nothing(in_grace, client):
    net = in_grace
    for viewer in (net.lead_b, net.manager_b, net.staff_a):
        client.force_login(viewer)
        assert client.get(reverse("courses:team", args=[net.distributor_a.pk])).status_code in (403, 404)
        assert not selectors.recertification_due_list(user=viewer, distributor=net.distributor_a).exists()
    assert list(selectors.recertification_due_list(user=net.manager_a, distributor=net.distributor_b)) == []
    assert list(selectors.recertification_due_list(user=net.lead_b, distributor=net.distributor_b)) == [
        net.cert_b
    ]


def test_the_list_leaves_out_renewed_and_superseded_certificates(in_grace, time_machine):
    net = in_grace
    services.lesson_complete(user=net.staff_a, lesson=lessons_of(net.course)[0])
    assert list(selectors.recertification_due_list(user=net.manager_a, distributor=net.distributor_a)) == []
    assert list(selectors.recertification_due_list(user=net.manager_b, distributor=net.distributor_b)) == [
        net.cert_b
    ]
    time_machine.move_to(at(DUE + datetime.timedelta(days=1)), tick=False)
    assert list(selectors.recertification_due_list(user=net.manager_b, distributor=net.distributor_b)) == []


def test_team_page_empty_state(holders, client):
    client.force_login(holders.lead_a)
    body = client.get(reverse("courses:team", args=[holders.distributor_a.pk])).content.decode()
    assert "Personne dans cette équipe n’a de recertification à faire." in body


def test_assignments_page_lists_grace_across_the_territory(in_grace, client, django_assert_num_queries):
    net = in_grace
    row_a = (
        f"<td>{net.staff_a}</td><td>{net.distributor_a.name}</td>"
        "<td>Kits ELISA : bonnes pratiques</td><td>01/05/2026</td>"
    )
    client.force_login(net.manager_a)
    # session, user, membership, distributors, count (no assignment: no page), grace, unread notifications
    with django_assert_num_queries(7):
        body = client.get(reverse("courses:assignments")).content.decode()
    assert "Recertifications à faire" in body and row_a in body and str(net.staff_b) not in body
    chosen = client.get(reverse("courses:assignments"), {"distributor": net.distributor_a.pk})
    assert row_a in chosen.content.decode()
    client.force_login(net.lead_b)
    body = client.get(reverse("courses:assignments")).content.decode()
    assert str(net.staff_b) in body and str(net.staff_a) not in body
    assert list(selectors.recertification_due_overview(user=net.staff_a)) == []
    assert list(selectors.recertification_due_overview(user=net.manager_b)) == [net.cert_b]
    assert selectors.recertification_due_overview(user=net.admin).count() == 2


def test_assignments_page_without_grace_shows_no_recertification(holders, client):
    client.force_login(holders.manager_a)
    assert "Recertifications à faire" not in client.get(reverse("courses:assignments")).content.decode()


def test_assignments_page_caps_the_grace_list(in_grace, client, monkeypatch):
    from courses.views import assignments

    monkeypatch.setattr(assignments, "RECERTIFICATION_SHOWN", 1)
    client.force_login(in_grace.admin)
    body = client.get(reverse("courses:assignments")).content.decode()
    assert "chaque page de formation d’équipe" in body
    assert (str(in_grace.staff_a) in body) != (str(in_grace.staff_b) in body)  # one row of two
    client.force_login(in_grace.manager_a)
    body = client.get(reverse("courses:assignments")).content.decode()
    assert str(in_grace.staff_a) in body and "chaque page de formation d’équipe" not in body
