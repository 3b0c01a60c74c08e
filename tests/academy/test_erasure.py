"""People leave, history stays: anonymising an account, the personal data
export, erasure requests and their processing in the admin."""

import datetime
import io
import json
import zipfile

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from academy.erasure import (
    erased_email,
    erased_name,
    erasure_request_approve,
    erasure_request_create,
    erasure_request_refuse,
    personal_data_parts,
    user_anonymise,
    user_data_export,
)
from academy.errors import ApplicationError
from academy.models import (
    AccountDeletionRefused,
    EngagementEvent,
    ErasureRequest,
    Notification,
    OutgoingEmail,
    User,
    Verb,
)
from academy.outbox import OutboxStatus, outboxes_drain
from academy.services import activity_record, email_enqueue, notification_create
from courses import services as course_services
from courses.models import Certificate, Enrollment, QuizAttempt
from distributors.engagement.models import DistributorDay, DistributorScore, DistributorVerbDay, PersonDay
from distributors.engagement.rollups import rollups_rebuild
from distributors.engagement.services import engagement_refresh
from distributors.models import FieldReport, Membership
from tests.academy.factories import PASSWORD, UserFactory
from tests.courses.factories import build_course, lessons_of, right_answers
from tests.distributors.factories import FieldReportFactory
from tests.webinars.factories import RegistrationFactory, SessionFactory
from webinars import services as webinar_services
from webinars.models import Attendance, ChatMessage, Feedback, Question, RoomEvent

pytestmark = pytest.mark.django_db

SECRET = "Dr Diallo at the Thiès lab wants 40 kits"


def ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def history(network):
    """staff_a (and, to tell them apart, staff_b) with a course completed, a
    web-conference attended with a chat line, a question and feedback, a field
    report, older activity, and the engagement measures computed."""
    course = build_course(kinds=("text", "quiz"))
    for person in (network.staff_a, network.staff_b):
        course_services.enrollment_create(user=person, course=course, source="self")
    for lesson in lessons_of(course):  # staff_a completes it (and earns the certificate)
        if lesson.kind == "quiz":
            attempt = course_services.quiz_attempt_start(user=network.staff_a, quiz=lesson.quiz)
            course_services.quiz_attempt_submit(
                user=network.staff_a, attempt=attempt, answers=right_answers(lesson.quiz)
            )
        else:
            course_services.lesson_complete(user=network.staff_a, lesson=lesson)
    start = timezone.now()
    session = SessionFactory(trainers=[network.trainer], starts_at=start + datetime.timedelta(minutes=5))
    for person in (network.staff_a, network.staff_b):
        RegistrationFactory(session=session, user=person)
    session = webinar_services.session_start(actor=network.trainer, session=session)
    for index, person in enumerate((network.staff_a, network.staff_b)):
        webinar_services.room_connect(
            session=session, user=person, channel_name=f"tab-{index}", role="attendee", at=start
        )
    webinar_services.chat_post(session=session, user=network.staff_a, text=f"Chat: {SECRET}")
    webinar_services.chat_post(session=session, user=network.staff_b, text="Bonjour à tous")
    webinar_services.question_ask(session=session, user=network.staff_a, text=f"Question: {SECRET}")
    webinar_services.question_ask(
        session=session, user=network.staff_a, text=f"Anon: {SECRET}", anonymous=True
    )
    for index in range(2):
        webinar_services.room_disconnect(
            channel_name=f"tab-{index}", at=start + datetime.timedelta(minutes=50)
        )
    webinar_services.session_end(
        actor=network.trainer, session=session, at=start + datetime.timedelta(minutes=60)
    )
    session.refresh_from_db()
    webinar_services.feedback_submit(user=network.staff_a, session=session, rating=4, comment=f"Fb: {SECRET}")
    FieldReportFactory(sender=network.staff_a, title=f"Report: {SECRET}", description=SECRET)
    FieldReportFactory(sender=network.staff_b, title="Kits for Douala", description="Ask for a quote")
    for days in (3, 10, 40, 70):
        activity_record(actor=network.staff_a, verb=Verb.LESSON_VIEWED, minutes=5, occurred_at=ago(days))
    activity_record(actor=network.staff_b, verb=Verb.LESSON_VIEWED, minutes=7, occurred_at=ago(12))
    notification_create(user=network.staff_a, kind="test", title=f"Note: {SECRET}")
    engagement_refresh(months=12)
    network.course = course
    network.session = session
    return network


