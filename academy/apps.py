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
        from academy.messaging.kinds import MessageKind, message_kind_register
        from academy.messaging.models import Channel
        from academy.messaging.services import ACCOUNT_KIND, PHONE_CODE_KIND, REPLY_ACK_KIND, TEXT_OUTBOX
        from academy.outbox import outbox_register
        from academy.services import EMAIL_OUTBOX

        outbox_register(EMAIL_OUTBOX)
        outbox_register(TEXT_OUTBOX)
        account = _("Your account: password, personal data")
        message_kind_register(
            MessageKind(ACCOUNT_KIND, account, channels=(Channel.EMAIL,), stoppable=False, listed=False)
        )
        phone_only = (Channel.WHATSAPP, Channel.SMS)
        message_kind_register(
            MessageKind(
                PHONE_CODE_KIND,
                _("Phone number verification code"),
                channels=phone_only,
                stoppable=False,
                quiet=False,
                proves_number=True,
                listed=False,
            )
        )
        message_kind_register(
            MessageKind(
                REPLY_ACK_KIND,
                _("Answers to your replies"),
                channels=phone_only,
                stoppable=False,
                quiet=False,
                listed=False,
            )
        )
        scope_area_register(ScopeArea("profile", _("Your profile"), app_label="academy"))
        personal_data_register(ACADEMY_PART)
