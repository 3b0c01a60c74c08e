"""The WhatsApp templates the platform expects to be approved, read from
docs/whatsapp-templates.md: (name, language) -> number of body parameters.
The local WhatsApp Cloud API of the browser journeys approves exactly these."""

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "whatsapp-templates.md"


def approved_templates() -> dict[tuple[str, str], int]:
    templates: dict[tuple[str, str], int] = {}
    name = ""
    for line in DOC.read_text().splitlines():
        heading = re.match(r"### `([a-z0-9_]+)`", line)
        if heading:
            name = heading.group(1)
            continue
        body = re.match(r"- (fr|en): `(.*)`$", line)
        if body and name:
            numbers = [int(n) for n in re.findall(r"\{\{(\d+)\}\}", body.group(2))]
            templates[(name, body.group(1))] = max(numbers, default=0)
    return templates
