"""A large synthetic academy for measuring: ``--scale 1`` ≈ 300 distributors,
10,000 people, 150 courses, 2,000,000 engagement events over a year and 600
web-conference sessions, with assignments, certificates and attendance.

Rows are written in bulk (``bulk_create`` in batches, and PostgreSQL
``COPY`` for the events) instead of through the services: going through a
service per row would take hours at this size, and the services' own rules
are not what this data set measures. Everything is created in an empty
database (refused otherwise, unless ``--force``). The rollups and score
snapshots are computed at the end unless ``--no-refresh``."""

import datetime
import json
import random
import time
import uuid

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from academy.demo import demo_data_guard, demo_password
from academy.models import EngagementEvent, Role, User, Verb
from courses.models import Assignee, Assignment, Category, Certificate, Course, Enrollment, EnrollmentStatus
from distributors.engagement.rollups import rollups_rebuild
from distributors.engagement.scores import snapshots_refresh
from distributors.models import Distributor, Membership, Territory
from webinars.models import Attendance, Registration, Series, Session

COUNTRIES = [
    "SN",
    "CI",
    "ML",
    "BF",
    "GN",
    "BJ",
    "TG",
    "NE",
    "CM",
    "GA",
    "CG",
    "CD",
    "MA",
    "DZ",
    "TN",
    "FR",
    "BE",
]
VERB_MIX = [
    (Verb.LOGGED_IN, 26),
    (Verb.LESSON_VIEWED, 22),
    (Verb.LESSON_COMPLETED, 20),
    (Verb.QUIZ_PASSED, 5),
    (Verb.QUIZ_FAILED, 2),
    (Verb.COURSE_COMPLETED, 3),
    (Verb.ENROLLED, 4),
    (Verb.WEBINAR_REGISTERED, 4),
    (Verb.WEBINAR_ATTENDED, 3),
    (Verb.REPLAY_WATCHED, 3),
    (Verb.CHAT_POSTED, 3),
    (Verb.QUESTION_ASKED, 2),
    (Verb.FIELD_REPORT_SENT, 1),
    (Verb.FEEDBACK_GIVEN, 2),
]
BATCH = 5000


