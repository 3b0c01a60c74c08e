"""Pages of the webinars app: learners, trainers and managers."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from academy.downloads import private_file_response
from academy.errors import ApplicationError
from academy.forms import apply_error
from academy.http import AuthenticatedHttpRequest
from academy.messaging import services as messaging_services
from academy.permissions import can, require
from academy.spreadsheets import Column, Kind, Table, table_response
from academy.throttling import client_address, throttle, throttled_response
from webinars import ics, selectors, services
from webinars import rules as webinar_rules
from webinars import selectors as room_selectors
from webinars.calendar_links import calendar_links
from webinars.forms import (
    AttendanceImportForm,
    AttendanceMarkForm,
    CancelForm,
    CheckinForm,
    FeedbackForm,
    IntervalAddForm,
    IntervalForm,
    MaterialForm,
    PollForm,
    ReportForm,
    SeriesForm,
    SessionForm,
)
from webinars.models import Material, Poll, Registration, RegistrationStatus, Session

PAGE_SIZE = 20


def _page(request: HttpRequest, qs: Any, size: int = PAGE_SIZE) -> Any:
    return Paginator(qs, size).get_page(request.GET.get("page"))


def _run(request: HttpRequest, action: Callable[[], Any], success: str) -> bool:
    """Run a service for a one-button action; show its message either way."""
    try:
        action()
    except ApplicationError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success)
    return True


# ---------------------------------------------------------------- learners


@login_required
def session_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = _page(request, selectors.session_list(user=request.user, when="upcoming"))
    return render(request, "webinars/session_list.html", {"page": page})


@login_required
def session_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    return render(
        request,
        "webinars/session_detail.html",
        {
            "session": session,
            "join_open": room_selectors.join_is_open(session),
            "is_host": can(request.user, "webinars.manage_session", session),
            "registration_open": services.registration_is_open(session),
            "replay_open": webinar_rules.replay_is_open(session),
            "calendar_links": calendar_links(session),
        },
    )


@login_required
@require_POST
def session_register(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    try:
        registration = services.registration_create(user=request.user, session=session)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if registration.status == RegistrationStatus.CONFIRMED:
            messages.success(request, _("You are registered. The invitation is on its way to your inbox."))
        else:
            messages.success(request, _("The web-conference is full: you are on the waiting list."))
    return redirect("webinars:session_detail", pk=session.pk)


@login_required
@require_POST
def session_unregister(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    registration = selectors.registration_mine(user=request.user, session=session)
    if registration is None:
        raise Http404(_("You are not registered."))
    _run(
        request,
        lambda: services.registration_cancel(actor=request.user, registration=registration),
        _("Your registration is cancelled."),
    )
    return redirect("webinars:session_detail", pk=session.pk)


@login_required
@require_GET
def session_calendar(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    response = HttpResponse(ics.download(session), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="web-conference-{session.pk}.ics"'
    return response


@login_required
@never_cache
def session_join(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    try:
        url = services.session_join_url(user=request.user, session=session)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("webinars:session_detail", pk=session.pk)
    return redirect(url)


@login_required
def session_checkin(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Check in with the code the trainer gives (people on the phone). Wrong
    codes are counted per person (``webinar_checkin``) and then refused for a while."""
    session = selectors.session_get(user=request.user, pk=pk)
    form = CheckinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wrong_codes = throttle("webinar_checkin", str(request.user.pk))
        wait = wrong_codes.peek()
        if wait is not None:
            return throttled_response(request, wait)
        try:
            services.attendance_checkin(user=request.user, session=session, code=form.cleaned_data["code"])
        except ApplicationError as error:
            if error.code == "wrong_code":
                wrong_codes.record()
            apply_error(form, error)
        else:
            messages.success(request, _("You are checked in. Your presence counts until the end."))
            return redirect("webinars:session_detail", pk=session.pk)
    return render(request, "webinars/session_checkin.html", {"session": session, "form": form})


