from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistributorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "distributors"
    verbose_name = _("Distributors")

    def ready(self) -> None:
        from distributors import receivers  # noqa: F401  (connects the receivers)
