from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebinarsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webinars"
    verbose_name = _("Webinars")

    def ready(self) -> None:
        # Imported once the models are loaded, as Django requires of ready().
        from academy.outbox import outbox_register
        from webinars import receivers  # noqa: F401  (connects the signal receivers)
        from webinars.services import REMINDER_OUTBOX

        outbox_register(REMINDER_OUTBOX)
