"""Video links: only providers that offer an embeddable player are accepted,
and a page link is turned into the player's embed address."""

import re
from urllib.parse import parse_qs, urlsplit

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_ID = re.compile(r"^\d{6,12}$")
_DAILYMOTION_ID = re.compile(r"^[A-Za-z0-9]{5,12}$")

PROVIDERS = ("YouTube", "Vimeo", "Dailymotion")


def _youtube(host: str, path: str, query: str) -> str | None:
    video_id = ""
    if host == "youtu.be":
        video_id = path.strip("/").split("/")[0]
    elif host in {"youtube.com", "m.youtube.com", "youtube-nocookie.com"}:
        parts = [part for part in path.split("/") if part]
        if parts[:1] == ["watch"]:
            video_id = parse_qs(query).get("v", [""])[0]
        elif len(parts) >= 2 and parts[0] in {"embed", "shorts", "live", "v"}:
            video_id = parts[1]
    if _YOUTUBE_ID.match(video_id):
        return f"https://www.youtube-nocookie.com/embed/{video_id}"
    return None


def _vimeo(host: str, path: str) -> str | None:
    parts = [part for part in path.split("/") if part]
    if host == "player.vimeo.com" and len(parts) >= 2 and parts[0] == "video":
        video_id = parts[1]
    elif host == "vimeo.com" and parts:
        video_id = parts[-1] if parts[0] in {"channels", "groups"} else parts[0]
    else:
        return None
    return f"https://player.vimeo.com/video/{video_id}" if _VIMEO_ID.match(video_id) else None


def _dailymotion(host: str, path: str) -> str | None:
    parts = [part for part in path.split("/") if part]
    if host == "dai.ly" and parts:
        video_id = parts[0]
    elif host == "dailymotion.com" and len(parts) >= 2 and parts[0] == "video":
        video_id = parts[1].split("_")[0]
    elif host == "dailymotion.com" and len(parts) >= 3 and parts[:2] == ["embed", "video"]:
        video_id = parts[2]
    else:
        return None
    return f"https://www.dailymotion.com/embed/video/{video_id}" if _DAILYMOTION_ID.match(video_id) else None


def embed_url(url: str) -> str | None:
    """The embeddable player address for a YouTube, Vimeo or Dailymotion
    link (https only), or None when the link is not one of them."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme != "https" or not parts.hostname:
        return None
    host = parts.hostname.lower().removeprefix("www.")
    return (
        _youtube(host, parts.path, parts.query) or _vimeo(host, parts.path) or _dailymotion(host, parts.path)
    )
