"""The one layout of every e-mail: its HTML part, made from its text part.

Each e-mail is written once, as a text template; its HTML part is that text
turned into HTML by :func:`text_to_html` and put in the one base layout
(``academy/emails/base.html``: light, inline CSS, no image or web font, one
column that reads on a phone, ``lang`` the recipient's language). So the two
parts cannot drift apart and no sentence is translated twice; an e-mail that
needs more than paragraphs, lists and links may still bring its own
``<template>_body.html``, shown inside the same layout.

The conversion escapes everything first and only then adds the markup it
knows, so text typed by people (a nudge, a reply to a field report) cannot
inject HTML: blank lines separate paragraphs, lines starting with ``* `` or
``- `` are list items (indented ones a list inside the item above), a line
``--`` ends the text, and absolute http(s) addresses become links.
"""

import re
from html import escape

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

# An address as written in the text templates: up to the first space; a
# trailing full stop, comma or closing bracket belongs to the sentence.
_URL = re.compile(r"https?://[^\s<>\"']+?(?=[.,;:!?)\]]*(?:\s|$))")
_BULLET = re.compile(r"^(?P<indent>\s*)[*-] (?P<text>.*)$")

LINK_STYLE = "color:#0b5cad;text-decoration:underline;word-break:break-all"


def _inline(text: str) -> str:
    """One line of text as HTML: escaped, its addresses made links."""
    out: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        out.append(escape(text[last : match.start()], quote=False))
        url = match.group(0)
        out.append(f'<a href="{escape(url)}" style="{LINK_STYLE}">{escape(url, quote=False)}</a>')
        last = match.end()
    out.append(escape(text[last:], quote=False))
    return "".join(out)


def _item(parts: list[str | list[str]]) -> str:
    """One list item: its lines and, where they come, its nested items."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, list):
            inner = "".join(f'<li style="margin:0 0 4px">{line}</li>' for line in part)
            out.append(f'<ul style="margin:4px 0;padding-left:20px">{inner}</ul>')
        else:
            out.append(("<br>" if out and not out[-1].endswith("</ul>") else "") + part)
    return '<li style="margin:0 0 8px">' + "".join(out) + "</li>"


def _block(lines: list[str]) -> str:
    """One paragraph (lines without a blank line between them)."""
    html: list[str] = []
    text: list[str] = []
    items: list[list[str | list[str]]] = []

    def flush_text() -> None:
        if text:
            html.append('<p style="margin:0 0 16px">' + "<br>".join(text) + "</p>")
            text.clear()

    def flush_items() -> None:
        if items:
            listed = "".join(map(_item, items))
            html.append(f'<ul style="margin:0 0 16px;padding-left:20px">{listed}</ul>')
            items.clear()

    for line in lines:
        bullet = _BULLET.match(line)
        if bullet and (not bullet.group("indent") or not items):
            flush_text()
            items.append([_inline(bullet.group("text"))])
        elif bullet:  # an indented item: inside the item above
            last = items[-1][-1]
            if isinstance(last, list):
                last.append(_inline(bullet.group("text")))
            else:
                items[-1].append([_inline(bullet.group("text"))])
        elif items and line[:1].isspace():  # continues the item above
            items[-1].append(_inline(line.strip()))
        else:
            flush_items()
            text.append(_inline(line.strip()))
    flush_text()
    flush_items()
    return "".join(html)


def text_to_html(text: str) -> SafeString:
    """The HTML of an e-mail's text part (escaped; see the module's docstring)."""
    blocks: list[str] = []
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip() == "--":  # a signature separator: the layout's footer says the rest
            break
        if line.strip():
            lines.append(line.rstrip())
        elif lines:
            blocks.append(_block(lines))
            lines = []
    if lines:
        blocks.append(_block(lines))
    return mark_safe("".join(blocks))  # noqa: S308  (every piece of text above is escaped)


def email_html(*, subject: str, body: str, footer: str, language: str, content: str = "") -> str:
    """The whole HTML part: ``content`` (an e-mail's own HTML) or its text
    ``body`` converted, then the ``footer`` text, in the base layout."""
    return render_to_string(
        "academy/emails/base.html",
        {
            "subject": subject,
            "content": mark_safe(content) if content else text_to_html(body),  # noqa: S308  (a template's output)
            "footer": text_to_html(footer),
            "language": language,
        },
    )
