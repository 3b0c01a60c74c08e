from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebinarsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webinars"
    verbose_name = _("Webinars")

    def ready(self) -> None:
        # Imported once the models are loaded, as Django requires of ready().
        from academy.api.scopes import ScopeArea, scope_area_register
        from academy.erasure import personal_data_register
        from academy.messaging.kinds import MessageKind, message_kind_register, reply_handler_register
        from academy.outbox import outbox_register
        from webinars import erasure, receivers  # noqa: F401  (connects the signal receivers)
        from webinars.selectors import REGISTRATION_REF
        from webinars.services import (
            FOLLOW_UP_KIND,
            REGISTRATION_KIND,
            REMINDER_KIND,
            REMINDER_OUTBOX,
            registration_reply,
        )

        outbox_register(REMINDER_OUTBOX)
        scope_area_register(ScopeArea("webinars", _("Web-conferences"), app_label=self.label))
        personal_data_register(erasure.PART)
        message_kind_register(MessageKind(REMINDER_KIND, _("Web-conference reminders"), order=30))
        message_kind_register(
            MessageKind(FOLLOW_UP_KIND, _("Replay and feedback after a web-conference"), order=31)
        )
        # Confirmation, waiting list, new time, cancellation: a person chooses
        # WhatsApp or SMS for them but cannot stop them (e-mail is the last resort).
        message_kind_register(
            MessageKind(REGISTRATION_KIND, _("Your web-conference registrations"), order=29, stoppable=False)
        )
        # "1"/"OUI" and "2"/"NON" to a reminder act on its registration.
        reply_handler_register(REGISTRATION_REF, registration_reply)
