"""The providers' webhooks (signed by each provider; no session, no CSRF)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
