"""Field reports: the customer's voice relayed by distributor staff, and the
managers' triage and replies."""

from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from academy import services as academy_services
from academy.errors import ApplicationError
from academy.i18n import in_language_of
from academy.messaging.services import message_send
from academy.models import User, Verb
from academy.permissions import require
from academy.services import activity_record
from distributors.attachments import attachment_check
from distributors.models import (
    FieldReport,
    FieldReportKind,
    FieldReportReply,
    FieldReportStatus,
    FieldReportUrgency,
)
from distributors.selectors import membership_current
from distributors.services._base import full_clean

# The kind of message (registered in distributors.apps): the answer to the
# person's own report, never stopped; WhatsApp or SMS when they chose them.
FIELD_REPORT_REPLY_KIND = "distributors.field_report_reply"

NOTIFICATION_NEW_REPORT = "distributors.field_report_new"
NOTIFICATION_REPLY = "distributors.field_report_reply"


def _status_label(status: str) -> str:
    return str(FieldReportStatus(status).label)


@transaction.atomic
def field_report_create(
    *,
    sender: User,
    kind: FieldReportKind | str,
    title: str,
    description: str,
    country: str = "",
    product: str = "",
    urgency: FieldReportUrgency | str = FieldReportUrgency.NORMAL,
    attachment: UploadedFile | None = None,
) -> FieldReport:
    """A member of a distributor's team sends a report for their distributor.

    The country defaults to the distributor's; an attachment must pass
    :func:`distributors.attachments.attachment_check`. The territory's
    managers get a notification; ``field_report_sent`` is recorded.
    Raises PermissionDenied (403) for anyone without a current membership.
    """
    membership = membership_current(user=sender)
    if membership is None:
        raise PermissionDenied(_("Only distributor staff can send field reports."))
    distributor = membership.distributor
    require(sender, "distributors.send_field_report", distributor)
    report = FieldReport(
        distributor=distributor,
        sender=sender,
        kind=kind,
        title=title.strip(),
        description=description.strip(),
        country=country or distributor.country,
        product=product.strip(),
        urgency=urgency,
        status=FieldReportStatus.NEW,
    )
    full_clean(report, exclude=["attachment"])
    if attachment is not None:
        report.attachment_content_type = attachment_check(attachment)
        report.attachment_name = PurePosixPath(attachment.name or "").name[-255:]
        report.attachment_size = attachment.size or 0
        report.attachment = attachment  # type: ignore[assignment]  # the storage saves it with the row
    report.save()
    activity_record(
        actor=sender,
        verb=Verb.FIELD_REPORT_SENT,
        obj=report,
        distributor=distributor,
        context={"kind": report.kind, "urgency": report.urgency},
    )
    _notify_managers(report)
    return report


def field_report_url(report: FieldReport) -> str:
    return reverse("distributors:field_report_detail", args=[report.pk])


def _notify_managers(report: FieldReport) -> None:
    managers = User.objects.filter(
        managed_territories__pk=report.distributor.territory_id, is_active=True
    ).distinct()
    for manager in managers:
        with in_language_of(manager):
            title = _("New field report from %(distributor)s: %(title)s") % {
                "distributor": report.distributor.name,
                "title": report.title,
            }
            body = f"{report.get_kind_display()} · {report.get_urgency_display()}"
        academy_services.notification_create(
            user=manager,
            kind=NOTIFICATION_NEW_REPORT,
            title=title,
            body=body,
            url=field_report_url(report),
        )


@transaction.atomic
def field_report_triage(
    *, actor: User, report: FieldReport, status: FieldReportStatus | str = "", reply: str = ""
) -> FieldReportReply:
    """A manager of the territory (or an administrator) moves the report on
    (new → acknowledged → in progress → closed; a closed report may be
    reopened) and/or replies. At least one of the two is needed.

    The sender sees the reply on the report, gets a notification and, when
    there is a written reply, an e-mail (both in their language).
    Raises PermissionDenied (403) for anyone else, ApplicationError (code
    ``invalid_transition``) for a move the triage does not allow.
    """
    require(actor, "distributors.triage_field_report", report)
    reply = (reply or "").strip()
    locked = FieldReport.objects.select_for_update(of=("self",)).get(pk=report.pk)
    current = locked.status
    if status:
        if status not in FieldReportStatus.values:
            message = _("“%(value)s” is not a field report status.") % {"value": status}
            raise ApplicationError(message, fields={"status": [message]})
        if status == current:
            status = ""
        elif status not in locked.next_statuses:
            message = _("A report cannot go from “%(current)s” to “%(target)s”.") % {
                "current": _status_label(current),
                "target": _status_label(status),
            }
            raise ApplicationError(message, code="invalid_transition", fields={"status": [message]})
    if not status and not reply:
        message = _("Write a reply or choose a new status.")
        raise ApplicationError(message, fields={"reply": [message]})
    answer = FieldReportReply(
        report=locked,
        author=actor,
        body=reply,
        status_from=current if status else "",
        status_to=status,
    )
    full_clean(answer)
    answer.save()
    if status:
        locked.status = status
        locked.status_changed_at = timezone.now()
        locked.save(update_fields=["status", "status_changed_at", "updated_at"])
        report.status = locked.status
        report.status_changed_at = locked.status_changed_at
    sender = report.sender
    if sender is not None and sender.pk != actor.pk and sender.is_active:
        with in_language_of(sender):
            if reply:
                title = _("Reply to your field report “%(title)s”") % {"title": report.title}
            else:
                title = _("Your field report “%(title)s” is now “%(status)s”") % {
                    "title": report.title,
                    "status": _status_label(status),
                }
        academy_services.notification_create(
            user=sender, kind=NOTIFICATION_REPLY, title=title, body=reply[:500], url=field_report_url(report)
        )
        if reply:
            message_send(
                key=f"field-report-reply-{answer.pk}",
                kind=FIELD_REPORT_REPLY_KIND,
                topic=FIELD_REPORT_REPLY_KIND,
                user=sender,
                template="distributors/emails/field_report_reply",
                context={
                    "reply": answer,
                    "report": report,
                    "report_url": settings.SITE_URL + field_report_url(report),
                },
                reply_to=actor.email,  # a reply reaches the person who answered the report
            )
            answer.emailed_at = timezone.now()
            answer.save(update_fields=["emailed_at", "updated_at"])
    return answer
