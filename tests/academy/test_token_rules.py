"""The API token's pure rules at their edges: the format ``acad_<prefix>_<secret>``
(each length one short and one long, each alphabet), the secret check, and the
scope each method needs on an area (academy.api_tokens, academy.api.scopes)."""

import hashlib

import pytest

from academy.api.scopes import ScopeArea, required_scope, scopes_allow
from academy.api_tokens import token_digest, token_matches, token_parse

PREFIX = "0123456789"
SECRET = "a" * 20 + "Z" * 10 + "0123456789"
AREA = ScopeArea(name="courses", title="Courses", app_label="courses")


def test_a_well_formed_token_gives_its_prefix_and_secret():
    assert token_parse(f"acad_{PREFIX}_{SECRET}") == (PREFIX, SECRET)
    assert token_parse(f"acad_abcdef0189_{SECRET}") == ("abcdef0189", SECRET)


@pytest.mark.parametrize(
    "raw",
    [
        f"acab_{PREFIX}_{SECRET}",  # another kind
        f"ACAD_{PREFIX}_{SECRET}",
        f"acad{PREFIX}_{SECRET}",  # no separator after the kind
        f"acad_{PREFIX}{SECRET}",  # no separator after the prefix
        f"acad_{PREFIX[:9]}_{SECRET}",  # prefix one short
        f"acad_{PREFIX}a_{SECRET}",  # prefix one long
        f"acad_012345678g_{SECRET}",  # prefix not hex
        f"acad_012345678A_{SECRET}",  # hex, but upper case
        f"acad_{PREFIX}_{SECRET[:39]}",  # secret one short
        f"acad_{PREFIX}_{SECRET}a",  # secret one long
        f"acad_{PREFIX}_{SECRET[:39]}-",  # a character outside letters and digits
        f"acad_{PREFIX}_{SECRET[:39]}_",
        f"acad_{PREFIX}_{SECRET[:39]}é",
        "",
        "acad__",
    ],
)
def test_anything_else_is_not_a_token(raw):
    assert token_parse(raw) is None


def test_the_secret_is_checked_against_its_sha256_digest():
    digest = hashlib.sha256(SECRET.encode()).hexdigest()
    assert token_digest(SECRET) == digest
    assert token_matches(digest, SECRET) is True
    assert token_matches(digest, SECRET[:-1] + "b") is False
    assert token_matches(token_digest(""), "") is True


@pytest.mark.parametrize(
    ("method", "scope"),
    [
        ("GET", "courses:read"),
        ("get", "courses:read"),
        ("HEAD", "courses:read"),
        ("OPTIONS", "courses:read"),
        ("options", "courses:read"),
        ("POST", "courses:write"),
        ("PUT", "courses:write"),
        ("PATCH", "courses:write"),
        ("DELETE", "courses:write"),
        ("TRACE", "courses:write"),
    ],
)
def test_the_scope_each_method_needs(method, scope):
    assert required_scope(AREA, method) == scope


@pytest.mark.parametrize(
    ("scopes", "method", "allowed"),
    [
        ({"courses:read"}, "post", False),
        ({"courses:read"}, "get", True),
        ({"read"}, "options", True),
        ({"read"}, "delete", False),
        ({"write"}, "get", True),
        ({"write"}, "delete", True),
        ({"courses:write"}, "put", True),
        ({"courses:write"}, "head", True),
        ({"webinars:read", "webinars:write"}, "get", False),
        ({"webinars:write", "read"}, "get", True),
        ({"webinars:write", "read"}, "post", False),
        ({"courses:read", "courses:write"}, "patch", True),
        ({"courses"}, "get", False),
        ({":read"}, "get", False),
        (["courses:read"], "HEAD", True),
        (frozenset(), "GET", False),
    ],
)
def test_what_scopes_allow(scopes, method, allowed):
    assert scopes_allow(scopes, AREA, method) is allowed
