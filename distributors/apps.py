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
        from academy.messaging.kinds import MessageKind, cost_centers_register, message_kind_register
        from academy.messaging.models import Channel
        from distributors import erasure, receivers  # noqa: F401  (connects the receivers)
        from distributors.cost_centers import COST_CENTERS
        from distributors.selectors import membership_distributor, membership_roles
        from distributors.services import FIELD_REPORT_REPLY_KIND, INVITATION_KIND

        roles.role_source_register(membership_roles)
        activity.distributor_source_register(membership_distributor)
        personal_data_register(erasure.PART)
        scope_area_register(ScopeArea("distributors", _("Distributors and teams"), app_label=self.label))
        cost_centers_register(COST_CENTERS)
        message_kind_register(
            MessageKind(
                INVITATION_KIND,
                _("Invitations to join a team"),
                channels=(Channel.EMAIL,),  # sent to an address, before there is an account
                stoppable=False,
                listed=False,
            )
        )
        message_kind_register(
            MessageKind(
                FIELD_REPORT_REPLY_KIND, _("Answers to your field reports"), order=50, stoppable=False
            )
        )
