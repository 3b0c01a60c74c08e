from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from academy.demo import DemoLogin, demo_data_guard, demo_password


class Command(BaseCommand):
    help = "Create the demo academy (idempotent: running it again changes nothing)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force-production",
            action="store_true",
            help="Write demo data even with the production settings (its accounts get no password).",
        )

    def handle(self, *args: object, force_production: bool = False, **options: object) -> None:
        demo_data_guard(force=force_production)
        logins: list[DemoLogin] = []
        with transaction.atomic():
            for config in apps.get_app_configs():
                if module_has_submodule(config.module, "demo"):
                    module = import_module(f"{config.name}.demo")
                    logins.extend(module.seed())
        self.stdout.write(self.style.SUCCESS("Demo academy ready. Sign in at http://127.0.0.1:8000/"))
        password = demo_password()
        if password:
            self.stdout.write(f"Password for every demo account: {password}")
        else:
            self.stdout.write("Demo accounts have no password here: set one with the password reset.")
        width = max(len(login.role) for login in logins) if logins else 0
        for login in logins:
            self.stdout.write(f"  {login.role.ljust(width)}  {login.email:<45} {login.name}")
