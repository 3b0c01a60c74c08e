import datetime

import factory
from django.utils import timezone

from tests.academy.factories import UserFactory
from webinars import services
from webinars.models import Registration, Series, Session


class SessionFactory(factory.django.DjangoModelFactory):
    """One-off sessions made through ``webinars.services.session_create``."""

    class Meta:
        model = Session

    actor = None
    title = factory.Sequence(lambda n: f"Web-conférence {n}")
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + datetime.timedelta(days=10)).replace(second=0, microsecond=0)
    )
    time_zone = "Africa/Abidjan"
    duration_minutes = 60
    video_url = "https://meet.example.com/academy"
    trainers = factory.LazyFunction(lambda: [UserFactory(role="trainer")])

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.session_create(**kwargs)


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Series

    actor = factory.SubFactory(UserFactory, role="trainer")
    title = factory.Sequence(lambda n: f"Rendez-vous {n}")
    rrule = "FREQ=MONTHLY;BYDAY=1TH"
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=40))
    start_time = datetime.time(14, 0)
    time_zone = "Africa/Abidjan"
    video_url = "https://meet.example.com/rdv"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.series_create(**kwargs)


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    user = factory.SubFactory(UserFactory)
    session = factory.SubFactory(SessionFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.registration_create(**kwargs)
