from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    """Engagement measurement: it stands above courses and webinars and reads
    them through their selectors; nothing in the network core imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "distributors.engagement"
    label = "engagement"
    verbose_name = _("Engagement")

    def ready(self) -> None:
        # Imported once the models are loaded, as Django requires of ready().
        from academy.api.scopes import ScopeArea, scope_area_register
        from academy.erasure import personal_data_register
        from academy.messaging.kinds import MessageKind, message_kind_register
        from academy.messaging.models import Channel
        from academy.models import Role
        from academy.outbox import outbox_register
        from distributors.engagement import erasure
        from distributors.engagement.lrs import STATEMENT_OUTBOX
        from distributors.engagement.services import DIGEST_EMAIL, NUDGE_EMAIL

        personal_data_register(erasure.PART)
        area = ScopeArea("engagement", _("Engagement figures and xAPI"), app_label=self.label, writes=False)
        scope_area_register(area)
        outbox_register(STATEMENT_OUTBOX)
        message_kind_register(
            MessageKind(
                DIGEST_EMAIL,
                _("Weekly engagement digest"),
                roles=(Role.MANAGER,),
                order=10,
                channels=(Channel.EMAIL,),  # a table: e-mail only
            )
        )
        message_kind_register(
            MessageKind(
                NUDGE_EMAIL, _("Encouragements from the company’s managers"), roles=(Role.LEARNER,), order=20
            )
        )