def _figures() -> dict[str, list[dict]]:
    """Every distributor figure the dashboards read, without bookkeeping columns."""

    def plain(model: type[Model], *order: str) -> list[dict]:
        skip = {"id", "computed_at"}
        return [
            {key: value for key, value in row.items() if key not in skip}
            for row in model.objects.order_by(*order).values()  # type: ignore[attr-defined]
        ]

    return {
        "days": plain(DistributorDay, "distributor_id", "day"),
        "verbs": plain(DistributorVerbDay, "distributor_id", "day", "verb"),
        "scores": plain(DistributorScore, "distributor_id", "kind", "period"),
    }


def _everything_written(user: User) -> str:
    """All the text stored about ``user``'s writing, to search for a secret in."""
    texts = [
        *ChatMessage.objects.filter(author=user).values_list("text", flat=True),
        *Question.objects.filter(author=user).values_list("text", flat=True),
        *Feedback.objects.filter(user=user).values_list("comment", flat=True),
        *FieldReport.objects.filter(sender=user).values_list("title", "description"),
        *Notification.objects.filter(user=user).values_list("title", flat=True),
        json.dumps(
            list(RoomEvent.objects.values("payload", "trainer_payload")), default=str, ensure_ascii=False
        ),
    ]
    return json.dumps(texts, default=str, ensure_ascii=False)


# ---------------------------------------------------------------- anonymising


def test_anonymise_scrubs_the_person_and_keeps_their_history(history):
    person = history.staff_a
    before = {
        "events": EngagementEvent.objects.filter(actor=person).count(),
        "attempts": QuizAttempt.objects.filter(enrollment__user=person).count(),
        "attendance": Attendance.objects.filter(user=person).count(),
        "certificates": Certificate.objects.filter(user=person).count(),
    }
    assert before["events"] > 5 and before["attempts"] == 1 and before["attendance"] == 1
    assert SECRET in _everything_written(person)
    name, address = person.get_full_name(), person.email
    assert Certificate.objects.get(user=person).holder_name == name

    user_anonymise(user=person)

    person.refresh_from_db()
    assert person.email == erased_email(person) == f"erased-{person.pk}@erased.invalid"
    assert (person.last_name, str(person.phone)) == ("", "")
    assert person.get_full_name() == str(person) and person.get_full_name() in {
        "Ancien membre",
        "Former member",
    }
    assert not person.is_active and not person.has_usable_password() and person.erased_at is not None
    assert not person.check_password(PASSWORD)
    person.full_clean()  # an admin can still open and save the anonymised account
    assert SECRET not in _everything_written(person)
    assert "Bonjour à tous" in _everything_written(history.staff_b)  # others' words stay
    assert FieldReport.objects.get(sender=history.staff_b).title == "Kits for Douala"
    assert Certificate.objects.get(user=person).holder_name == erased_name()
    assert not User.objects.filter(email=address).exists()
    assert name not in _everything_written(person)
    assert not Notification.objects.filter(user=person).exists()
    # The history stays attached to the row and to the distributor of the time.
    after = {
        "events": EngagementEvent.objects.filter(actor=person).count(),
        "attempts": QuizAttempt.objects.filter(enrollment__user=person).count(),
        "attendance": Attendance.objects.filter(user=person).count(),
        "certificates": Certificate.objects.filter(user=person).count(),
    }
    assert after == before
    assert set(EngagementEvent.objects.filter(actor=person).values_list("distributor", flat=True)) == {
        history.distributor_a.pk
    }
    assert Membership.objects.get(user=person).distributor == history.distributor_a


