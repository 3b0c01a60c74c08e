"""The Content-Security-Policy as the browser applies it: the journeys fail
on any violation (tests.e2e.conftest), so these show the check bites, and
that the pages we do not write ourselves (API docs, admin) work under it."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_shell import ROLES

pytestmark = pytest.mark.e2e


def test_a_violation_is_caught(visitor):
    page = visitor.page
    response = page.goto("/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    visitor.assert_no_policy_violation()
    # An inline script added to the page is refused by the browser, and reported.
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.ranInline = true";
          document.body.appendChild(script);
        }"""
    )
    assert page.evaluate("() => window.ranInline === undefined")
    for _ in range(50):  # the report reaches the test between two browser calls
        if visitor.csp_violations:
            break
        page.wait_for_timeout(100)
    assert [item["directive"] for item in visitor.csp_violations] == ["script-src-elem"]
    with pytest.raises(AssertionError, match="Content-Security-Policy violations"):
        visitor.assert_no_policy_violation()
    # Seen and checked: the journey ends clean.
    visitor.csp_violations.clear()
    visitor.policy_messages.clear()
    visitor.console_errors[:] = [
        error for error in visitor.console_errors if "Content Security Policy" not in error
    ]


def test_api_docs_and_admin_work_under_the_policy(visitor):
    visitor.login(ROLES["admin"])
    page = visitor.page
    # Django's admin pages link no icon, so the browser asks for /favicon.ico,
    # which the product does not serve: not what this test is about.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    page.goto("/admin/")
    expect(page.locator("#content h1")).to_be_visible()
    page.goto("/admin/academy/user/")
    expect(page.locator("#result_list")).to_be_visible()
    page.locator("#result_list tbody a").first.click()
    expect(page.locator("#content-main form")).to_be_visible()
    visitor.assert_no_policy_violation()
