"""Whole journeys of the people the academy is for, each in French and
English on a desktop and in French on a 360×740 phone:

1. an invited staff member joins, follows the assigned onboarding path to a
   certificate whose public page says it is valid;
2. a distributor lead invites, removes a member who left and sees the
   certified headcount change;
3. a trainer writes and publishes a course, and schedules a monthly series;
5. a lead or a learner typing addresses that are not theirs.

The database is shared by the whole run: every person or course a journey
creates carries the variant in its address or title.
"""

import datetime
import re
import time
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from tests.e2e.checks import check_page
from tests.e2e.conftest import latest_mail_to

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "baobab-savane-2026"
TRAINER = "claire.martin@academy.example"


@dataclass(frozen=True)
class Team:
    lead: str
    distributor: str
    domain: str
    onboarding_path: str
    time_zone: str
    newcomer: tuple[str, str]  # first and last name of the person invited
    leaver: tuple[str, str]  # first and last name of a certified member who leaves


# A French-speaking team in Dakar, an English-speaking one in Brussels; each
# has its onboarding path assigned to the whole team (courses demo).
TEAMS = {
    "fr": Team(
        lead="fatou.ndiaye@biodiag-senegal.example",
        distributor="BioDiag Sénégal",
        domain="biodiag-senegal.example",
        onboarding_path="integration-nouveaux-collaborateurs",
        time_zone="Africa/Dakar",
        newcomer=("Mariama", "Sarr"),
        leaver=("Awa", "Diouf"),
    ),
    "en": Team(
        lead="lucas.peeters@labo-conseil-benelux.example",
        distributor="Labo Conseil Benelux",
        domain="labo-conseil-benelux.example",
        onboarding_path="new-staff-onboarding",
        time_zone="Europe/Brussels",
        newcomer=("Olivia", "Janssens"),
        leaver=("Tom", "Claes"),
    ),
}

TEXT = {
    "fr": {
        "invitation_sent": "Une invitation a été envoyée à {email}.",
        "pending": "En attente",
        "welcome": "Bienvenue dans l’équipe de {distributor} !",
        "hello": "Bonjour {name},",
        "not_passed": "Non réussi : 0 %",
        "passed": "Réussi avec 100 %. Bravo !",
        "valid": "Certificat valide",
        "removed": "{person} ne fait plus partie de {distributor}.",
        "not_found": "Page introuvable",
        "forbidden": "Accès refusé",
        "course_created": "Formation créée. Ajoutez ses modules et ses leçons.",
        "published": "La version 1 est publiée.",
        "series_created": "La série est créée et ses sessions sont programmées.",
        "no_course": "Aucune formation ne correspond à ces filtres.",
    },
    "en": {
        "invitation_sent": "An invitation has been sent to {email}.",
        "pending": "Pending",
        "welcome": "Welcome to the team of {distributor}!",
        "hello": "Hello {name},",
        "not_passed": "Not passed: 0 %",
        "passed": "Passed with 100 %. Well done!",
        "valid": "Valid certificate",
        "removed": "{person} no longer belongs to {distributor}.",
        "not_found": "Page not found",
        "forbidden": "Access denied",
        "course_created": "Course created. Add its modules and lessons.",
        "published": "Version 1 is published.",
        "series_created": "The series is created and its sessions are scheduled.",
        "no_course": "No course matches these filters.",
    },
}


def _team_pk(team: Team) -> int:
    from distributors.models import Distributor

    return Distributor.objects.get(name=team.distributor).pk


def _invite(lead, *, email: str, first_name: str, last_name: str, language: str) -> float:
    """The lead invites ``email`` from their team page; returns the moment
    before sending (to pick the e-mail up)."""
    page = lead.page
    page.goto("/distributors/mine/")
    page.locator("main a[href$='/invitations/']").first.click()
    page.fill("#id_email", email)
    page.fill("#id_first_name", first_name)
    page.fill("#id_last_name", last_name)
    page.select_option("#id_language", language)
    since = time.time() - 1
    page.locator("main form:has(#id_email) button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text(
        TEXT[lead.language]["invitation_sent"].format(email=email)
    )
    return since


