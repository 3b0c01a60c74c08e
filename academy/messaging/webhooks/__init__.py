"""The providers' webhooks: each checks its provider's signature before it
reads anything, then hands delivery statuses to
``academy.messaging.services.receipt_record`` and what people wrote to
``inbound_receive`` (both idempotent, so a replayed webhook changes nothing)."""
