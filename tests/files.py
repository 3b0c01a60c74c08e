"""Small real files of the kinds uploads accept, for the tests."""

import io
import zipfile

from PIL import Image


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def png_bytes(fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(buffer, format=fmt)
    return buffer.getvalue()


def ooxml_bytes(part: str) -> bytes:
    """An Office Open XML file holding ``part`` (e.g. ``word/document.xml``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<document/>")
    return buffer.getvalue()


def csv_rows(response) -> list[list[str]]:
    """The rows of a CSV download (streamed or not), whatever its separator."""
    import csv

    raw = b"".join(response.streaming_content) if response.streaming else response.content
    text = raw.decode("utf-8-sig")
    delimiter = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t").delimiter
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))
