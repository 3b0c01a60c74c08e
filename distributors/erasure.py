"""The network's part of a person's data (see ``academy.erasure``).

Memberships stay as they are: they say which distributor the person's
history belongs to. What the person wrote (field reports, replies) and what
names them (invitations to their address, a distributor's contact) is
scrubbed. A person who still leads a team cannot be erased until the team
has another lead.
"""

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from academy.erasure import PersonalData, erased_email, erased_text, rows
from academy.models import User
from distributors.models import Distributor, FieldReport, FieldReportReply, Invitation, Membership
from distributors.selectors import membership_cache_clear, membership_current


def _export(user: User) -> dict[str, Any]:
    reports = FieldReport.objects.filter(sender=user).order_by("created_at", "id")
    return {
        "memberships": rows(
            Membership.objects.filter(user=user).order_by("joined_on", "id"),
            "distributor__name",
            "role",
            "job_title",
            "joined_on",
            "left_on",
        ),
        "invitations": rows(
            Invitation.objects.filter(Q(email=user.email) | Q(accepted_by=user)).order_by("created_at", "id"),
            "distributor__name",
            "email",
            "first_name",
            "last_name",
            "role",
            "created_at",
            "accepted_at",
            "revoked_at",
        ),
        "field_reports": rows(
            reports,
            "id",
            "distributor__name",
            "kind",
            "title",
            "description",
            "country",
            "product",
            "urgency",
            "status",
            "attachment_name",
            "created_at",
        ),
        "field_report_replies": rows(
            FieldReportReply.objects.filter(Q(report__in=reports) | Q(author=user)).order_by(
                "created_at", "id"
            ),
            "report_id",
            "body",
            "status_from",
            "status_to",
            "created_at",
        ),
    }


def _erase(user: User) -> None:
    text = erased_text()
    Membership.objects.filter(user=user).exclude(left_reason="").update(left_reason="")
    Invitation.objects.filter(Q(email=user.email) | Q(accepted_by=user)).update(
        email=erased_email(user), first_name="", last_name=""
    )
    for report in FieldReport.objects.filter(sender=user).exclude(attachment=""):
        report.attachment.delete(save=False)
    FieldReport.objects.filter(sender=user).update(
        title=text,
        description=text,
        product="",
        attachment="",
        attachment_name="",
        attachment_size=0,
        attachment_content_type="",
    )
    FieldReportReply.objects.filter(author=user).exclude(body="").update(body=text)
    Distributor.objects.filter(contact_email__iexact=user.email).update(
        contact_name="", contact_email="", contact_phone=""
    )
    membership_cache_clear(user=user)


def _objection(user: User) -> str | None:
    membership = membership_current(user=user)
    if membership is not None and membership.is_lead:
        return _(
            "%(person)s still leads the team of %(distributor)s: name another lead or end the "
            "membership first."
        ) % {"person": user.get_full_name() or user.email, "distributor": membership.distributor.name}
    return None


PART = PersonalData(name="distributors", export=_export, erase=_erase, objection=_objection)
