"""Demo data of the academy shell: the company's own people.

Each app may have a ``demo.py`` with ``seed() -> list[DemoLogin]``; the
``seed_demo`` command runs them in app order. Every seed is idempotent: it
looks rows up by their natural key and creates only what is missing.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import CommandError

from academy import services
from academy.models import Role, User

DEMO_PASSWORD = "academy-demo"  # noqa: S105 (published demo password)


def demo_data_guard(*, force: bool) -> None:
    """Refuse to write demo data where it is not wanted (the production
    settings) unless the operator says so."""
    if not settings.DEMO_DATA_ALLOWED and not force:
        raise CommandError(
            "Demo data is refused with these settings (production). "
            "Pass --force-production to write it anyway: its accounts will have no password."
        )


def demo_password() -> str | None:
    """The published demo password, or None where demo data is not wanted:
    there, demo accounts get no usable password (a reset sets one)."""
    return DEMO_PASSWORD if settings.DEMO_DATA_ALLOWED else None


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    name: str


def demo_user(
    email: str,
    first_name: str,
    last_name: str,
    *,
    role: str = Role.LEARNER,
    language: str = "fr",
    time_zone: str = "Africa/Abidjan",
    country: str = "",
    phone: str = "",
) -> User:
    """The demo account with this address, created with the demo password
    (see :func:`demo_password`) if missing."""
    user = User.objects.filter(email=email).first()
    if user is None:
        user = services.user_create(
            email=email,
            password=demo_password(),
            first_name=first_name,
            last_name=last_name,
            role=role,
            language=language,
            time_zone=time_zone,
            country=country,
            phone=phone,
        )
    return user


ADMIN_EMAIL = "admin@academy.example"
TRAINER_EMAIL = "claire.martin@academy.example"
TRAINER2_EMAIL = "olivier.roux@academy.example"
MANAGER_WEST_EMAIL = "amadou.diallo@academy.example"
MANAGER_CENTRAL_EMAIL = "sophie.laurent@academy.example"


def seed() -> list[DemoLogin]:
    admin = demo_user(ADMIN_EMAIL, "Nadia", "Benali", role=Role.ADMIN, time_zone="Europe/Paris", country="FR")
    trainer = demo_user(
        TRAINER_EMAIL, "Claire", "Martin", role=Role.TRAINER, time_zone="Europe/Paris", country="FR"
    )
    demo_user(
        TRAINER2_EMAIL,
        "Olivier",
        "Roux",
        role=Role.TRAINER,
        language="en",
        time_zone="Europe/Paris",
        country="FR",
    )
    west = demo_user(
        MANAGER_WEST_EMAIL,
        "Amadou",
        "Diallo",
        role=Role.MANAGER,
        time_zone="Africa/Dakar",
        country="SN",
        phone="+221771234567",
    )
    central = demo_user(
        MANAGER_CENTRAL_EMAIL,
        "Sophie",
        "Laurent",
        role=Role.MANAGER,
        time_zone="Europe/Paris",
        country="FR",
    )
    return [
        DemoLogin("admin", admin.email, str(admin)),
        DemoLogin("trainer", trainer.email, str(trainer)),
        DemoLogin("manager", west.email, f"{west} — Afrique de l'Ouest"),
        DemoLogin("manager", central.email, f"{central} — Afrique centrale, Maghreb, Europe"),
    ]