def _headcount(page, distributor_pk: int, course_title: str) -> tuple[int, int]:
    """(certified, current staff) for ``course_title`` on the team's training page."""
    page.goto("/courses/assignments/")
    page.locator(f"main a[href='/courses/assignments/teams/{distributor_pk}/']").click()
    cells = page.locator(
        "main table tr", has=page.get_by_role("cell", name=course_title, exact=True)
    ).locator("td")
    return int(cells.nth(1).inner_text()), int(cells.nth(2).inner_text())


def _quiz_questions(course_slug: str) -> list[tuple[str, list[str], list[str]]]:
    """(question, right answers, wrong answers) of the course's quiz, as stored."""
    from courses.models import Lesson

    lesson = Lesson.objects.select_related("quiz").get(module__course__slug=course_slug, kind="quiz")
    return [
        (
            question.text,
            [choice.text for choice in question.choices.all() if choice.is_correct],
            [choice.text for choice in question.choices.all() if not choice.is_correct],
        )
        for question in lesson.quiz.questions.prefetch_related("choices").order_by("position")
    ]


def _answer_quiz(page, questions, *, right: bool) -> None:
    for text, right_answers, wrong_answers in questions:
        fieldset = page.locator("main fieldset", has=page.locator("legend", has_text=text))
        for answer in right_answers if right else wrong_answers[:1]:
            fieldset.get_by_label(answer, exact=True).check()
    page.locator("main .quiz form button[type=submit]").click()


# ------------------------------------------------------------------ journey 1


def test_invited_staff_member_joins_and_earns_a_certificate(visitor_factory, variant):
    from academy.models import User

    language = variant[:2]
    team, text = TEAMS[language], TEXT[language]
    first_name, last_name = team.newcomer
    email = f"{first_name}.{last_name}.{variant}@{team.domain}".lower()

    lead = visitor_factory()
    lead.login(team.lead)
    since = _invite(lead, email=email, first_name=first_name, last_name=last_name, language=language)
    check_page(lead, "invitations")
    mail = latest_mail_to(email, since=since)
    assert text["hello"].format(name=first_name) in mail  # written in the invitation's language
    link = re.search(r"^https?://[^/\s]+(/distributors/invitations/\S+/)$", mail, re.MULTILINE).group(1)

    # On the road, away from the team's (and the inviter's) zone.
    newcomer = visitor_factory(timezone_id="Africa/Kinshasa")
    page = newcomer.page
    page.goto(link)
    check_page(newcomer, "invitation-accept")
    expect(page.locator("#id_first_name")).to_have_value(first_name)
    # The page's script offers the browser's time zone in place of the inviter's.
    expect(page.locator("#id_time_zone")).to_have_value("Africa/Kinshasa")
    page.fill("#id_password1", NEW_PASSWORD)
    page.fill("#id_password2", NEW_PASSWORD)
    page.select_option("#id_language", language)
    page.select_option("#id_time_zone", team.time_zone)
    page.locator("main form button[type=submit]").click()

    # Home, in the chosen language, with the onboarding path assigned to the team.
    expect(page).to_have_url(f"{newcomer.base_url}/")
    expect(page.locator(".messages")).to_contain_text(text["welcome"].format(distributor=team.distributor))
    expect(page.locator("html")).to_have_attribute("lang", language)
    account = User.objects.get(email=email)
    assert (account.language, account.time_zone) == (language, team.time_zone)
    check_page(newcomer, "home-newcomer")
    page.locator(f"main a[href='/courses/paths/{team.onboarding_path}/']").first.click()
    check_page(newcomer, "path")
    course_link = page.locator("main ol li a").first
    course_slug = course_link.get_attribute("href").strip("/").split("/")[-1]
    course_link.click()
    check_page(newcomer, "course")

    # Read the lessons in order, marking each one done, until the quiz.
    page.locator("main section.card .actions a.button").click()
    expect(page.locator("main .lesson-body")).not_to_be_empty()
    check_page(newcomer, "lesson")
    mark_done = page.locator("main form[action$='/complete/'] button")
    while mark_done.count():
        lesson_url = page.url
        mark_done.click()
        page.wait_for_url(lambda url, left=lesson_url: url != left)  # the next lesson
    questions = _quiz_questions(course_slug)
    page.locator("main .quiz form button[type=submit]").click()  # start the quiz
    check_page(newcomer, "quiz")
    _answer_quiz(page, questions, right=False)
    expect(page.locator(".messages")).to_contain_text(text["not_passed"])
    page.locator("main .quiz form button[type=submit]").click()  # try again
    _answer_quiz(page, questions, right=True)
    expect(page.locator(".messages")).to_contain_text(text["passed"])

    # The course is complete: its certificate, the PDF and the public check.
    page.goto(f"/courses/{course_slug}/")
    page.locator("main a[href^='/courses/certificates/']").click()
    check_page(newcomer, "certificate")
    with page.expect_download() as download:
        page.locator("main a[href$='/pdf/']").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    verify_url = page.locator("main a[href*='/courses/verify/']").get_attribute("href")

    stranger = visitor_factory()
    stranger.page.goto(verify_url)
    expect(stranger.page.locator("main .certificate-state")).to_have_text(text["valid"])
    expect(stranger.page.locator("main")).to_contain_text(f"{first_name} {last_name}")
    expect(stranger.page.locator("header a[href^='/login/']")).to_have_count(1)  # not signed in
    check_page(stranger, "verify")


