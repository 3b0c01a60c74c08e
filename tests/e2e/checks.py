"""Checks every main page gets: structure, accessibility (axe-core from a
local copy), page weight, a screenshot, and no Content-Security-Policy
violation."""

from pathlib import Path

from tests.e2e.conftest import OUTPUT

PAGE_BUDGET_BYTES = 300 * 1024


STRUCTURE_JS = """
() => {
  const problems = [];
  const h1 = document.querySelectorAll('h1').length;
  if (h1 !== 1) problems.push(`${h1} h1 elements`);
  if (!document.documentElement.getAttribute('lang')) problems.push('no lang attribute');
  for (const field of document.querySelectorAll('input, select, textarea')) {
    const type = (field.getAttribute('type') || '').toLowerCase();
    if (['hidden', 'submit', 'button', 'reset', 'image'].includes(type)) continue;
    const labelled = (field.id && document.querySelector(`label[for="${CSS.escape(field.id)}"]`))
      || field.closest('label') || field.getAttribute('aria-label') || field.getAttribute('aria-labelledby')
      || field.getAttribute('title');
    if (!labelled) problems.push(`field without label: ${field.outerHTML.slice(0, 120)}`);
  }
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) problems.push(`image without alt: ${img.outerHTML.slice(0, 120)}`);
  }
  return problems;
}
"""


def check_structure(page) -> None:
    problems = page.evaluate(STRUCTURE_JS)
    assert problems == [], f"{page.url}: {problems}"


def check_accessibility(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{page.url}: {serious}"


def page_weight(visitor, path: str) -> tuple[int, dict[str, int]]:
    """Bytes transferred to load ``path`` with an empty cache, video and
    uploaded media excluded: (total, {url: bytes})."""
    page = visitor.context.new_page()
    cdp = visitor.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    kinds: dict[str, tuple[str, str]] = {}
    sizes: dict[str, int] = {}

    def on_response(event):
        kinds[event["requestId"]] = (event["type"], event["response"]["url"])

    def on_finished(event):
        kind, url = kinds.get(event["requestId"], ("Other", "?"))
        if kind == "Media" or "/media/" in url:
            return
        sizes[url] = sizes.get(url, 0) + int(event["encodedDataLength"])

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.loadingFinished", on_finished)
    page.goto(path, wait_until="networkidle")
    page.close()
    return sum(sizes.values()), sizes


def check_page(visitor, name: str, *, budget: int = PAGE_BUDGET_BYTES) -> None:
    """All checks for the page ``visitor`` is on; saves a screenshot as ``name``."""
    page = visitor.page
    check_structure(page)
    check_accessibility(page)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(OUTPUT) / f"{name}-{visitor.variant}.png"), full_page=True)
    total, sizes = page_weight(visitor, page.url)
    assert total <= budget, f"{page.url} weighs {total} bytes (budget {budget}): {sizes}"
    visitor.assert_no_policy_violation()
