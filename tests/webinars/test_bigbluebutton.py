"""BigBlueButton client: checksums per the API documentation, recorded XML answers, errors for trainers."""

import hashlib
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from webinars.bigbluebutton import (
    BigBlueButton,
    BigBlueButtonError,
    api_base,
    parse_recordings,
    parse_response,
)

# The example of the BigBlueButton API documentation ("API Security").
DOC_SECRET = "639259d4-9dd8-4b25-bf01-95f9567eaf4b"
DOC_QUERY = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444"
DOC_CHECKSUM = "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"

CREATE_OK = b"""<response>
  <returncode>SUCCESS</returncode>
  <meetingID>academy-42</meetingID>
  <internalMeetingID>183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1531240585189</internalMeetingID>
  <parentMeetingID>bbb-none</parentMeetingID>
  <attendeePW>ap</attendeePW>
  <moderatorPW>mp</moderatorPW>
  <createTime>1531240585189</createTime>
  <voiceBridge>70066</voiceBridge>
  <dialNumber>613-555-1234</dialNumber>
  <createDate>Tue Jul 10 16:36:25 UTC 2018</createDate>
  <hasUserJoined>false</hasUserJoined>
  <duration>0</duration>
  <hasBeenForciblyEnded>false</hasBeenForciblyEnded>
  <messageKey></messageKey>
  <message></message>
</response>"""

CHECKSUM_ERROR = b"""<response>
  <returncode>FAILED</returncode>
  <messageKey>checksumError</messageKey>
  <message>You did not pass the checksum security check</message>
</response>"""

NOT_FOUND = b"""<response>
  <returncode>FAILED</returncode>
  <messageKey>notFound</messageKey>
  <message>We could not find a meeting with that meeting ID</message>
</response>"""

RECORDINGS = b"""<response>
  <returncode>SUCCESS</returncode>
  <recordings>
    <recording>
      <recordID>ffbfc4cc24428694e8b53a4e144f414052431693-1530718721124</recordID>
      <meetingID>academy-42</meetingID>
      <internalMeetingID>ffbfc4cc24428694e8b53a4e144f414052431693-1530718721124</internalMeetingID>
      <name>Rendez-vous mensuel</name>
      <isBreakout>false</isBreakout>
      <published>true</published>
      <state>published</state>
      <startTime>1530718721134</startTime>
      <endTime>1530718810456</endTime>
      <participants>3</participants>
      <playback>
        <format>
          <type>podcast</type>
          <url>https://bbb.example.com/podcast/ffbf.ogg</url>
          <processingTime>0</processingTime>
          <length>0</length>
        </format>
        <format>
          <type>presentation</type>
          <url>https://bbb.example.com/playback/presentation/2.3/ffbf</url>
          <processingTime>7177</processingTime>
          <length>0</length>
        </format>
      </playback>
    </recording>
    <recording>
      <recordID>unpublished-1</recordID>
      <meetingID>academy-42</meetingID>
      <published>false</published>
      <startTime>1530718721000</startTime>
      <endTime>1530718722000</endTime>
      <playback></playback>
    </recording>
  </recordings>
  <messageKey></messageKey>
  <message></message>
</response>"""


def _client(handler=None, algorithm="sha1"):
    transport = httpx.MockTransport(handler) if handler else None
    return BigBlueButton(
        url="https://bbb.example.com/bigbluebutton/",
        secret=DOC_SECRET,
        algorithm=algorithm,
        transport=transport,
    )


def test_checksum_matches_the_documented_example():
    assert _client().checksum("create", DOC_QUERY) == DOC_CHECKSUM


def test_signed_url_is_call_query_and_checksum_of_exactly_that_query():
    client = _client()
    url = client.url(
        "create",
        {"name": "Test Meeting", "meetingID": "abc123", "attendeePW": "111222", "moderatorPW": "333444"},
    )
    assert url == f"https://bbb.example.com/bigbluebutton/api/create?{DOC_QUERY}&checksum={DOC_CHECKSUM}"


def test_sha256_checksum():
    client = _client(algorithm="sha256")
    expected = hashlib.sha256(f"create{DOC_QUERY}{DOC_SECRET}".encode()).hexdigest()
    assert client.checksum("create", DOC_QUERY) == expected


def test_api_base_accepts_both_forms():
    assert api_base("https://h/bigbluebutton/") == "https://h/bigbluebutton/api"
    assert api_base("https://h/bigbluebutton/api/") == "https://h/bigbluebutton/api"


def test_join_url_for_moderator_and_attendee():
    client = _client()
    url = client.join_url(
        meeting_id="academy-42", full_name="Aminata Fall", role="VIEWER", password="ap", user_id="7"
    )
    parts = urlsplit(url)
    assert parts.path == "/bigbluebutton/api/join"
    params = dict(parse_qsl(parts.query))
    assert params["fullName"] == "Aminata Fall" and params["role"] == "VIEWER" and params["password"] == "ap"
    query = parts.query.rsplit("&checksum=", 1)[0]
    assert params["checksum"] == hashlib.sha1(f"join{query}{DOC_SECRET}".encode()).hexdigest()  # noqa: S324


def test_create_sends_a_signed_request_and_parses_success():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, content=CREATE_OK)

    root = _client(handler).create(
        meeting_id="academy-42", name="Rendez-vous", moderator_password="mp", attendee_password="ap"
    )
    assert root.findtext("meetingID") == "academy-42"
    assert seen[0].path == "/bigbluebutton/api/create"
    assert dict(seen[0].params)["record"] == "true"


def test_failures_become_errors_a_trainer_can_read():
    with pytest.raises(BigBlueButtonError) as error:
        parse_response(CHECKSUM_ERROR)
    assert error.value.key == "checksumError"
    assert "checksum security check" in error.value.message
    with pytest.raises(BigBlueButtonError) as error:
        parse_response(b"<html>502 Bad Gateway")
    assert error.value.key == "badResponse"


def test_network_errors_and_http_errors_are_reported():
    def down(request):
        raise httpx.ConnectTimeout("timed out", request=request)

    with pytest.raises(BigBlueButtonError) as error:
        _client(down).create(meeting_id="m", name="n", moderator_password="a", attendee_password="b")
    assert error.value.key == "unreachable" and "ConnectTimeout" in error.value.message
    with pytest.raises(BigBlueButtonError) as error:
        _client(lambda r: httpx.Response(500)).recordings(meeting_id="m")
    assert error.value.key == "httpError"


def test_end_of_a_meeting_that_is_not_running_is_not_an_error():
    _client(lambda r: httpx.Response(200, content=NOT_FOUND)).end(meeting_id="m", moderator_password="mp")


def test_recordings_are_parsed_with_the_presentation_playback():
    from webinars.bigbluebutton import ET

    recordings = parse_recordings(ET.fromstring(RECORDINGS))
    assert len(recordings) == 2
    first = recordings[0]
    assert first.published and first.playback_url == "https://bbb.example.com/playback/presentation/2.3/ffbf"
    assert first.start_ms == 1530718721134
    assert not recordings[1].published and recordings[1].playback_url == ""
