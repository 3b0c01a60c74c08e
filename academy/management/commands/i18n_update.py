"""Refresh every app's French and English catalogues and compile them.

Extracts the strings of each of our apps into ``<app>/locale/{fr,en}``
(Django's makemessages, which needs GNU gettext), copies source strings into
the English catalogue where it has none, compiles ``.mo`` files without
needing msgfmt, and lists French entries still untranslated."""

import os
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

LANGUAGES = ("fr", "en")


def local_app_paths() -> list[Path]:
    return [Path(config.path) for config in apps.get_app_configs() if config.name in settings.LOCAL_APPS]


def nested_app_patterns(app_path: Path) -> list[str]:
    """Folders of ``app_path`` that are apps of their own (they keep their own catalogues)."""
    return [
        f"{other.relative_to(app_path)}/*"
        for other in local_app_paths()
        if other != app_path and other.is_relative_to(app_path)
    ]


def catalogue_paths(app_path: Path, language: str) -> list[Path]:
    folder = app_path / "locale" / language / "LC_MESSAGES"
    return sorted(folder.glob("*.po")) if folder.is_dir() else []


def domains_of(app_path: Path) -> list[str]:
    domains = ["django"]
    if any(app_path.glob("static/**/*.js")):
        domains.append("djangojs")
    return domains


class Command(BaseCommand):
    help = "Extract, fill (English) and compile the French and English catalogues of every app."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-extract", action="store_true", help="Only fill and compile.")

    def handle(self, *args: object, **options: object) -> None:
        try:
            import polib
        except ImportError as error:  # a development tool: test requirements carry polib
            raise CommandError("polib is needed: pip install -r requirements-test.txt") from error

        missing: list[str] = []
        for app_path in local_app_paths():
            if not options["no_extract"]:
                cwd = os.getcwd()
                os.chdir(app_path)
                try:
                    for domain in domains_of(app_path):
                        (app_path / "locale").mkdir(exist_ok=True)
                        call_command(
                            "makemessages",
                            locale=list(LANGUAGES),
                            domain=domain,
                            no_obsolete=True,
                            add_location="file",
                            ignore_patterns=["migrations/*", "tests/*", *nested_app_patterns(app_path)],
                            verbosity=0,
                        )
                finally:
                    os.chdir(cwd)
            for language in LANGUAGES:
                for po_path in catalogue_paths(app_path, language):
                    po = polib.pofile(str(po_path), wrapwidth=100)
                    for entry in po:
                        if language == "en" and not entry.translated():
                            if entry.msgid_plural:
                                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
                            else:
                                entry.msgstr = entry.msgid
                            if "fuzzy" in entry.flags:
                                entry.flags.remove("fuzzy")
                    po.metadata["Language"] = language
                    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
                    if language == "fr":
                        po.metadata["Plural-Forms"] = "nplurals=2; plural=(n > 1);"
                    else:
                        po.metadata["Plural-Forms"] = "nplurals=2; plural=(n != 1);"
                    po.save(str(po_path))
                    po.save_as_mofile(str(po_path.with_suffix(".mo")))
                    for entry in po:
                        if not entry.translated() or "fuzzy" in entry.flags:
                            missing.append(f"{po_path.relative_to(settings.BASE_DIR)}: {entry.msgid!r}")
        for line in missing:
            self.stdout.write(f"untranslated  {line}")
        if missing:
            raise CommandError(f"{len(missing)} untranslated entries")
        self.stdout.write(self.style.SUCCESS("Catalogues complete and compiled."))
