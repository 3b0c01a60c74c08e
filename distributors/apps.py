from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistributorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "distributors"
    verbose_name = _("Distributors")

    def ready(self) -> None:
        # Imported once the models are loaded, as Django requires of ready().
        from academy import activity, roles
        from academy.api.scopes import ScopeArea, scope_area_register
        from academy.erasure import personal_data_register
        from academy.messaging.kinds import cost_centers_register
        from distributors import erasure, receivers  # noqa: F401  (connects the receivers)
        from distributors.cost_centers import COST_CENTERS
        from distributors.selectors import membership_distributor, membership_roles

        roles.role_source_register(membership_roles)
        activity.distributor_source_register(membership_distributor)
        personal_data_register(erasure.PART)
        scope_area_register(ScopeArea("distributors", _("Distributors and teams"), app_label=self.label))
        cost_centers_register(COST_CENTERS)
