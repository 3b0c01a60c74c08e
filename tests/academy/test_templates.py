"""Rules every page template follows, whichever app it belongs to."""

import re
from pathlib import Path

import pytest
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


# ---------------------------------------------------- Content-Security-Policy
# The policy (settings.CONTENT_SECURITY_POLICY) allows scripts and styles from
# our static files only: a template must not carry inline code or styles.

_TAG = re.compile(r"<(script|style)\b([^>]*)>", re.IGNORECASE)
_HANDLER = re.compile(r"<[a-zA-Z][^>]*?\son[a-z]+\s*=", re.IGNORECASE | re.DOTALL)
_STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*?\sstyle\s*=", re.IGNORECASE | re.DOTALL)
_JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def csp_problems(source: str) -> list[str]:
    """What in a template's source the CSP would block: inline scripts (a
    ``<script>`` without ``src``, JSON data blocks excepted), ``<style>``
    elements, ``on*=`` handlers, ``style=`` attributes, ``javascript:`` URLs."""
    problems = []
    for tag, attributes in _TAG.findall(source):
        if tag.lower() == "style":
            problems.append("<style> element")
        elif not re.search(r"\ssrc\s*=", f" {attributes}") and not re.search(
            r"""type\s*=\s*["']application/json["']""", attributes
        ):
            problems.append("inline <script>")
    problems += [f"event handler: {match.group(0)[-40:]}" for match in _HANDLER.finditer(source)]
    problems += [f"style attribute: {match.group(0)[-40:]}" for match in _STYLE_ATTRIBUTE.finditer(source)]
    problems += ["javascript URL" for _ in _JAVASCRIPT_URL.finditer(source)]
    return problems


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ('<script src="/static/a.js" defer></script>', []),
        ('<script id="data" type="application/json">{"a": 1}</script>', []),
        ("<script>alert(1)</script>", ["inline <script>"]),
        ("<script defer>var src = 1;</script>", ["inline <script>"]),
        ("<style>p { color: red }</style>", ["<style> element"]),
        ('<button type="button" onclick="go()">', ["event handler"]),
        ('<body\n  onload="go()">', ["event handler"]),
        ('<span style="width: 40%"></span>', ["style attribute"]),
        ('<a href="javascript:go()">', ["javascript URL"]),
        ('<a href="/x" data-online="1" title="style=">ok</a>', []),
    ],
)
def test_csp_scan_finds_what_the_policy_blocks(source, found):
    assert [problem.split(":")[0] for problem in csp_problems(source)] == found


def test_templates_carry_no_inline_script_handler_or_style():
    # E-mail layouts are read by mail clients, not served under the policy:
    # inline styles are the only ones mail clients keep.
    scanned = [path for path in _templates() if path.parent.name != "emails"]
    assert len(scanned) > 50, "the templates were not found"
    problems = {
        str(path.relative_to(settings.BASE_DIR)): found
        for path in scanned
        if (found := csp_problems(path.read_text()))
    }
    assert problems == {}


def test_scripts_do_not_write_style_attributes_or_evaluate_strings():
    """Setting ``element.style.x`` is allowed by the CSP; writing the
    ``style`` attribute, ``cssText`` or evaluating strings is not."""
    scripts = sorted(
        path
        for config in apps.get_app_configs()
        if config.name in settings.LOCAL_APPS
        for path in (Path(config.path) / "static").rglob("*.js")
    )
    assert scripts, "no scripts found"
    forbidden = re.compile(
        r"""setAttribute\(\s*["']style["']|\.cssText\b|\beval\(|new Function\("""
        r"""|set(?:Timeout|Interval)\(\s*["']|\.on[a-z]+\s*=\s*["']"""
    )
    assert [
        (path.name, line)
        for path in scripts
        for line in path.read_text().splitlines()
        if forbidden.search(line)
    ] == []
