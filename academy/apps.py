from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcademyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "academy"
    verbose_name = _("Academy")

    def ready(self) -> None:
        # Imported once the models are loaded, as Django requires of ready().
        from academy.api.scopes import ScopeArea, scope_area_register
        from academy.erasure import ACADEMY_PART, personal_data_register
        from academy.outbox import outbox_register
        from academy.services import EMAIL_OUTBOX

        outbox_register(EMAIL_OUTBOX)
        scope_area_register(ScopeArea("profile", _("Your profile"), app_label="academy"))
        personal_data_register(ACADEMY_PART)
