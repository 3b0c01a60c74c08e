"""Rules every page template follows, whichever app it belongs to."""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings


def _templates() -> list[Path]:
    return sorted(
        path
        for config in apps.get_app_configs()
        if config.name in settings.LOCAL_APPS
        for path in (Path(config.path) / "templates").rglob("*.html")
    )


def test_scrolling_tables_can_be_reached_with_the_keyboard():
    """A wide table scrolls sideways inside ``.table-wrap`` on a phone; the
    wrapper must take the focus so keyboard users can scroll it (axe rule
    scrollable-region-focusable)."""
    wrappers = [
        (path.name, tag)
        for path in _templates()
        for tag in re.findall(r"<[a-z]+[^>]*\bclass=\"[^\"]*\btable-wrap\b[^>]*>", path.read_text())
    ]
    assert wrappers, "no table wrapper found: the rule no longer applies as written"
    assert [(name, tag) for name, tag in wrappers if 'tabindex="0"' not in tag] == []