def test_figures_are_identical_after_an_erasure_and_a_rebuild(history):
    rollups_rebuild()
    engagement_refresh(months=12)
    before = _figures()
    assert before["days"] and before["verbs"] and before["scores"]
    person_days = PersonDay.objects.filter(user=history.staff_a).count()

    user_anonymise(user=history.staff_a)
    rollups_rebuild()
    engagement_refresh(months=12)

    assert _figures() == before
    assert PersonDay.objects.filter(user=history.staff_a).count() == person_days


def test_anonymising_twice_is_harmless(history):
    first = user_anonymise(user=history.staff_a)
    erased_at = first.erased_at
    again = user_anonymise(user=history.staff_a)
    assert again.erased_at == erased_at and again.email == first.email
    assert EngagementEvent.objects.filter(actor=history.staff_a).exists()


def test_a_team_lead_cannot_be_erased_and_nothing_changes(history):
    lead = history.lead_a
    email = lead.email
    with pytest.raises(ApplicationError) as caught:
        user_anonymise(user=lead)
    assert caught.value.code == "erasure_refused"
    assert "Dist A" in caught.value.message
    lead.refresh_from_db()
    assert lead.email == email and lead.is_active and lead.erased_at is None


def test_deleting_an_account_is_refused_and_cascades_nothing(history):
    person = history.staff_a
    events = EngagementEvent.objects.filter(actor=person).count()
    with pytest.raises(AccountDeletionRefused):
        person.delete()
    with pytest.raises(AccountDeletionRefused):
        User.objects.filter(pk=person.pk).delete()
    with pytest.raises(AccountDeletionRefused):
        User.objects.all().delete()
    assert User.objects.filter(pk=person.pk).exists()
    assert EngagementEvent.objects.filter(actor=person).count() == events


def test_pending_emails_to_the_person_are_withdrawn(history):
    email = email_enqueue(
        key="test.erase", topic="test", user=history.staff_a, template="academy/emails/erasure_refused"
    )
    user_anonymise(user=history.staff_a)
    email.refresh_from_db()
    assert email.status == OutboxStatus.CANCELLED
    assert email.to == erased_email(history.staff_a) and email.body == ""


# ---------------------------------------------------------------- export


