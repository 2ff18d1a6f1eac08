"""The home page in a real browser: lesson, lab cards, model, navigation to a lab."""

from __future__ import annotations

from urllib.parse import urlparse

from tests.e2e.conftest import settle, shot


def test_home_links_to_explore(page, app_url):
    page.goto(app_url)
    settle(page)
    page.get_by_text("What a sentence encoder is").wait_for()
    assert "384 d" in page.locator("[data-testid='stMetric']").all_inner_texts()[1]
    shot(page, "home_1_overview")
    page.get_by_role("link", name="Open 🔭 Explore").click()
    settle(page)
    page.get_by_text("1 · Your sentences").wait_for()
    assert urlparse(page.url).path.endswith("/Explore")  # the page's inputs follow in ?…
