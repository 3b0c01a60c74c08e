import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language

from academy import email_preferences, erasure, roles, services
from academy.downloads import generated_file_response
from academy.errors import ApplicationError
from academy.forms import (
    ApiTokenForm,
    EmailPreferencesForm,
    ErasureRequestForm,
    FilePreferencesForm,
    LoginForm,
    PasswordResetForm,
    ProfileForm,
    apply_error,
)
from academy.headers import csp_violations_log
from academy.health import health_report
from academy.home import panels_for
from academy.http import AuthenticatedHttpRequest
from academy.models import User
from academy.selectors import api_token_get, api_token_list, erasure_request_pending, notification_list
from academy.throttling import limit_page


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "academy/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        services.user_login_record(user=form.get_user())
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "academy/password_reset_form.html"
    email_template_name = "academy/emails/password_reset_body.txt"
    subject_template_name = "academy/emails/password_reset_subject.txt"
    success_url = reverse_lazy("academy:password_reset_done")

    @method_decorator(limit_page("password_reset_client"))
    def dispatch(self, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return super().dispatch(*args, **kwargs)


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    granted = roles.user_roles(request.user)
    return render(
        request,
        "academy/home.html",
        {"panels": panels_for(request, granted), "granted": granted},
    )


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    # The form edits a copy, so an invalid submission does not leak into the page.
    form = ProfileForm(request.POST or None, instance=User.objects.get(pk=user.pk))
    emails_form = EmailPreferencesForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid() and emails_form.is_valid():
        try:
            services.user_profile_update(
                user=user, **{name: form.cleaned_data[name] for name in form.Meta.fields}
            )
            email_preferences.email_preferences_set(user=user, wanted=emails_form.wanted())
        except ApplicationError as error:
            apply_error(form, error)
        else:
            response = redirect("academy:profile")
            # Keep the visitor cookie in step so the language holds after sign-out.
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
            )
            with translation.override(user.language):  # the language just chosen
                messages.success(request, _("Your profile has been saved."))
            return response
    return render(
        request,
        "academy/profile.html",
        {
            "form": form,
            "erasure_request": erasure_request_pending(user=user),
            "files_form": FilePreferencesForm(instance=user),
            "emails_form": emails_form,
        },
    )


@login_required
@require_POST
def file_preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Save how the person's CSV downloads are separated (a form of the profile page)."""
    user = request.user
    files_form = FilePreferencesForm(request.POST, instance=User.objects.get(pk=user.pk))
    if files_form.is_valid():
        try:
            services.user_csv_separator_set(user=user, csv_separator=files_form.cleaned_data["csv_separator"])
        except ApplicationError as error:
            apply_error(files_form, error)
        else:
            messages.success(request, _("Your file preferences have been saved."))
            return redirect("academy:profile")
    context = {
        "form": ProfileForm(instance=user),
        "erasure_request": erasure_request_pending(user=user),
        "files_form": files_form,
    }
    return render(request, "academy/profile.html", context, status=400)


