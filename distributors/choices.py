"""The distributors app's choices (states, roles, kinds): plain enums with
no model behind them, so other apps import them from here rather than
from ``distributors.models`` (which re-exports them for this app)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DistributorStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ONBOARDING = "onboarding", _("Onboarding")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    ENDED = "ended", _("Ended")


class MembershipRole(models.TextChoices):
    LEAD = "lead", _("Team lead")
    STAFF = "staff", _("Staff")


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class FieldReportKind(models.TextChoices):
    CUSTOMER_FEEDBACK = "customer_feedback", _("Customer feedback")
    PRODUCT_ISSUE = "product_issue", _("Product issue")
    LOCAL_OPPORTUNITY = "local_opportunity", _("Local opportunity")
    COMPETITOR_INFO = "competitor_info", _("Competitor information")


class FieldReportUrgency(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class FieldReportStatus(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")
