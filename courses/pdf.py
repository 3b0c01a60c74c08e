"""The certificate as a PDF, written in the holder's language."""

import io

from django.conf import settings
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import cm
from reportlab.pdfgen.canvas import Canvas

from academy.i18n import in_language_of
from academy.pdf_fonts import pdf_canvas, pdf_fonts_register, pdf_text
from courses.models import Certificate

BRAND = colors.HexColor("#0b6e4f")
INK = colors.HexColor("#1d2733")
MUTED = colors.HexColor("#5b6875")


def _fit(pdf: Canvas, text: str, font: str, size: float, width: float) -> float:
    """The largest font size up to ``size`` at which ``text`` fits ``width``."""
    while size > 10 and pdf.stringWidth(text, font, size) > width:
        size -= 1
    return size


def certificate_pdf(certificate: Certificate) -> bytes:
    """One landscape A4 page: holder, course or path, dates, verification
    code and address. Texts and dates follow the holder's language, whoever
    downloads it."""
    regular, bold = pdf_fonts_register()
    holder, title = pdf_text(certificate.holder_name), pdf_text(certificate.title)
    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = pdf_canvas(buffer, pagesize=(width, height))
    with in_language_of(certificate.user):
        verify_url = settings.SITE_URL + reverse("courses:verify", args=[certificate.code])
        pdf.setTitle(_("Certificate — %(title)s") % {"title": title})
        pdf.setAuthor(_("Academy"))
        pdf.setStrokeColor(BRAND)
        pdf.setLineWidth(4)
        pdf.rect(1.2 * cm, 1.2 * cm, width - 2.4 * cm, height - 2.4 * cm)
        pdf.setLineWidth(1)
        pdf.rect(1.6 * cm, 1.6 * cm, width - 3.2 * cm, height - 3.2 * cm)

        pdf.setFillColor(BRAND)
        pdf.setFont(bold, 30)
        heading = _("Certificate of completion") if certificate.course_id else _("Learning path certificate")
        pdf.drawCentredString(width / 2, height - 4.5 * cm, heading)

        pdf.setFillColor(MUTED)
        pdf.setFont(regular, 14)
        pdf.drawCentredString(width / 2, height - 6.2 * cm, _("This certifies that"))
        pdf.setFillColor(INK)
        size = _fit(pdf, holder, bold, 28, width - 6 * cm)
        pdf.setFont(bold, size)
        pdf.drawCentredString(width / 2, height - 7.8 * cm, holder)

        pdf.setFillColor(MUTED)
        pdf.setFont(regular, 14)
        done = (
            _("has completed the course") if certificate.course_id else _("has completed the learning path")
        )
        pdf.drawCentredString(width / 2, height - 9.3 * cm, done)
        pdf.setFillColor(INK)
        size = _fit(pdf, title, bold, 22, width - 6 * cm)
        pdf.setFont(bold, size)
        pdf.drawCentredString(width / 2, height - 10.8 * cm, title)
        if certificate.course_id and certificate.course_version > 1:
            pdf.setFont(regular, 11)
            pdf.drawCentredString(
                width / 2,
                height - 11.6 * cm,
                _("Version %(version)s") % {"version": certificate.course_version},
            )

        pdf.setFont(regular, 12)
        issued = _("Issued on %(date)s") % {"date": date_format(certificate.issued_on, "DATE_FORMAT")}
        if certificate.expires_on:
            valid = _("Valid until %(date)s") % {"date": date_format(certificate.expires_on, "DATE_FORMAT")}
        else:
            valid = _("No expiry date")
        pdf.drawCentredString(width / 2, 5.2 * cm, f"{issued}  ·  {valid}")

        pdf.setFillColor(MUTED)
        pdf.setFont(regular, 10)
        pdf.drawCentredString(
            width / 2, 3.6 * cm, _("Verification code: %(code)s") % {"code": certificate.code}
        )
        pdf.drawCentredString(width / 2, 3.0 * cm, _("Check it at %(url)s") % {"url": verify_url})
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