@login_required
@require_GET
def personal_data_download(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The signed-in person's own data (a ZIP of one JSON file per app); there
    is no way to name anybody else's."""
    content, filename = erasure.user_data_archive(user=request.user)
    return generated_file_response(content, filename=filename, content_type="application/zip")


@login_required
def erasure_request(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask for one's own erasure (an administrator processes the request)."""
    user = request.user
    pending = erasure_request_pending(user=user)
    form = ErasureRequestForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and pending is None:
        if form.is_valid():
            try:
                erasure.erasure_request_create(user=user)
            except ApplicationError as error:
                apply_error(form, error)
            else:
                messages.success(
                    request, _("Your request has been sent. You will receive an e-mail once it is processed.")
                )
                return redirect("academy:profile")
        status = 400
    return render(
        request,
        "academy/erasure_request.html",
        {"form": form, "pending": pending, "objections": erasure.erasure_objections(user=user)},
        status=status,
    )


@login_required
def api_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The person's API tokens, and a form to make one. A new token's secret
    is in the answer to the form only (never stored, never in a message or a
    redirect): shown once."""
    user = request.user
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    created = secret = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            days = form.expiry_days()
            try:
                created, secret = services.api_token_create(
                    owner=user,
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    expires_at=None if days is None else timezone.now() + datetime.timedelta(days=days),
                )
            except ApplicationError as error:
                apply_error(form, error, renamed={"expires_at": "expires_in"})
            else:
                form = ApiTokenForm()
        if created is None:
            status = 400
    return render(
        request,
        "academy/api_tokens.html",
        {"form": form, "tokens": api_token_list(user=user), "created": created, "secret": secret},
        status=status,
    )


@login_required
def api_token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Ask, then revoke one of the person's own tokens (anybody else's: 404)."""
    token = api_token_get(user=request.user, pk=pk)
    if token is None:
        raise Http404
    if request.method == "POST" and token.revoked_at is None:
        services.api_token_revoke(token=token, by=request.user)
        messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
        return redirect("academy:api_tokens")
    if token.revoked_at is not None:
        return redirect("academy:api_tokens")
    return render(request, "academy/api_token_revoke.html", {"token": token})


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Django's set_language, which also saves the choice on the profile."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated:
        try:
            services.user_language_set(user=request.user, language=language)
        except ApplicationError as error:
            messages.error(request, error.message)
    return set_language(request)


@login_required
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(notification_list(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "academy/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()]
    count = services.notifications_mark_read(user=request.user, ids=ids or None)
    if count:
        messages.success(request, _("Notifications marked as read."))
    return redirect("academy:notifications")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, checks = health_report()
    body: dict[str, object] = {"status": "ok" if healthy else "down", "checks": checks}
    if not healthy:
        body["down"] = sorted(name for name, item in checks.items() if item["status"] != "up")
    return JsonResponse(body, status=200 if healthy else 503)


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Where browsers report Content-Security-Policy violations (both the
    ``report-uri`` and the Reporting API formats): logged, never stored.
    Bodies over ``CSP_REPORT_MAX_BYTES`` are refused unread."""
    limit = settings.CSP_REPORT_MAX_BYTES
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return HttpResponse(status=413)
    body = request.read(limit + 1)
    if len(body) > limit:
        return HttpResponse(status=413)
    csp_violations_log(body)
    return HttpResponse(status=204)


def _unsubscribe_page(request: HttpRequest, token: str, *, action: str | None) -> HttpResponse:
    found = email_preferences.unsubscribe_token_read(token)
    if found is None:
        return render(request, "academy/unsubscribe.html", {"invalid": True}, status=400)
    user, kind = found
    if action is not None:
        email_preferences.email_preference_set(user=user, kind=kind.code, wanted=action == "resubscribe")
    with translation.override(user.language):  # the page of the person the e-mail went to
        return render(
            request,
            "academy/unsubscribe.html",
            {
                "kind": kind,
                "address": user.email,
                "token": token,
                "wanted": email_preferences.email_wanted(user=user, kind=kind.code),
                "done": action,
            },
        )


@csrf_exempt  # RFC 8058: mail clients POST without cookies; the signed token is the authority
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The link of ``List-Unsubscribe``. GET only shows a confirmation button
    (link scanners follow links, and must not unsubscribe anybody); POST
    (that button, or the mail client's one-click ``List-Unsubscribe=One-Click``)
    stops that kind of e-mail for the person the token names, no sign-in
    needed, as often as it comes. A forged or damaged token: 400."""
    return _unsubscribe_page(request, token, action="unsubscribe" if request.method == "POST" else None)


@csrf_exempt
@never_cache
@require_POST
def unsubscribe_undo(request: HttpRequest, token: str) -> HttpResponse:
    """Undo an unsubscribe from its confirmation page (the same token)."""
    return _unsubscribe_page(request, token, action="resubscribe")
