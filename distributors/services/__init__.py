"""Writes of the distributors app: one function per use case.

Other apps call the membership services; everything is importable from
``distributors.services`` (the activity log is the kernel's:
``academy.services.activity_record``).
"""

from distributors.services.field_reports import (
    FIELD_REPORT_REPLY_KIND,
    field_report_create,
    field_report_triage,
)
from distributors.services.invitations import (
    INVITATION_KIND,
    invitation_accept_existing_account,
    invitation_accept_new_account,
    invitation_accept_on_login,
    invitation_accept_url,
    invitation_create,
    invitation_problem,
    invitation_resend,
    invitation_revoke,
    invitation_token_digest,
)
from distributors.services.memberships import membership_end, membership_remove, membership_start
from distributors.services.network import (
    distributor_create,
    distributor_status_change,
    distributor_update,
    scorecard_review_create,
    territory_country_codes,
    territory_create,
)
