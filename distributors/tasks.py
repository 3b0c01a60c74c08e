"""Celery entry points of the distributors app: thin wrappers over services,
taking ids, safe to run twice (the services send each e-mail once)."""

from smtplib import SMTPException

from celery import shared_task

from distributors import services


@shared_task(
    name="distributors.invitation_email_send",
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def invitation_email_send(invitation_id: int, token: str) -> bool:
    return services.invitation_email_send(invitation_id=invitation_id, token=token)


@shared_task(
    name="distributors.field_report_reply_email_send",
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def field_report_reply_email_send(reply_id: int) -> bool:
    return services.field_report_reply_email_send(reply_id=reply_id)