# ------------------------------------------------------------------ journey 2


def _certified_member(team: Team, variant: str):
    """A member of ``team`` who completed the first course of the team's
    onboarding path (set up through the services, as if it happened earlier)."""
    from academy import services as academy_services
    from courses.models import LearningPath
    from distributors.models import Distributor
    from tests.courses.factories import complete_course
    from tests.distributors.factories import MembershipFactory

    first_name, last_name = team.leaver
    user = academy_services.user_create(
        email=f"{first_name}.{last_name}.{variant}@{team.domain}".lower(),
        first_name=first_name,
        last_name=last_name,
        password=NEW_PASSWORD,
        language=variant[:2],
    )
    MembershipFactory(
        user=user,
        distributor=Distributor.objects.get(name=team.distributor),
        joined_on=datetime.date.today() - datetime.timedelta(days=300),
    )
    course = (
        LearningPath.objects.get(slug=team.onboarding_path).courses.order_by("path_links__position").first()
    )
    complete_course(user, course)
    return user, course


def test_lead_invites_removes_a_leaver_and_sees_the_headcount(visitor_factory, variant):
    language = variant[:2]
    team, text = TEAMS[language], TEXT[language]
    leaver, course = _certified_member(team, variant)
    team_pk = _team_pk(team)

    lead = visitor_factory()
    lead.login(team.lead)
    page = lead.page
    certified, staff = _headcount(page, team_pk, course.title)

    invited = f"nouvelle.recrue.{variant}@{team.domain}"
    _invite(lead, email=invited, first_name="Nouvelle", last_name="Recrue", language=language)
    pending = page.locator("main table tr", has_text=invited)
    expect(pending).to_contain_text(text["pending"])
    page.goto("/distributors/mine/")
    expect(page.locator("main table tr", has_text=invited)).to_contain_text(text["pending"])
    check_page(lead, "team")

    page.locator("main table tr", has_text=leaver.email).locator("a[href*='/remove/']").click()
    check_page(lead, "member-remove")
    page.fill("#id_reason", "Left the company" if language == "en" else "A quitté l’entreprise")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text(
        text["removed"].format(person=f"{leaver.first_name} {leaver.last_name}", distributor=team.distributor)
    )
    expect(page.locator("main table", has_text=leaver.email)).to_have_count(0)

    assert _headcount(page, team_pk, course.title) == (certified - 1, staff - 1)
    expect(page.locator("main")).not_to_contain_text(f"{leaver.first_name} {leaver.last_name}")
    check_page(lead, "team-training")


# ------------------------------------------------------------------ journey 3 (authoring)


