"""The providers' webhooks (signed by each provider; no session, no CSRF)."""

from django.urls import path

from academy.messaging.webhooks import whatsapp

urlpatterns = [
    path("whatsapp/", whatsapp.whatsapp_webhook, name="whatsapp_webhook"),
]
