from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebinarsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webinars"
    verbose_name = _("Webinars")