def test_trainer_publishes_a_course_and_schedules_a_monthly_series(visitor_factory, variant):
    language = variant[:2]
    text = TEXT[language]
    title = {
        "fr": "Chaîne du froid des réactifs",
        "en": "Keeping reagents cold",
    }[language] + f" ({variant})"

    trainer = visitor_factory()
    trainer.login(TRAINER)
    page = trainer.page
    page.goto("/courses/authoring/")
    check_page(trainer, "authoring")
    page.locator("main a[href='/courses/authoring/new/']").click()
    check_page(trainer, "course-new")
    page.fill("#id_title", title)
    page.fill(
        "#id_summary",
        "Receive, store and ship ELISA kits between 2 and 8 °C."
        if language == "en"
        else "Recevoir, stocker et expédier les coffrets ELISA entre 2 et 8 °C.",
    )
    page.select_option("#id_language", language)
    page.fill("#id_estimated_minutes", "20")
    page.fill("#id_validity_months", "24")
    # For West Africa only: a learner there finds it, one in Central Africa does not.
    page.uncheck("#id_audience_everyone")
    page.get_by_label("Afrique de l'Ouest", exact=True).check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text(text["course_created"])
    check_page(trainer, "course-edit")

    page.fill("#id_module_title", "Réception" if language == "fr" else "Receiving")
    page.locator("main form[action$='/modules/new/'] button[type=submit]").click()
    page.locator("main a[href*='/lessons/new/?kind=text']").click()
    page.fill("#id_title", "Contrôler la température" if language == "fr" else "Check the temperature")
    page.fill(
        "#id_body",
        "Relevez l’**indicateur de température** du colis avant de signer le bon de livraison."
        if language == "fr"
        else "Read the parcel's **temperature indicator** before signing the delivery note.",
    )
    page.locator("main form button[type=submit]").first.click()
    page.locator("main a[href*='/lessons/new/?kind=quiz']").click()
    page.fill("#id_title", "Quiz")
    page.locator("main form button[type=submit]").first.click()
    check_page(trainer, "quiz-edit")
    page.locator("main a[href*='/questions/new/?kind=single']").click()
    question = (
        "Entre quelles températures conserver un coffret ELISA ?"
        if language == "fr"
        else "Between which temperatures is an ELISA kit kept?"
    )
    page.fill("#id_text", question)
    for row, (answer, correct) in enumerate([("2 – 8 °C", True), ("15 – 25 °C", False), ("-20 °C", False)]):
        page.fill(f"#id_choices-{row}-text", answer)
        if correct:
            page.check(f"#id_choices-{row}-is_correct")
    check_page(trainer, "question")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text(question)
    page.locator("main p.small a[href^='/courses/authoring/']").first.click()  # back to the course
    page.locator("main #publication form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text(text["published"])

    for email, expected in [
        ("ibrahima.diop@biodiag-senegal.example", title),  # Dakar: West Africa
        ("esther.ngo@cameroun-diagnostic.example", text["no_course"]),  # Douala: Central Africa
    ]:
        learner = visitor_factory()
        learner.login(email)
        learner.page.goto("/courses/")
        learner.page.fill("input[name=q]", title)
        learner.page.locator("main form.filters button[type=submit]").click()
        expect(learner.page.locator("main")).to_contain_text(expected)
    check_page(learner, "catalogue")

    # A monthly series on the first Thursday, its next dates previewed before saving.
    page.goto("/webinars/manage/")
    page.locator("main a[href='/webinars/manage/series/new/']").click()
    series_title = f"{'Club qualité' if language == 'fr' else 'Quality club'} ({variant})"
    page.fill("#id_title", series_title)
    page.select_option("#id_language", language)
    page.fill("#id_rrule", "FREQ=MONTHLY;BYDAY=1TH")
    start = datetime.date.today().replace(day=1) + datetime.timedelta(days=62)
    page.fill("#id_start_date", start.isoformat())
    page.fill("#id_start_time", "10:00")
    page.select_option("#id_time_zone", "Africa/Abidjan")
    page.locator("main button[name=preview]").click()
    dates = page.locator("main aside ol li")
    expect(dates).to_have_count(6)
    check_page(trainer, "series-new")
    weekday = "jeudi" if language == "fr" else "Thursday"
    for line in dates.all_inner_texts():
        day = int(re.search(rf"{weekday} (\d+)", line).group(1))
        assert 1 <= day <= 7 and "10:00" in line, line
    page.locator("main form button[type=submit]:not([name=preview])").click()
    expect(page.locator(".messages")).to_contain_text(text["series_created"])
    series_link = page.locator("a[href*='/manage/series/']", has_text=series_title)
    expect(page.locator("main tr", has=series_link)).to_contain_text("FREQ=MONTHLY;BYDAY=1TH")


# ------------------------------------------------------------------ journey 5


def _expect_refusal(visitor, path: str, status: int) -> None:
    """``path`` answers ``status`` with the site's page for it, in the visitor's language."""
    response = visitor.page.goto(path)
    assert response is not None and response.status == status, f"{path}: {response and response.status}"
    heading = TEXT[visitor.language]["not_found" if status == 404 else "forbidden"]
    expect(visitor.page.locator("h1")).to_have_text(heading)
    expect(visitor.page.locator("html")).to_have_attribute("lang", visitor.language)


def _forgive_refusals(visitor, status: int, count: int) -> None:
    """Chromium reports each page answered with an error status on the
    console; those of the ``count`` refusals asked for are not errors of the site."""
    logged = f"Failed to load resource: the server responded with a status of {status} "
    for _ in range(count):
        match = next((error for error in visitor.console_errors if error.startswith(logged)), None)
        if match is None:
            break
        visitor.console_errors.remove(match)


def test_lead_typing_another_distributors_addresses_gets_not_found(visitor, variant):
    from courses.models import Assignment, Certificate
    from distributors.models import Distributor, FieldReport, Membership

    team = TEAMS[variant[:2]]
    other = Distributor.objects.get(name="Ivoire Labo Services")
    member = Membership.objects.filter(distributor=other, left_on__isnull=True, role="staff").first()
    addresses = [
        f"/distributors/{other.pk}/",
        f"/distributors/{other.pk}/invitations/",
        f"/distributors/{other.pk}/members/{member.pk}/remove/",
        f"/courses/assignments/teams/{other.pk}/",
        f"/courses/assignments/{Assignment.objects.filter(distributor=other).first().pk}/",
        f"/distributors/field-reports/{FieldReport.objects.filter(distributor=other).first().pk}/",
    ]
    # Another learner's certificate, in another team and in the lead's own team.
    for certificate in [
        Certificate.objects.filter(user__memberships__distributor=other).first(),
        Certificate.objects.filter(user__memberships__distributor__name=team.distributor)
        .exclude(user__email=team.lead)
        .first(),
    ]:
        addresses += [
            f"/courses/certificates/{certificate.code}/",
            f"/courses/certificates/{certificate.code}/pdf/",
        ]

    visitor.login(team.lead)
    for path in addresses:
        _expect_refusal(visitor, path, 404)
    check_page(visitor, "not-found")
    # Course results are the trainers' pages: refused to anyone else, whatever the course.
    trainer_pages = ["/courses/kits-elisa-principes/results/", "/courses/no-such-course/results/"]
    for path in trainer_pages:
        _expect_refusal(visitor, path, 403)
    _forgive_refusals(visitor, 404, len(addresses))
    _forgive_refusals(visitor, 403, len(trainer_pages))


def test_learner_typing_trainer_and_manager_addresses_is_refused(visitor, variant):
    from distributors.models import Distributor
    from webinars.models import Series

    visitor.login("serge.yao@ivoire-labo-services.example")
    series = Series.objects.order_by("pk").first()
    own = Distributor.objects.get(name="Ivoire Labo Services").pk
    trainer_and_manager_pages = [
        "/courses/authoring/",
        "/courses/authoring/new/",
        "/courses/kits-elisa-principes/results/",
        "/courses/assignments/",
        "/webinars/manage/",
        f"/webinars/manage/series/{series.pk}/",
        "/webinars/report/",
        "/distributors/",
        # The learner's own team, but leads' pages.
        f"/distributors/{own}/invitations/",
        f"/courses/assignments/teams/{own}/",
    ]
    for path in trainer_and_manager_pages:
        _expect_refusal(visitor, path, 403)
    check_page(visitor, "forbidden")
    _forgive_refusals(visitor, 403, len(trainer_and_manager_pages))
