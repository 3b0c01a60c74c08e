"""The providers' webhooks: each checks that its provider sent the request, then records."""
