from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "courses"
    verbose_name = _("Courses")

    def ready(self) -> None:
        # Imported once the models are loaded, as Django requires of ready().
        from academy.api.scopes import ScopeArea, scope_area_register
        from academy.erasure import personal_data_register
        from academy.messaging.kinds import MessageKind, message_kind_register
        from academy.outbox import outbox_register
        from courses import erasure, receivers  # noqa: F401  (connects the receivers)
        from courses.services import REMINDER_KIND, REMINDER_OUTBOX

        outbox_register(REMINDER_OUTBOX)
        scope_area_register(ScopeArea("courses", _("Courses and learning paths"), app_label=self.label))
        personal_data_register(erasure.PART)
        message_kind_register(
            MessageKind(
                REMINDER_KIND, _("Course reminders: due dates and certificates that expire"), order=40
            )
        )