class Command(BaseCommand):
    help = "Fill an empty database with a large synthetic academy (bulk inserts) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--force", action="store_true", help="Add to a database that already has people.")
        parser.add_argument(
            "--no-refresh", action="store_true", help="Skip the rollups and scores at the end."
        )
        parser.add_argument(
            "--force-production",
            action="store_true",
            help="Run even with the production settings (its accounts get no password).",
        )

    def handle(
        self,
        *args,
        scale: float,
        seed: int,
        force: bool,
        no_refresh: bool,
        force_production: bool = False,
        **options,
    ) -> None:
        demo_data_guard(force=force_production)
        if scale <= 0:
            raise CommandError("--scale must be positive.")
        if User.objects.exists() and not force:
            raise CommandError("The database already has people: use an empty database (or --force).")
        self.rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
        self.now = timezone.now().replace(minute=0, second=0, microsecond=0)
        # Unusable (None) where demo data is not wanted: no known password in production.
        self.password = make_password("academy-bench" if demo_password() else None)
        self.tag = uuid.uuid4().hex[:6]
        n_distributors = max(2, round(300 * scale))
        n_people = max(10, round(10_000 * scale))
        n_courses = max(2, round(150 * scale))
        n_events = max(100, round(2_000_000 * scale))
        n_sessions = max(2, round(600 * scale))
        started = time.perf_counter()
        with transaction.atomic():
            managers, trainer = self._staff()
            distributors = self._network(managers, n_distributors)
            people = self._people(distributors, n_people)
            courses = self._courses(trainer, n_courses)
            self._assignments(distributors, people, courses, managers)
            monthly = self._sessions(trainer, n_sessions)
            self._attendance(monthly, people)
        self.stdout.write(f"Network, courses and sessions: {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        self._events(people, n_events)
        self.stdout.write(f"{n_events} events: {time.perf_counter() - started:.1f} s")
        if connection.vendor == "postgresql":
            # Every table here was written in bulk: fresh planner statistics now,
            # not when autovacuum comes round, or the first reads (the event log's
            # pages above all) get plans made for empty tables.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        if not no_refresh:
            started = time.perf_counter()
            rollups_rebuild()
            snapshots_refresh(months=12)
            self.stdout.write(f"Rollups and 12 months of scores: {time.perf_counter() - started:.1f} s")
        self.stdout.write(
            self.style.SUCCESS("Large academy ready; every account's password is academy-bench.")
        )

    # ------------------------------------------------------------------ parts

    def _user(self, email: str, first: str, last: str, role: str, country: str = "") -> User:
        return User(
            email=email,
            first_name=first,
            last_name=last,
            role=role,
            language=self.rng.choice(["fr", "fr", "fr", "en"]),
            time_zone="Africa/Abidjan",
            country=country,
            password=self.password,
            is_active=True,
        )

    def _staff(self) -> tuple[list[User], User]:
        users = [
            self._user(f"manager{i}.{self.tag}@bench.example", "Manager", str(i), Role.MANAGER)
            for i in range(4)
        ]
        users.append(self._user(f"trainer.{self.tag}@bench.example", "Trainer", "Bench", Role.TRAINER))
        users.append(self._user(f"admin.{self.tag}@bench.example", "Admin", "Bench", Role.ADMIN))
        created = User.objects.bulk_create(users)
        return created[:4], created[4]

    def _network(self, managers: list[User], count: int) -> list[Distributor]:
        territories = []
        for index, manager in enumerate(managers):
            territory = Territory.objects.create(
                name=f"Territory {index} {self.tag}",
                # A multiple CountryField takes a list of codes; its stub types it as one string.
                countries=COUNTRIES[index * 4 : index * 4 + 5],  # type: ignore[misc]
            )
            territory.managers.add(manager)
            territories.append(territory)
        rows = []
        for index in range(count):
            territory = territories[index % len(territories)]
            rows.append(
                Distributor(
                    name=f"Distributor {index:04d} {self.tag}",
                    territory=territory,
                    country=self.rng.choice(territory.countries),
                    city="City",
                    status=self.rng.choice(["active"] * 6 + ["onboarding", "suspended"]),
                    account_manager=managers[index % len(managers)],
                )
            )
        distributors = Distributor.objects.bulk_create(rows, batch_size=BATCH)
        # Engagement level per distributor: engaged, average, drifting, at risk.
        self.level = {d.pk: self.rng.choice([0.9, 0.7, 0.5, 0.3, 0.1]) for d in distributors}
        return distributors

    def _people(self, distributors: list[Distributor], count: int) -> list[tuple[int, int]]:
        """People and their memberships; returns (user id, distributor id) of each."""
        users = [
            self._user(f"person{i}.{self.tag}@bench.example", "Person", str(i), Role.LEARNER)
            for i in range(count)
        ]
        users = User.objects.bulk_create(users, batch_size=BATCH)
        today = timezone.localdate()
        memberships = []
        people = []
        for index, user in enumerate(users):
            distributor = distributors[index % len(distributors)]
            joined = today - datetime.timedelta(days=self.rng.randint(10, 1500))
            left = None
            if self.rng.random() < 0.08:
                left = min(today, joined + datetime.timedelta(days=self.rng.randint(30, 400)))
            memberships.append(
                Membership(
                    user=user,
                    distributor=distributor,
                    role="lead" if index < len(distributors) else "staff",
                    joined_on=joined,
                    left_on=left,
                )
            )
            people.append((user.pk, distributor.pk))
        Membership.objects.bulk_create(memberships, batch_size=BATCH)
        self.members = people
        return people

    def _courses(self, trainer: User, count: int) -> list[Course]:
        category = Category.objects.create(
            slug=f"bench-{self.tag}", name_fr="Banc d’essai", name_en="Benchmark"
        )
        rows = [
            Course(
                title=f"Course {i:03d}",
                slug=f"course-{i:03d}-{self.tag}",
                language="fr",
                category=category,
                status="published",
                published_at=self.now,
                owner=trainer,
                validity_months=24,
            )
            for i in range(count)
        ]
        return Course.objects.bulk_create(rows, batch_size=BATCH)

    def _assignments(self, distributors, people, courses, managers) -> None:
        today = timezone.localdate()
        assignments = [
            Assignment(
                distributor=distributor,
                course=course,
                due_days=60,
                created_by=managers[0],
                created_at=self.now - datetime.timedelta(days=200),
            )
            for distributor in distributors
            for course in self.rng.sample(courses, k=min(2, len(courses)))
        ]
        assignments = Assignment.objects.bulk_create(assignments, batch_size=BATCH)
        by_distributor: dict[int, list[Assignment]] = {}
        for assignment in assignments:
            by_distributor.setdefault(assignment.distributor_id, []).append(assignment)
        assignees, enrollments, certificates = [], [], []
        for user_id, distributor_id in people:
            level = self.level[distributor_id]
            for assignment in by_distributor.get(distributor_id, []):
                course_id = assignment.course_id
                if course_id is None:  # every assignment here is of a course, not a path
                    continue
                done = self.rng.random() < level
                completed = self.now - datetime.timedelta(days=self.rng.randint(1, 190)) if done else None
                assignees.append(
                    Assignee(
                        assignment=assignment,
                        user_id=user_id,
                        due_on=today - datetime.timedelta(days=self.rng.randint(-60, 140)),
                        completed_at=completed,
                    )
                )
                if completed is not None:
                    enrollments.append(
                        Enrollment(
                            user_id=user_id,
                            course_id=course_id,
                            distributor_id=distributor_id,
                            status=EnrollmentStatus.COMPLETED,
                            enrolled_at=completed - datetime.timedelta(days=10),
                            completed_at=completed,
                            progress_percent=100,
                        )
                    )
                    issued = completed.date()
                    certificates.append(
                        Certificate(
                            user_id=user_id,
                            course_id=assignment.course_id,
                            code=uuid.uuid4().hex[:16].upper(),
                            holder_name=f"Person {user_id}",
                            title=f"Course {assignment.course_id}",
                            issued_on=issued,
                            expires_on=issued + datetime.timedelta(days=730),
                        )
                    )
        Assignee.objects.bulk_create(assignees, batch_size=BATCH)
        Enrollment.objects.bulk_create(enrollments, batch_size=BATCH)
        Certificate.objects.bulk_create(certificates, batch_size=BATCH)

    def _sessions(self, trainer: User, count: int) -> list[Session]:
        series = Series.objects.create(
            title=f"Monthly meeting {self.tag}",
            rrule="FREQ=MONTHLY;BYDAY=1TH",
            start_date=(self.now - datetime.timedelta(days=800)).date(),
            start_time=datetime.time(14, 0),
            time_zone="Africa/Abidjan",
            created_by=trainer,
        )
        monthly_count = min(count, 24)
        rows = []
        for index in range(count):
            if index < monthly_count:
                starts = self.now - datetime.timedelta(days=30 * (index + 1) - 5)
                rows.append(
                    Session(
                        series=series,
                        occurrence_start=starts,
                        title=f"Monthly meeting {index}",
                        starts_at=starts,
                        time_zone="Africa/Abidjan",
                        status="ended",
                        started_at=starts,
                        ended_at=starts + datetime.timedelta(hours=1),
                    )
                )
            else:
                starts = self.now + datetime.timedelta(
                    days=self.rng.randint(-365, 90), hours=self.rng.randint(0, 8)
                )
                past = starts < self.now
                rows.append(
                    Session(
                        title=f"Session {index}",
                        starts_at=starts,
                        time_zone="Europe/Paris",
                        status="ended" if past else "scheduled",
                    )
                )
        sessions = Session.objects.bulk_create(rows, batch_size=BATCH)
        return sessions[:monthly_count]

    def _attendance(self, monthly: list[Session], people: list[tuple[int, int]]) -> None:
        registrations, attendances = [], []
        for session in monthly[:12]:
            for user_id, distributor_id in people:
                if self.rng.random() > self.level[distributor_id] * 0.5:
                    continue
                registrations.append(
                    Registration(
                        session=session, user_id=user_id, distributor_id=distributor_id, status="confirmed"
                    )
                )
        registrations = Registration.objects.bulk_create(registrations, batch_size=BATCH)
        for registration in registrations:
            if self.rng.random() < 0.75:
                attendances.append(
                    Attendance(
                        session_id=registration.session_id,
                        user_id=registration.user_id,
                        registration=registration,
                        distributor_id=registration.distributor_id,
                        minutes_attended=self.rng.randint(30, 60),
                        attended=True,
                    )
                )
        Attendance.objects.bulk_create(attendances, batch_size=BATCH)

    def _event_rows(self, people: list[tuple[int, int]], count: int):
        verbs = [verb for verb, weight in VERB_MIX for _ in range(weight)]
        weights = [self.level[distributor_id] + 0.05 for _user, distributor_id in people]
        chosen = self.rng.choices(people, weights=weights, k=count)
        seconds = 365 * 24 * 3600
        for user_id, distributor_id in chosen:
            verb = self.rng.choice(verbs)
            minutes = (
                self.rng.randint(5, 40)
                if verb
                in (Verb.LESSON_COMPLETED, Verb.LESSON_VIEWED, Verb.REPLAY_WATCHED, Verb.WEBINAR_ATTENDED)
                else 0
            )
            # Drifting distributors did more long ago: skew their events towards the past.
            back = self.rng.random() ** (1.5 if self.level[distributor_id] >= 0.5 else 0.6)
            occurred = self.now - datetime.timedelta(seconds=int(back * seconds))
            yield (
                user_id,
                distributor_id,
                str(verb),
                "courses.lesson",
                str(self.rng.randint(1, 900)),
                "Lesson",
                minutes,
                occurred,
            )

    def _recorded(self, index: int) -> datetime.datetime:
        return self.now + datetime.timedelta(microseconds=index)

    def _events(self, people: list[tuple[int, int]], count: int) -> None:
        columns = [
            "actor_id",
            "distributor_id",
            "verb",
            "object_type",
            "object_id",
            "object_name",
            "minutes",
            "context",
            "occurred_at",
            # Recorded as one import at seed time, in insert order: like the
            # platform's own log, the recorded time (xAPI "stored") follows the id.
            "recorded_at",
            "statement_id",
            # Counted by the rebuild at the end (or by the caller's, with --no-refresh),
            # not one by one by the periodic refresh.
            "counted",
        ]
        table = EngagementEvent._meta.db_table
        rows = self._event_rows(people, count)
        if connection.vendor == "postgresql":
            with transaction.atomic(), connection.cursor() as cursor:
                raw = cursor.cursor
                with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for index, (
                        user_id,
                        distributor_id,
                        verb,
                        otype,
                        oid,
                        name,
                        minutes,
                        occurred,
                    ) in enumerate(rows):
                        values = (user_id, distributor_id, verb, otype, oid, name, minutes, "{}")
                        copy.write_row((*values, occurred, self._recorded(index), uuid.uuid4(), True))
            return
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
        context = json.dumps({})
        batch: list[tuple] = []
        with transaction.atomic(), connection.cursor() as cursor:
            for index, (user_id, distributor_id, verb, otype, oid, name, minutes, occurred) in enumerate(
                rows
            ):
                batch.append(
                    (
                        user_id,
                        distributor_id,
                        verb,
                        otype,
                        oid,
                        name,
                        minutes,
                        context,
                        occurred.isoformat(sep=" "),
                        self._recorded(index).isoformat(sep=" "),
                        uuid.uuid4().hex,
                        True,
                    )
                )
                if len(batch) >= 20_000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
