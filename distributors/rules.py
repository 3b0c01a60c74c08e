"""Permissions of the distributors app (django-rules).

Object permissions take a Distributor, except the field report ones, which
take a FieldReport. Visibility of lists is enforced by the selectors; these
answer "may this user act on this object".

The predicates' bodies are plain functions made into predicates with
``rules.predicate(function, name)`` rather than the decorator: mutation
testing (tests/mutation) mutates only undecorated functions."""

import rules

from academy.rules import is_admin, is_manager
from distributors import scoping
from distributors.selectors import membership_current


def _is_lead_of(user, distributor) -> bool:
    if distributor is None:
        return False
    membership = membership_current(user=user)
    return bool(membership and membership.is_lead and membership.distributor_id == distributor.pk)


is_lead_of = rules.predicate(_is_lead_of, name="is_lead_of")


def _is_member_of(user, distributor) -> bool:
    if distributor is None:
        return False
    membership = membership_current(user=user)
    return bool(membership and membership.distributor_id == distributor.pk)


is_member_of = rules.predicate(_is_member_of, name="is_member_of")


def _is_territory_manager_of(user, distributor) -> bool:
    return distributor is not None and scoping.manages_territory(user, distributor.territory_id)


is_territory_manager_of = rules.predicate(_is_territory_manager_of, name="is_territory_manager_of")


manages_distributor = is_admin | is_territory_manager_of
# The company's own details of a distributor (internal notes, exclusivity):
# managers and admins, who only ever reach distributors they may see. Asked
# with the distributor as object, which keeps it free of queries.
sees_internal_details = is_admin | is_manager

rules.add_perm("distributors.view_distributor", manages_distributor | is_member_of)
rules.add_perm("distributors.view_internal_details", sees_internal_details)
rules.add_perm("distributors.manage_distributor", manages_distributor)
rules.add_perm("distributors.change_status", manages_distributor)
rules.add_perm("distributors.review_scorecard", manages_distributor)
rules.add_perm("distributors.view_team", manages_distributor | is_lead_of)
rules.add_perm("distributors.manage_team", manages_distributor | is_lead_of)
rules.add_perm("distributors.invite_member", manages_distributor | is_lead_of)
rules.add_perm("distributors.remove_member", manages_distributor | is_lead_of)
rules.add_perm("distributors.send_field_report", is_member_of)
# The WhatsApp and SMS replies kept for a person: the company reads them (scoped by the selector).
rules.add_perm("distributors.read_text_replies", is_manager | is_admin)


# Field reports: the object is a FieldReport.
def _is_report_sender(user, report) -> bool:
    return report is not None and report.sender_id is not None and report.sender_id == user.pk


is_report_sender = rules.predicate(_is_report_sender, name="is_report_sender")


def _leads_report_distributor(user, report) -> bool:
    return report is not None and is_lead_of(user, report.distributor)


leads_report_distributor = rules.predicate(_leads_report_distributor, name="leads_report_distributor")


def _manages_report_distributor(user, report) -> bool:
    return report is not None and bool(manages_distributor(user, report.distributor))


manages_report_distributor = rules.predicate(_manages_report_distributor, name="manages_report_distributor")


rules.add_perm(
    "distributors.view_field_report",
    manages_report_distributor | is_report_sender | leads_report_distributor,
)
rules.add_perm("distributors.triage_field_report", manages_report_distributor)


# Creating a distributor: the object is the Territory it goes in.
def _manages_territory(user, territory) -> bool:
    return territory is not None and scoping.manages_territory(user, territory.pk)


manages_territory = rules.predicate(_manages_territory, name="manages_territory")


rules.add_perm("distributors.add_distributor", is_admin | manages_territory)

# Engagement measurement (distributors.engagement): the object is a Distributor.
rules.add_perm("distributors.view_engagement", manages_distributor | is_lead_of)
rules.add_perm("distributors.nudge", manages_distributor)
