"""The fonts every PDF of the academy is written in.

reportlab's standard Helvetica is not embedded and only covers Latin-1: a
holder called "Ștefan Țurcanu-Ɓaldé" or "Ngozi Ọkọ́nkwọ́" came out with
black squares. DejaVu Sans (Bitstream Vera licence, see ``fonts/LICENSE``)
covers Latin Extended, African Latin letters and combining marks; reportlab
embeds only the glyphs a document uses (a subset), so a one-page
certificate stays small.
"""

import unicodedata
from pathlib import Path
from typing import IO

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"


def pdf_fonts_register() -> tuple[str, str]:
    """Register the regular and bold fonts with reportlab (once) and return their names."""
    registered = pdfmetrics.getRegisteredFontNames()
    for name in (REGULAR, BOLD):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(FONTS_DIR / f"{name}.ttf")))
    return REGULAR, BOLD


def pdf_text(text: str) -> str:
    """``text`` composed (NFC): a letter typed as base + combining accent
    becomes the one precomposed glyph where Unicode has it, which the font
    draws as designed rather than stacking a mark by itself."""
    return unicodedata.normalize("NFC", text)


def pdf_canvas(buffer: IO[bytes], *, pagesize: tuple[float, float]) -> canvas.Canvas:
    """A compressed reportlab canvas whose text starts in the embedded regular
    font (reportlab's default, Helvetica, would otherwise be listed on each page)."""
    regular, _bold = pdf_fonts_register()
    return canvas.Canvas(buffer, pagesize=pagesize, pageCompression=1, initialFontName=regular)
