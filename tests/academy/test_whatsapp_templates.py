"""Every message that may go by WhatsApp has its template documented for
Meta, in French and English, with as many parameters as it sends."""

from pathlib import Path

import pytest
from django.conf import settings

from academy.messaging.services import whatsapp_template_name
from tests.whatsapp_templates import approved_templates

ROOT = Path(settings.BASE_DIR)


def whatsapp_files() -> list[Path]:
    return sorted(p for p in ROOT.glob("**/templates/**/*_whatsapp.txt") if ".venv" not in p.parts)


def test_there_are_whatsapp_templates():
    assert len(whatsapp_files()) >= 14


@pytest.mark.parametrize("path", whatsapp_files(), ids=lambda p: p.name)
def test_each_template_is_documented_with_its_parameter_count(path):
    template = str(path.relative_to(next(p for p in path.parents if p.name == "templates")))
    name = whatsapp_template_name(template.removesuffix("_whatsapp.txt"))
    # One parameter per line that prints something.
    count = sum(1 for line in path.read_text().splitlines() if "{{" in line)
    approved = approved_templates()
    assert approved.get((name, "fr")) == count, f"{name} (fr) in docs/whatsapp-templates.md"
    assert approved.get((name, "en")) == count, f"{name} (en) in docs/whatsapp-templates.md"
