from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from academy import views
from academy.messaging import preferences_views
from academy.messaging import views as messaging_views

app_name = "academy"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("profile/data/", views.personal_data_download, name="personal_data_download"),
    path("profile/files/", views.file_preferences, name="file_preferences"),
    path("profile/erasure/", views.erasure_request, name="erasure_request"),
    path("profile/messages/", preferences_views.message_preferences, name="message_preferences"),
    path("profile/tokens/", views.api_tokens, name="api_tokens"),
    path("profile/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(
            template_name="academy/password_change_form.html",
            success_url=reverse_lazy("academy:password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="academy/password_change_done.html"),
        name="password_change_done",
    ),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="academy/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="academy/password_reset_confirm.html",
            success_url=reverse_lazy("academy:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="academy/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("unsubscribe/<str:token>/undo/", views.unsubscribe_undo, name="unsubscribe_undo"),
    path("s/<str:code>/", messaging_views.short_link_follow, name="short_link"),
    path("messaging/webhooks/", include("academy.messaging.urls")),
    path("language/", views.language_switch, name="language"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