def _archive(client, user) -> zipfile.ZipFile:
    client.force_login(user)
    response = client.get(reverse("academy:personal_data_download"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_export_has_every_part_in_valid_json_and_only_the_persons_data(client, history):
    archive = _archive(client, history.staff_a)
    names = set(archive.namelist())
    assert names == {f"{part.name}.json" for part in personal_data_parts()}
    assert {"academy.json", "distributors.json", "courses.json", "webinars.json", "engagement.json"} <= names
    data = {name.removesuffix(".json"): json.loads(archive.read(name)) for name in names}
    assert data["academy"]["profile"]["email"] == history.staff_a.email
    assert {row["verb"] for row in data["academy"]["activity"]} >= {"lesson_viewed", "quiz_passed"}
    assert data["distributors"]["memberships"][0]["distributor__name"] == "Dist A"
    assert [row["title"] for row in data["distributors"]["field_reports"]] == [f"Report: {SECRET}"]
    assert len(data["courses"]["enrollments"]) == 1 and data["courses"]["quiz_attempts"][0]["passed"]
    assert data["courses"]["certificates"]
    assert [row["text"] for row in data["webinars"]["chat_messages"]] == [f"Chat: {SECRET}"]
    assert len(data["webinars"]["questions"]) == 2
    assert data["webinars"]["feedback"][0]["comment"] == f"Fb: {SECRET}"
    assert data["webinars"]["attendance"][0]["attended"] is True
    assert data["engagement"]["days"]
    text = json.dumps(data)
    for other in (history.staff_b, history.lead_a):
        assert other.email not in text
    assert "Bonjour à tous" not in text and "Kits for Douala" not in text


def test_each_person_downloads_their_own_data_only(client, history):
    archive = _archive(client, history.staff_b)
    data = json.loads(archive.read("academy.json"))
    assert data["profile"]["email"] == history.staff_b.email
    assert SECRET not in json.dumps([archive.read(name).decode() for name in archive.namelist()])
    # No address names anybody else's data.
    client.logout()
    response = client.get(reverse("academy:personal_data_download"))
    assert response.status_code == 302 and reverse("academy:login") in response["Location"]
    assert (
        client.get(reverse("academy:personal_data_download") + f"?user={history.staff_a.pk}").status_code
        == 302
    )
    client.force_login(history.staff_b)
    response = client.get(reverse("academy:personal_data_download"), {"user": history.staff_a.pk})
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert json.loads(archive.read("academy.json"))["profile"]["email"] == history.staff_b.email
    assert client.post(reverse("academy:personal_data_download")).status_code == 405


def test_export_of_a_person_with_no_data(client, db):
    person = UserFactory()
    data = user_data_export(user=person)
    assert data["courses"]["enrollments"] == [] and data["webinars"]["chat_messages"] == []
    archive = _archive(client, person)
    assert json.loads(archive.read("distributors.json"))["memberships"] == []


# ---------------------------------------------------------------- erasure requests


def test_profile_offers_the_export_and_erasure(client, history):
    client.force_login(history.staff_a)
    page = client.get(reverse("academy:profile")).content.decode()
    assert reverse("academy:personal_data_download") in page
    assert reverse("academy:erasure_request") in page


def test_asking_for_erasure_needs_the_confirmation(client, history):
    client.force_login(history.staff_a)
    url = reverse("academy:erasure_request")
    assert client.get(url).status_code == 200
    response = client.post(url, {})
    assert response.status_code == 400
    assert response.context["form"].errors["confirm"]
    assert not ErasureRequest.objects.exists()
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    request = ErasureRequest.objects.get(user=history.staff_a)
    assert request.status == "pending"
    # Asking again while it waits changes nothing.
    client.post(url, {"confirm": "on"})
    assert ErasureRequest.objects.filter(user=history.staff_a).count() == 1
    assert erasure_request_create(user=history.staff_a) == request
    assert client.get(url).context["pending"] == request
    assert client.get(reverse("academy:erasure_request")).status_code == 200
    client.logout()
    assert client.post(url, {"confirm": "on"}).status_code == 302  # to the sign-in page
    assert ErasureRequest.objects.count() == 1


def test_a_lead_sees_why_erasure_must_wait(client, history):
    client.force_login(history.lead_a)
    page = client.get(reverse("academy:erasure_request")).content.decode()
    assert "Dist A" in page


def test_approving_a_request_erases_and_tells_the_person(history):
    address = history.staff_a.email
    request = erasure_request_create(user=history.staff_a)
    done = erasure_request_approve(request=request, by=history.admin)
    assert done.status == "done" and done.processed_by == history.admin and done.processed_at
    person = User.objects.get(pk=history.staff_a.pk)
    assert person.erased_at is not None
    email = OutgoingEmail.objects.get(topic="academy.erasure.done")
    assert email.to == address and email.user is None
    mail.outbox.clear()
    assert outboxes_drain().sent >= 1
    assert [message.to for message in mail.outbox if message.to == [address]]
    # Once sent, the academy keeps neither the address nor the text.
    email.refresh_from_db()
    assert email.status == OutboxStatus.SENT and (email.to, email.body, email.html) == ("", "", "")
    assert not OutgoingEmail.objects.filter(to=address).exists()
    with pytest.raises(ApplicationError):
        erasure_request_approve(request=request, by=history.admin)
    with pytest.raises(ApplicationError):
        erasure_request_create(user=person)


def test_approving_a_leads_request_is_refused_with_the_reason(history):
    request = erasure_request_create(user=history.lead_a)
    with pytest.raises(ApplicationError) as caught:
        erasure_request_approve(request=request, by=history.admin)
    assert "leads the team of Dist A" in caught.value.message or "Dist A" in caught.value.message
    request.refresh_from_db()
    assert request.status == "pending"
    assert User.objects.get(pk=history.lead_a.pk).erased_at is None
    assert not OutgoingEmail.objects.filter(topic__startswith="academy.erasure").exists()


def test_refusing_needs_a_reason_and_tells_the_person(history):
    request = erasure_request_create(user=history.staff_a)
    for reason in ("", "   ", "x" * 2001):
        with pytest.raises(ApplicationError) as caught:
            erasure_request_refuse(request=request, by=history.admin, reason=reason)
        assert "reason" in caught.value.fields
    refused = erasure_request_refuse(
        request=request, by=history.admin, reason="Your certificates are audited."
    )
    assert refused.status == "refused" and refused.reason == "Your certificates are audited."
    email = OutgoingEmail.objects.get(topic="academy.erasure")
    assert email.to == history.staff_a.email and "Your certificates are audited." in email.body
    assert User.objects.get(pk=history.staff_a.pk).erased_at is None
    # A new request may follow a refused one.
    assert erasure_request_create(user=history.staff_a).pk != request.pk


# ---------------------------------------------------------------- admin


def test_admin_cannot_delete_accounts(client, history):
    client.force_login(history.admin)
    person = history.staff_a
    events = EngagementEvent.objects.filter(actor=person).count()
    assert client.get(reverse("admin:academy_user_delete", args=[person.pk])).status_code == 403
    assert (
        client.post(reverse("admin:academy_user_delete", args=[person.pk]), {"post": "yes"}).status_code
        == 403
    )
    changelist = reverse("admin:academy_user_changelist")
    response = client.get(changelist)
    actions = dict(response.context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions and "anonymise" in actions
    response = client.post(
        changelist, {"action": "delete_selected", "_selected_action": [person.pk], "post": "yes"}
    )
    assert User.objects.filter(pk=person.pk, erased_at__isnull=True).exists()
    assert EngagementEvent.objects.filter(actor=person).count() == events


def test_admin_anonymise_action_asks_then_anonymises(client, history):
    client.force_login(history.admin)
    waiting = erasure_request_create(user=history.staff_a)
    changelist = reverse("admin:academy_user_changelist")
    selected = [history.staff_a.pk, history.lead_a.pk]
    response = client.post(changelist, {"action": "anonymise", "_selected_action": selected})
    assert response.status_code == 200
    assert "admin/academy/action_confirmation.html" in [template.name for template in response.templates]
    assert User.objects.filter(pk__in=selected, erased_at__isnull=False).count() == 0
    response = client.post(
        changelist, {"action": "anonymise", "_selected_action": selected, "confirm": "yes"}, follow=True
    )
    assert response.status_code == 200
    assert User.objects.get(pk=history.staff_a.pk).erased_at is not None
    assert User.objects.get(pk=history.lead_a.pk).erased_at is None  # still leads Dist A
    waiting.refresh_from_db()
    assert waiting.status == "done" and waiting.processed_by == history.admin
    shown = [str(message) for message in response.context["messages"]]
    assert any("Dist A" in message for message in shown)
    # Twice is harmless.
    client.post(changelist, {"action": "anonymise", "_selected_action": selected, "confirm": "yes"})
    assert EngagementEvent.objects.filter(actor=history.staff_a).exists()


def test_admin_processes_erasure_requests(client, history):
    client.force_login(history.admin)
    first = erasure_request_create(user=history.staff_a)
    second = erasure_request_create(user=history.staff_b)
    changelist = reverse("admin:academy_erasurerequest_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(reverse("admin:academy_erasurerequest_add")).status_code == 403
    response = client.post(changelist, {"action": "approve", "_selected_action": [first.pk]})
    assert response.status_code == 200 and ErasureRequest.objects.get(pk=first.pk).status == "pending"
    client.post(changelist, {"action": "approve", "_selected_action": [first.pk], "confirm": "yes"})
    assert ErasureRequest.objects.get(pk=first.pk).status == "done"
    # Refusing without a reason shows the page again with the error.
    response = client.post(
        changelist, {"action": "refuse", "_selected_action": [second.pk], "confirm": "yes", "reason": " "}
    )
    assert response.status_code == 200 and response.context["error"]
    assert ErasureRequest.objects.get(pk=second.pk).status == "pending"
    client.post(
        changelist,
        {"action": "refuse", "_selected_action": [second.pk], "confirm": "yes", "reason": "Audit running."},
    )
    refused = ErasureRequest.objects.get(pk=second.pk)
    assert refused.status == "refused" and refused.reason == "Audit running."
    assert refused.processed_by == history.admin
    # Processed requests are left alone.
    response = client.post(
        changelist,
        {"action": "approve", "_selected_action": [first.pk, second.pk], "confirm": "yes"},
        follow=True,
    )
    assert ErasureRequest.objects.get(pk=second.pk).status == "refused"
    assert User.objects.get(pk=history.staff_b.pk).erased_at is None


def test_admin_approving_a_leads_request_shows_why(client, history):
    client.force_login(history.admin)
    request = erasure_request_create(user=history.lead_a)
    response = client.post(
        reverse("admin:academy_erasurerequest_changelist"),
        {"action": "approve", "_selected_action": [request.pk], "confirm": "yes"},
        follow=True,
    )
    assert any("Dist A" in str(message) for message in response.context["messages"])
    assert ErasureRequest.objects.get(pk=request.pk).status == "pending"


def test_only_admins_process_requests(client, history):
    request = erasure_request_create(user=history.staff_a)
    client.force_login(history.manager_a)
    response = client.post(
        reverse("admin:academy_erasurerequest_changelist"),
        {"action": "approve", "_selected_action": [request.pk], "confirm": "yes"},
    )
    assert response.status_code == 302  # to the admin sign-in
    assert ErasureRequest.objects.get(pk=request.pk).status == "pending"
    assert Enrollment.objects.filter(user=history.staff_a).exists()


def test_export_queries_do_not_grow_with_the_data(client, history, django_assert_num_queries):
    counts = []
    for person in (history.staff_a, UserFactory()):
        with CaptureQueriesContext(connection) as queries:
            user_data_export(user=person)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_num_queries(counts[0]):
        user_data_export(user=history.staff_b)


def test_sign_in_records_and_admin_history_forget_the_person(history):
    person = history.staff_a
    address, name = person.email, person.get_full_name()
    AccessAttempt.objects.create(
        username=address, ip_address="192.0.2.1", user_agent="x", failures_since_start=1
    )
    AccessLog.objects.create(username=address, ip_address="192.0.2.1", user_agent="x")
    AccessLog.objects.create(username=history.staff_b.email, ip_address="192.0.2.2", user_agent="x")
    LogEntry.objects.create(
        user=history.admin,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(person.pk),
        object_repr=name,
        action_flag=CHANGE,
    )
    user_anonymise(user=person)
    assert not AccessAttempt.objects.filter(username=address).exists()
    assert not AccessLog.objects.filter(username=address).exists()
    assert AccessLog.objects.filter(username=history.staff_b.email).exists()
    assert not LogEntry.objects.filter(object_repr=name).exists()


def test_an_admin_does_not_anonymise_themselves_by_mistake(client, history):
    client.force_login(history.admin)
    response = client.post(
        reverse("admin:academy_user_changelist"),
        {"action": "anonymise", "_selected_action": [history.admin.pk], "confirm": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert User.objects.get(pk=history.admin.pk).erased_at is None
