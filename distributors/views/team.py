"""The team: my distributor, invitations (issue, resend, revoke, accept) and removing members."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from academy import roles
from academy import services as academy_services
from academy.errors import ApplicationError
from academy.forms import apply_error
from academy.http import AuthenticatedHttpRequest
from academy.models import User
from academy.permissions import can
from academy.throttling import limit_page
from distributors import selectors, services
from distributors.forms import InvitationAcceptForm, InvitationForm, MemberRemoveForm
from distributors.models import Distributor, Membership
from distributors.views.network import managed_distributor


def _back_to_team(request: AuthenticatedHttpRequest, distributor: Distributor) -> HttpResponse:
    """Leads go back to their team page, managers to the invitations page of the distributor."""
    if can(request.user, "distributors.manage_distributor", distributor):
        return redirect("distributors:invitations", pk=distributor.pk)
    return redirect("distributors:mine")


@login_required
def my_distributor(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A member's own distributor: details, their history, and for a lead the
    team with its pending invitations."""
    user = request.user
    membership = selectors.membership_current(user=user)
    context: dict[str, object] = {
        "membership": membership,
        "history": list(selectors.membership_history(user=user)),
    }
    if membership is not None:
        distributor = membership.distributor
        context["distributor"] = distributor
        context["team"] = list(selectors.team_current(distributor=distributor))
        if roles.LEAD in roles.user_roles(user):
            context["is_lead"] = True
            context["invitations"] = list(
                selectors.invitation_open_list(user=user, distributor_id=distributor.pk)
            )
    return render(request, "distributors/mine.html", context)


@login_required
def invitations(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The distributor's open invitations and the form to invite someone."""
    distributor = managed_distributor(request, pk, "distributors.invite_member")
    may_invite_lead = can(request.user, "distributors.manage_distributor", distributor)
    form = InvitationForm(request.POST if request.method == "POST" else None, may_invite_lead=may_invite_lead)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                actor=request.user, distributor=distributor, **form.cleaned_data
            )
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(
                request, _("An invitation has been sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("distributors:invitations", pk=distributor.pk)
    pending = list(selectors.invitation_open_list(user=request.user, distributor_id=distributor.pk))
    return render(
        request,
        "distributors/invitations.html",
        {"distributor": distributor, "form": form, "invitations": pending, "is_manager": may_invite_lead},
        status=400 if form.errors else 200,
    )


def _open_invitation(request: AuthenticatedHttpRequest, pk: int, invitation_id: int):
    return get_object_or_404(
        selectors.invitation_visible_queryset(user=request.user).filter(distributor_id=pk),
        pk=invitation_id,
    )


@login_required
@require_POST
def invitation_resend(request: AuthenticatedHttpRequest, pk: int, invitation_id: int) -> HttpResponse:
    invitation = _open_invitation(request, pk, invitation_id)
    try:
        services.invitation_resend(actor=request.user, invitation=invitation)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The invitation has been sent again to %(email)s.") % {"email": invitation.email}
        )
    return _back_to_team(request, invitation.distributor)


@login_required
@require_POST
def invitation_revoke(request: AuthenticatedHttpRequest, pk: int, invitation_id: int) -> HttpResponse:
    invitation = _open_invitation(request, pk, invitation_id)
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The invitation to %(email)s has been withdrawn.") % {"email": invitation.email}
        )
    return _back_to_team(request, invitation.distributor)


@login_required
def member_remove(request: AuthenticatedHttpRequest, pk: int, membership_id: int) -> HttpResponse:
    """Confirm and end a current member's membership, with an optional reason."""
    distributor = managed_distributor(request, pk, "distributors.remove_member")
    membership: Membership = get_object_or_404(
        Membership.objects.select_related("user").filter(distributor=distributor, left_on__isnull=True),
        pk=membership_id,
    )
    may_manage = can(request.user, "distributors.manage_distributor", distributor)
    form = MemberRemoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_remove(
                actor=request.user, membership=membership, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(
                request,
                _("%(person)s no longer belongs to %(distributor)s.")
                % {"person": membership.user, "distributor": distributor.name},
            )
            if may_manage:
                return redirect("distributors:detail", pk=distributor.pk)
            return redirect("distributors:mine")
    return render(
        request,
        "distributors/member_remove.html",
        {"distributor": distributor, "membership": membership, "form": form, "may_manage": may_manage},
        status=400 if form.errors else 200,
    )


@never_cache
@limit_page("invitation_accept")
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation link opens (no sign-in needed).

    A new address sets up the account (name, password, language, time zone),
    joins and lands on the home page; an address with an account signs in first, then confirms.
    Unknown, used, withdrawn and expired links get a clear message."""
    invitation = selectors.invitation_for_token(token=token)
    if invitation is None:
        return render(
            request,
            "distributors/invitation_unusable.html",
            {"message": _("This invitation link is not valid. Check that you copied the whole link.")},
            status=404,
        )
    problem = services.invitation_problem(invitation)
    if (
        problem is not None
        and invitation.accepted_by_id is not None
        and invitation.accepted_by_id == request.user.pk
    ):
        # Already theirs (e.g. attached when they signed in to accept it).
        return redirect("distributors:mine")
    if problem is not None:
        return render(request, "distributors/invitation_unusable.html", {"message": problem[1]}, status=410)
    account = User.objects.filter(email=invitation.email).first()
    context: dict[str, object] = {"invitation": invitation, "distributor": invitation.distributor}
    if account is not None:
        return _accept_existing_account(request, invitation, context)
    if request.user.is_authenticated:
        context["signed_in_as_other"] = True
        return render(request, "distributors/invitation_accept.html", context)
    inviter = invitation.invited_by
    form = InvitationAcceptForm(
        request.POST if request.method == "POST" else None,
        initial={
            "first_name": invitation.first_name,
            "last_name": invitation.last_name,
            "language": invitation.language,
            "time_zone": inviter.time_zone if inviter else "UTC",
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.invitation_accept_new_account(
                invitation=invitation,
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password1"],
                language=data["language"],
                time_zone=data["time_zone"],
            )
        except ApplicationError as error:
            apply_error(form, error, renamed={"password": "password1"})
        else:
            user = membership.user
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            academy_services.user_login_record(user=user)
            with translation.override(user.language):  # the language just chosen
                welcome = _("Welcome to the team of %(distributor)s!") % {
                    "distributor": membership.distributor
                }
            messages.success(request, welcome)
            # Their home lists what to do first: the courses assigned to newcomers.
            response = redirect("academy:home")
            # Keep the visitor cookie in step so the language holds after sign-out.
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
            )
            return response
    context["form"] = form
    return render(request, "distributors/invitation_accept.html", context, status=400 if form.errors else 200)


def _accept_existing_account(request: HttpRequest, invitation, context: dict[str, object]) -> HttpResponse:
    context["has_account"] = True
    if not request.user.is_authenticated:
        context["login_url"] = reverse("academy:login") + "?" + urlencode({"next": request.path})
        return render(request, "distributors/invitation_accept.html", context)
    if request.user.email != invitation.email:
        context["wrong_account"] = True
        return render(request, "distributors/invitation_accept.html", context, status=403)
    if request.method == "POST":
        try:
            membership = services.invitation_accept_existing_account(invitation=invitation, user=request.user)
        except ApplicationError as error:
            context["error"] = error.message
            return render(request, "distributors/invitation_accept.html", context, status=error.status)
        messages.success(
            request, _("Welcome to the team of %(distributor)s!") % {"distributor": membership.distributor}
        )
        return redirect("distributors:mine")
    return render(request, "distributors/invitation_accept.html", context)
