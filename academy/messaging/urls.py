"""The providers' webhooks (each checked as its provider allows; no session, no CSRF)."""

from django.urls import path

from academy.messaging.webhooks import africastalking, twilio, whatsapp

urlpatterns = [
    path("whatsapp/", whatsapp.whatsapp_webhook, name="whatsapp_webhook"),
    path("twilio/status/", twilio.status, name="twilio_status"),
    path("twilio/inbound/", twilio.inbound, name="twilio_inbound"),
    path("africastalking/<str:token>/delivery/", africastalking.delivery, name="africastalking_delivery"),
    path("africastalking/<str:token>/inbound/", africastalking.inbound, name="africastalking_inbound"),
]
