"""Reads of the distributors app. Every selector that takes the acting user
returns only what that user may see; everything is importable from
``distributors.selectors`` (``staff``: who worked where on a day, for other
apps' services)."""

from distributors.selectors.choices import (
    distributor_choices,
    territory_choices,
)
from distributors.selectors.engagement import (
    engagement_event_visible_queryset,
    engagement_recent,
    engagement_summary,
)
from distributors.selectors.field_reports import (
    field_report_detail_queryset,
    field_report_list,
    field_report_visible_queryset,
)
from distributors.selectors.invitations import (
    invitation_for_token,
    invitation_open_list,
    invitation_status_q,
    invitation_visible_queryset,
)
from distributors.selectors.measures import (
    distributor_followed_queryset,
    distributor_ids,
    distributor_status_choices,
    membership_open_on,
    team_current_users,
)
from distributors.selectors.memberships import (
    distributor_memberships,
    membership_cache_clear,
    membership_current,
    membership_distributor,
    membership_history,
    membership_roles,
    membership_visible_queryset,
    team_current,
    teams_current,
)
from distributors.selectors.network import (
    DISTRIBUTOR_ORDERINGS,
    QuarterTurnover,
    ScorecardStep,
    distributor_list,
    distributor_status_history,
    distributor_turnover,
    distributor_visible_queryset,
    scorecard_trend,
    territory_list,
    territory_overview,
    turnover_by_quarter,
)
from distributors.selectors.staff import distributor_on, team_current_by_user
from distributors.selectors.text_replies import text_reply_list
