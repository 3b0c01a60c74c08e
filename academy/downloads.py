"""The one way an uploaded file leaves the site: after the calling view has
checked that the person may see what the file belongs to.

Uploads live in the ``private`` storage, never under ``MEDIA_URL``. The
response is a download (``Content-Disposition: attachment``) unless the type
is one a browser shows without running anything of ours (PDF, raster images,
video); it always carries ``X-Content-Type-Options: nosniff`` and a sandboxing
Content-Security-Policy, so even a file that slipped through the upload check
cannot run script in the site's origin.

With ``PRIVATE_MEDIA_X_ACCEL_PREFIX`` set (production behind nginx), the
response has an empty body and an ``X-Accel-Redirect`` header naming the file
under an ``internal`` nginx location; otherwise Django streams the file.
"""

from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

from academy.uploads import upload_name_normalise

GENERIC = "application/octet-stream"
# Shown in the browser; anything else is downloaded. Never SVG or HTML.
INLINE_TYPES = frozenset(
    {"application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4", "video/webm"}
)
CONTENT_SECURITY_POLICY = "sandbox; default-src 'none'"


def _protect(response: HttpResponseBase, *, cache: str) -> HttpResponseBase:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response["Cache-Control"] = cache
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def private_file_response(
    file: FieldFile | None,
    *,
    filename: str,
    content_type: str = "",
    cache: str = "private, no-store",
    inline: bool = True,
) -> HttpResponseBase:
    """``file`` for the person who asked (404 when there is none or it is
    missing from the storage). ``content_type`` is the one stored when the
    upload was checked; an unknown one is sent as a generic download. Only
    :data:`INLINE_TYPES` are shown in the browser, and only when ``inline``."""
    if not file:
        raise Http404
    content_type = content_type or GENERIC
    as_attachment = not inline or content_type not in INLINE_TYPES
    filename = upload_name_normalise(filename)
    prefix: str = settings.PRIVATE_MEDIA_X_ACCEL_PREFIX
    name = file.name or ""
    if prefix:
        if not file.storage.exists(name):
            raise Http404
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(name.lstrip("/"))
        disposition = content_disposition_header(as_attachment, filename)
        if disposition:
            response["Content-Disposition"] = disposition
        return _protect(response, cache=cache)
    try:
        handle = file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    streamed = FileResponse(handle, as_attachment=as_attachment, filename=filename, content_type=content_type)
    return _protect(streamed, cache=cache)


def generated_file_response(
    content: bytes, *, filename: str, content_type: str = GENERIC, cache: str = "private, no-store"
) -> HttpResponseBase:
    """A file made for the person who asked (an export), always downloaded,
    with the same protective headers as :func:`private_file_response`. The
    calling view has checked that ``content`` is theirs to have."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, upload_name_normalise(filename)) or ""
    response["Content-Length"] = str(len(content))
    return _protect(response, cache=cache)
