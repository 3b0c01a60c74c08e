from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "courses"
    verbose_name = _("Courses")

    def ready(self) -> None:
        from distributors.signals import membership_ended, membership_started

        membership_started.connect(_member_joined, dispatch_uid="courses.member_joined")
        membership_ended.connect(_member_left, dispatch_uid="courses.member_left")


# Receivers only hand over to the services (sent inside the membership transaction).
def _member_joined(sender: object, membership: object, **kwargs: object) -> None:
    from courses.services import assignments_apply_to_member

    assignments_apply_to_member(membership=membership)  # type: ignore[arg-type]


def _member_left(sender: object, membership: object, **kwargs: object) -> None:
    from courses.services import assignments_release_member

    assignments_release_member(membership=membership)  # type: ignore[arg-type]
