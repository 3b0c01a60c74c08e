"""With Redis configured (cache, channel layer, broker) and down, the pages
and API a learner uses keep serving, and writes that need no Redis succeed."""

import pytest
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.test import override_settings
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from config.cache import redis_cache_settings
from courses import services as course_services
from courses.models import LessonProgress
from tests.academy.factories import PASSWORD
from tests.courses.factories import build_course, lessons_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(private_redis):
    """The settings of a deployment on Redis, with that Redis killed."""
    url = private_redis.url
    overrides = override_settings(
        REDIS_URL=url,
        CACHES={"default": redis_cache_settings(url, socket_timeout=0.25, retry_seconds=1.0)},
        CHANNEL_LAYERS={
            "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [url]}}
        },
        CELERY_BROKER_URL=url,
        CELERY_BROKER_TRANSPORT_OPTIONS={"visibility_timeout": 3600},
        ACADEMY_HEALTH_TIMEOUT_SECONDS=0.5,
    )
    with overrides:
        private_redis.stop()
        yield url


def test_a_learner_signs_in_reads_and_learns_while_redis_is_down(client, network, redis_down):
    course = build_course(owner=network.trainer, title="Kits ELISA : bonnes pratiques")
    lesson = lessons_of(course)[0]
    course_services.enrollment_create(user=network.staff_a, course=course)
    # The cache in use is the Redis one and Redis is really down: Django's
    # own backend would fail each request that touches it.
    with pytest.raises(RedisConnectionError):
        RedisCache(redis_down, {}).get("probe")
    cache.set("probe", 1)
    assert cache.get("probe") is None

    response = client.post(
        reverse("academy:login"), {"username": network.staff_a.email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content
    pages = [
        reverse("academy:home"),
        reverse("academy:profile"),
        reverse("courses:catalogue"),
        reverse("courses:my_learning"),
        reverse("courses:course", args=[course.slug]),
        reverse("courses:lesson", args=[course.slug, lesson.pk]),
        reverse("webinars:sessions"),
        reverse("api:me"),
        reverse("api:courses-list"),
        reverse("api:courses-enrolment-list"),
        reverse("api:webinars-sessions"),
        reverse("api:webinars-my-registrations"),
    ]
    statuses = {page: client.get(page).status_code for page in pages}
    assert statuses == dict.fromkeys(pages, 200)

    response = client.post(reverse("courses:lesson_complete", args=[course.slug, lesson.pk]))
    assert response.status_code == 302
    assert LessonProgress.objects.get(lesson=lesson, enrollment__user=network.staff_a).completed_at

    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["down"] == ["broker", "redis"]