@csrf_exempt
@require_POST
def bbb_webhook(request: HttpRequest) -> HttpResponse:
    """Callbacks of bbb-webhooks: no sign-in and no CSRF token, the checksum
    on the URL is the proof (401 and nothing stored without the right one)."""
    try:
        report = services.bbb_webhook_receive(
            body=request.body.decode("utf-8", errors="replace"), checksum=request.GET.get("checksum", "")
        )
    except ApplicationError as error:
        return JsonResponse({"detail": error.message, "code": error.code}, status=error.status)
    return JsonResponse(
        {"applied": report.applied, "duplicates": report.duplicates, "ignored": report.ignored}
    )


@login_required
@require_GET
def material_file(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """A session's material file, to people who may see the session only (404 otherwise)."""
    material = selectors.material_get(user=request.user, pk=pk)
    return private_file_response(
        material.file, filename=material.download_name, content_type=material.file_content_type
    )


@login_required
def replay_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = _page(request, selectors.replay_list(user=request.user))
    return render(request, "webinars/replay_list.html", {"page": page})


@login_required
def session_replay(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    if not webinar_rules.replay_is_open(session):
        raise Http404(_("There is no replay for this web-conference yet."))
    return render(
        request,
        "webinars/session_replay.html",
        {
            "session": session,
            "questions": list(room_selectors.answered_questions(session=session)[:100]),
            "polls": room_selectors.closed_poll_results(session=session),
        },
    )


@login_required
def session_replay_watch(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    try:
        url = services.replay_watch(user=request.user, session=session)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("webinars:replays")
    return redirect(url)


@login_required
def session_feedback(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_submit(user=request.user, session=session, **form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Thank you for your feedback."))
            return redirect("webinars:mine")
    return render(request, "webinars/session_feedback.html", {"session": session, "form": form})


@login_required
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "webinars/mine.html",
        {
            "registrations": list(selectors.registration_list_mine(user=request.user)),
            "page": _page(request, selectors.attendance_list_mine(user=request.user)),
        },
    )


@login_required
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    preference = services.preference_get(user=request.user)
    feed_url = (
        request.build_absolute_uri(_feed_path(preference.calendar_token)) if preference.calendar_token else ""
    )
    return render(request, "webinars/preferences.html", {"feed_url": feed_url})


def _feed_path(token: str) -> str:
    return reverse("webinars:calendar_feed", args=[token])


@login_required
@require_POST
def calendar_feed_token(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.POST.get("action") == "revoke":
        services.calendar_token_revoke(user=request.user)
        messages.success(request, _("Your calendar feed is switched off."))
    else:
        services.calendar_token_regenerate(user=request.user)
        messages.success(
            request, _("Your calendar feed has a new address; the previous one no longer works.")
        )
    return redirect("webinars:preferences")


@never_cache
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: no sign-in, the token is the key. Calendar programs
    read it a few times an hour (``calendar_feed`` per feed); guessing
    addresses is cut short by ``calendar_feed_unknown`` per client."""
    unknown = throttle("calendar_feed_unknown", client_address(request))
    wait = unknown.peek()
    if wait is not None:
        return throttled_response(request, wait)
    found = selectors.calendar_feed(token=token)
    if found is None:
        unknown.record()
        raise Http404(_("Unknown calendar feed."))
    wait = throttle("calendar_feed", token).hit()
    if wait is not None:
        return throttled_response(request, wait)
    user, sessions = found
    return HttpResponse(ics.feed(sessions, user=user), content_type="text/calendar; charset=utf-8")


def _room_strings() -> dict[str, str]:
    """What the room's script shows, translated here (no catalogue to download)."""
    return {
        "connecting": _("Connecting…"),
        "connected": _("Connected"),
        "reconnecting": _("Connection lost; reconnecting…"),
        "closed": _("Disconnected"),
        "scheduled": _("Waiting for the trainer to start"),
        "live": _("Live"),
        "ended": _("This web-conference has ended. Thank you for attending!"),
        "cancelled": _("This web-conference has been cancelled."),
        "present_one": _("%(count)s person present"),
        "present_many": _("%(count)s people present"),
        "anonymous": _("Anonymous"),
        "trainer": _("Trainer"),
        "votes_one": _("%(count)s vote"),
        "votes_many": _("%(count)s votes"),
        "upvote": _("Upvote"),
        "upvoted": _("Upvoted"),
        "pin": _("Pin"),
        "unpin": _("Unpin"),
        "answered": _("Answered"),
        "dismiss": _("Dismiss"),
        "pinned": _("Pinned"),
        "delete": _("Delete"),
        "mute": _("Mute"),
        "unmute": _("Unmute"),
        "lower": _("Lower"),
        "vote": _("Vote"),
        "change_vote": _("Change my answer"),
        "voted": _("Your answer is saved. You can change it until the poll closes."),
        "results": _("Results"),
        "voters_one": _("%(count)s answer"),
        "voters_many": _("%(count)s answers"),
        "no_poll": _("No poll at the moment."),
        "no_questions": _("No questions yet. Ask the first one!"),
        "raise": _("Raise my hand"),
        "lower_mine": _("Lower my hand"),
        "muted": _("A trainer has muted you in this chat."),
        "open": _("Open"),
        "open_poll": _("Open the poll"),
        "close_poll": _("Close the poll"),
        "prepared": _("Prepared"),
        "closed_poll": _("Closed"),
        "no_hands": _("No raised hands."),
        "no_polls": _("No polls prepared."),
        "anonymous_author": _("Anonymous (asked by %(name)s)"),
    }


@login_required
def session_room(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The live room: chat, questions, polls and presence beside the video."""
    session = selectors.session_get(user=request.user, pk=pk)
    entry = room_selectors.room_entry(user=request.user, session_id=session.pk)
    if isinstance(entry, room_selectors.RoomRefusal):
        if entry.code == room_selectors.OTHER_TERRITORY:
            # Nothing to do on the session's page: the room is not theirs to follow.
            raise PermissionDenied(entry.message)
        messages.error(request, entry.message)
        return redirect("webinars:session_detail", pk=session.pk)
    return render(
        request,
        "webinars/session_room.html",
        {
            "session": session,
            "role": entry.role,
            "is_trainer": entry.role == "trainer",
            "strings": _room_strings(),
            "socket_path": f"/ws/webinars/{session.pk}/",
        },
    )


# ---------------------------------------------------------------- trainers


def _require_trainer(request: AuthenticatedHttpRequest) -> None:
    require(request.user, "webinars.create_session")


@login_required
def manage(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_trainer(request)
    when = "past" if request.GET.get("when") == "past" else "upcoming"
    return render(
        request,
        "webinars/manage.html",
        {
            "page": _page(request, selectors.session_list_hosted(user=request.user, when=when)),
            "series_list": list(selectors.series_list(user=request.user)[:50]),
            "when": when,
        },
    )


def _preview(form: SeriesForm) -> list:
    data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
    needed = ("rrule", "start_date", "start_time", "time_zone")
    if not all(data.get(name) for name in needed):
        return []
    try:
        return services.series_preview(**{name: data[name] for name in needed}, count=6)
    except ApplicationError as error:
        apply_error(form, error)
        return []


@login_required
def series_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    _require_trainer(request)
    series = selectors.series_get(user=request.user, pk=pk) if pk else None
    if series is not None:
        require(request.user, "webinars.manage_series", series)
    form = SeriesForm(
        request.POST or None, instance=series, initial=None if series else {"trainers": [request.user]}
    )
    preview: list = []
    if request.method == "POST" and form.is_valid():
        preview = _preview(form)
        if "preview" not in request.POST and not form.errors:
            try:
                if series is None:
                    series = services.series_create(
                        actor=request.user,
                        trainers=form.cleaned_data["trainers"],
                        audience=form.audience(),
                        **form.service_fields(),
                    )
                    messages.success(request, _("The series is created and its sessions are scheduled."))
                else:
                    services.series_update(
                        actor=request.user,
                        series=series,
                        trainers=form.cleaned_data["trainers"],
                        audience=form.audience(),
                        **form.service_fields(),
                    )
                    messages.success(request, _("The series is saved; its future sessions follow."))
                return redirect("webinars:manage")
            except ApplicationError as error:
                apply_error(form, error)
    elif series is not None:
        try:
            preview = services.series_preview(
                rrule=series.rrule,
                start_date=series.start_date,
                start_time=series.start_time,
                time_zone=series.time_zone,
            )
        except ApplicationError:
            preview = []
    zone = (
        form.cleaned_data.get("time_zone") if form.is_bound and hasattr(form, "cleaned_data") else None
    ) or (series.time_zone if series else "UTC")
    return render(
        request,
        "webinars/series_form.html",
        {"form": form, "series": series, "preview": preview, "preview_zone": zone},
    )


@login_required
def session_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    _require_trainer(request)
    session = selectors.session_get_hosted(user=request.user, pk=pk) if pk else None
    if session is not None:
        require(request.user, "webinars.manage_session", session)
    form = SessionForm(
        request.POST or None, instance=session, initial=None if session else {"trainers": [request.user]}
    )
    if request.method == "POST" and form.is_valid():
        try:
            if session is None:
                session = services.session_create(
                    actor=request.user,
                    trainers=form.cleaned_data["trainers"],
                    audience=form.audience(),
                    **form.service_fields(),
                )
                messages.success(request, _("The web-conference is scheduled."))
            else:
                services.session_update(
                    actor=request.user,
                    session=session,
                    trainers=form.cleaned_data["trainers"],
                    audience=form.audience(),
                    **form.service_fields(),
                )
                messages.success(request, _("The web-conference is saved."))
            return redirect("webinars:session_manage", pk=session.pk)
        except ApplicationError as error:
            apply_error(form, error)
    return render(request, "webinars/session_form.html", {"form": form, "session": session})


def _hosted(request: AuthenticatedHttpRequest, pk: int) -> Session:
    _require_trainer(request)
    session = selectors.session_get_hosted(user=request.user, pk=pk)
    require(request.user, "webinars.manage_session", session)
    return session


@login_required
def session_manage(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _hosted(request, pk)
    return render(
        request,
        "webinars/session_manage.html",
        {
            "session": session,
            "page": _page(request, selectors.registrant_list(session=session), 50),
            "summary": selectors.feedback_summary(session=session),
            "feedback": list(selectors.feedback_list(session=session)[:100]),
            "import_form": AttendanceImportForm(),
            "material_form": MaterialForm(),
            "cancel_form": CancelForm(),
            "threshold": services.attendance_threshold_minutes(session),
            "polls": room_selectors.closed_poll_results(session=session),
        },
    )


@login_required
def session_polls(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Prepare the polls of a session (opened live from the room)."""
    session = _hosted(request, pk)
    form = PollForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.poll_create(actor=request.user, session=session, **form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("The poll is ready; open it from the live room."))
            return redirect("webinars:session_polls", pk=session.pk)
    return render(
        request,
        "webinars/session_polls.html",
        {
            "session": session,
            "form": form,
            "page": _page(request, room_selectors.poll_list(session=session)),
        },
    )


@login_required
@require_POST
def poll_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    poll = get_object_or_404(Poll.objects.select_related("session"), pk=pk)
    _hosted(request, poll.session_id)
    _run(request, lambda: services.poll_delete(actor=request.user, poll=poll), _("The poll is removed."))
    return redirect("webinars:session_polls", pk=poll.session_id)


@login_required
def session_replies(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """What registrants wrote back to the session's WhatsApp and SMS
    reminders, with the figures ("1": coming, "2": cancelled)."""
    session = _hosted(request, pk)
    refs = selectors.session_reply_refs(session=session)
    return render(
        request,
        "webinars/session_replies.html",
        {
            "session": session,
            "counts": selectors.session_reply_counts(session=session, refs=refs),
            "page": _page(request, selectors.session_replies(refs=refs)),
        },
    )


@login_required
@require_POST
def session_replies_read(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark one reply of the session (``reply``) or all of them (``all``) as read."""
    session = _hosted(request, pk)
    replies = selectors.session_replies(refs=selectors.session_reply_refs(session=session))
    reply_id = request.POST.get("reply", "")
    if reply_id.isdigit():
        replies = replies.filter(pk=int(reply_id))
    elif "all" not in request.POST:
        messages.error(request, _("Choose a reply to mark as read."))
        return redirect("webinars:session_replies", pk=session.pk)
    count = messaging_services.replies_mark_read(replies=replies)
    messages.success(
        request,
        ngettext("%(count)d reply marked as read.", "%(count)d replies marked as read.", count)
        % {"count": count},
    )
    return redirect("webinars:session_replies", pk=session.pk)


@login_required
@require_POST
def session_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _hosted(request, pk)
    _run(
        request,
        lambda: services.session_start(actor=request.user, session=session),
        _("The web-conference is live."),
    )
    return redirect("webinars:session_manage", pk=pk)


@login_required
@require_POST
def session_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _hosted(request, pk)
    try:
        result = services.session_end(actor=request.user, session=session)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The web-conference is ended; attendance has been computed."))
        if result.video_warning:
            messages.warning(request, result.video_warning)
    return redirect("webinars:session_manage", pk=pk)


@login_required
@require_POST
def session_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _hosted(request, pk)
    form = CancelForm(request.POST)
    form.is_valid()
    _run(
        request,
        lambda: services.session_cancel(
            actor=request.user, session=session, reason=form.cleaned_data.get("reason", "")
        ),
        _("The web-conference is cancelled; the registrants are told."),
    )
    return redirect("webinars:session_manage", pk=pk)


@login_required
@require_POST
def session_recording_fetch(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _hosted(request, pk)
    try:
        url = services.session_recording_fetch(actor=request.user, session=session)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if url:
            messages.success(request, _("The recording link has been added."))
        else:
            messages.warning(request, _("No published recording yet. Try again later."))
    return redirect("webinars:session_manage", pk=pk)


@login_required
@require_POST
def attendance_mark(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _hosted(request, pk)
    form = AttendanceMarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the minutes: a number between 0 and 1440."))
        return redirect("webinars:session_manage", pk=pk)
    registration = get_object_or_404(Registration, session=session, user_id=form.cleaned_data["user"])
    _run(
        request,
        lambda: services.attendance_mark(
            actor=request.user,
            session=session,
            user=registration.user,
            attended=form.cleaned_data["attended"],
            minutes=form.cleaned_data["minutes"],
        ),
        _("Attendance saved."),
    )
    return redirect("webinars:session_manage", pk=pk)


def _interval_id(request: HttpRequest) -> int:
    value = request.POST.get("interval", "")
    return int(value) if value.isdigit() else 0


@login_required
def attendance_intervals(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The trainer's attendance page: each registrant's intervals with their
    source, corrected by hand (times changed, one added, one deleted)."""
    session = _hosted(request, pk)
    registrations = list(selectors.attendance_intervals_list(session=session))
    people = [(registration.user_id, str(registration.user)) for registration in registrations]
    add_form = IntervalAddForm(people=people)
    edit: tuple[int, IntervalForm] | None = None
    action = request.POST.get("action", "")
    if request.method == "POST" and action == "delete":
        _run(
            request,
            lambda: services.attendance_interval_delete(
                actor=request.user, session=session, interval_id=_interval_id(request)
            ),
            _("The interval is deleted; minutes are recomputed."),
        )
        return redirect("webinars:attendance_intervals", pk=pk)
    if request.method == "POST" and action == "add":
        add_form = IntervalAddForm(request.POST, people=people)
        if add_form.is_valid():
            person = next(r.user for r in registrations if r.user_id == add_form.cleaned_data["user"])
            try:
                services.attendance_interval_add(
                    actor=request.user,
                    session=session,
                    user=person,
                    joined_at=add_form.cleaned_data["joined_at"],
                    left_at=add_form.cleaned_data["left_at"],
                )
            except ApplicationError as error:
                apply_error(add_form, error)
            else:
                messages.success(request, _("The interval is added; minutes are recomputed."))
                return redirect("webinars:attendance_intervals", pk=pk)
    elif request.method == "POST" and action == "save":
        form = IntervalForm(request.POST)
        edit = (_interval_id(request), form)
        if form.is_valid():
            try:
                services.attendance_interval_update(
                    actor=request.user,
                    session=session,
                    interval_id=edit[0],
                    joined_at=form.cleaned_data["joined_at"],
                    left_at=form.cleaned_data["left_at"],
                )
            except ApplicationError as error:
                apply_error(form, error)
            else:
                messages.success(request, _("The interval is corrected; minutes are recomputed."))
                return redirect("webinars:attendance_intervals", pk=pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "webinars/attendance_intervals.html",
        {
            "session": session,
            "registrations": registrations,
            "add_form": add_form,
            "edit_id": edit[0] if edit else None,
            "edit_form": edit[1] if edit else None,
            "threshold": services.attendance_threshold_minutes(session),
            "actual_minutes": services.session_actual_minutes(session),
            "final_at": services.attendance_final_at(session),
            "editable": session.status in ("live", "ended"),
        },
        status=status,
    )


@login_required
def attendance_import(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _hosted(request, pk)
    form = AttendanceImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = services.attendance_import(
                actor=request.user,
                session=session,
                content=form.cleaned_data["file"].read(),
                time_zone=form.cleaned_data["time_zone"],
            )
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(
                request,
                _("Imported: %(people)s people, %(attended)s attended.")
                % {"people": report.people, "attended": report.attended},
            )
    return render(
        request, "webinars/attendance_import.html", {"session": session, "form": form, "report": report}
    )


@login_required
def registrants_export(request: AuthenticatedHttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    """The registrants of a hosted session as CSV or XLSX (academy.spreadsheets:
    typed cells, the reader's separator, formula-safe text)."""
    session = _hosted(request, pk)
    columns = [
        Column(_("Name")),
        Column(_("E-mail")),
        Column(_("Distributor")),
        Column(_("Status")),
        Column(_("Registered at")),
        Column(_("Attended")),
        Column(_("Minutes")),
    ]
    rows = []
    for registration in selectors.registrant_list(session=session):
        attendance = getattr(registration, "attendance", None)
        rows.append(
            [
                str(registration.user),
                registration.user.email,
                registration.distributor.name if registration.distributor else "",
                registration.get_status_display(),
                registration.created_at,
                bool(attendance and attendance.attended),
                attendance.minutes_attended if attendance else 0,
            ]
        )
    return table_response(
        table=Table(pgettext("sheet", "Registrants"), columns, rows),
        fmt=fmt,
        filename=f"web-conference-{session.pk}-registrants",
        user=request.user,
    )


@login_required
@require_POST
def material_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _hosted(request, pk)
    form = MaterialForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Give a title and a link or a file."))
    else:
        _run(
            request,
            lambda: services.material_add(actor=request.user, session=session, **form.cleaned_data),
            _("Material added."),
        )
    return redirect("webinars:session_manage", pk=pk)


@login_required
@require_POST
def material_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    material = get_object_or_404(Material.objects.select_related("session"), pk=pk)
    _hosted(request, material.session_id)
    services.material_remove(actor=request.user, material=material)
    messages.success(request, _("Material removed."))
    return redirect("webinars:session_manage", pk=material.session_id)


# ---------------------------------------------------------------- managers


def _attendance_report(request: AuthenticatedHttpRequest) -> tuple[ReportForm, int, list[dict[str, Any]]]:
    if not can(request.user, "webinars.view_attendance_report"):
        raise PermissionDenied(_("You are not allowed to do this."))
    form = ReportForm(request.GET or None)
    months = (form.cleaned_data.get("months") or 6) if form.is_valid() else 6
    rows = list(selectors.attendance_by_distributor_month(user=request.user, months=months))
    for row in rows:
        row["rate"] = round(100 * row["attended"] / row["registered"]) if row["registered"] else 0
    return form, months, rows


@login_required
def attendance_report(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, months, rows = _attendance_report(request)
    query = request.GET.urlencode()
    return render(
        request,
        "webinars/attendance_report.html",
        {"form": form, "rows": rows, "months": months, "query": query},
    )


@login_required
def attendance_report_export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponseBase:
    """The attendance report of the page, as CSV or XLSX (same filter, same scope)."""
    _form, months, rows = _attendance_report(request)
    columns = [
        Column(_("Month"), Kind.MONTH),
        Column(_("Distributor")),
        Column(_("Registered")),
        Column(_("Attended")),
        Column(pgettext("attendance report", "Attendance rate (%)"), Kind.PERCENT),
        Column(_("Minutes")),
    ]
    table = Table(
        pgettext("sheet", "Web-conference attendance"),
        columns,
        [
            [row[key] for key in ("month", "distributor__name", "registered", "attended", "rate", "minutes")]
            for row in rows
        ],
    )
    stamp = timezone.localdate().isoformat()
    return table_response(
        table=table, fmt=fmt, filename=f"web-conference-attendance-{months}m-{stamp}", user=request.user
    )
