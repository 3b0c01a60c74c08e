from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task(name="academy.sessions_clear_expired")
def sessions_clear_expired() -> int:
    """Delete expired sign-in sessions (what ``manage.py clearsessions`` does)."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
