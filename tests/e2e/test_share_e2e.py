"""Sharing in a real browser: a link opened in a fresh browser shows the same page; presenter mode
in light and dark themes; a lesson file downloaded in one browser and loaded in another."""

from __future__ import annotations

from urllib.parse import parse_qs

from playwright.sync_api import expect

from components.core.palettes import category_colours
from tests.e2e.conftest import settle, shot

SENTENCES = [
    "Quantum entanglement defies classical intuition.",
    "Entangled particles behave in ways that classical physics cannot explain.",
    "The taco truck arrives every Tuesday.",
    "She opened a savings account at the bank.",
    "We had a picnic on the bank of the river.",
    "She started a savings account with her bank.",
]


def chart_numbers(page, key: str) -> list:
    """Every number a chart drew (heatmap z, scatter x/y) inside the element with this key."""
    page.wait_for_selector(f".st-key-{key} .js-plotly-plot", timeout=60_000)
    return page.evaluate(
        """key => {
            const plot = document.querySelector(`.st-key-${key} .js-plotly-plot`);
            if (!plot) return null;
            return plot._fullData.map(t => [t.type, t.name, Array.from(t.z || []).map(r => Array.from(r)),
                                             Array.from(t.x || []), Array.from(t.y || [])]);
        }""",
        key,
    )


def test_a_shared_link_shows_the_same_page_in_a_fresh_browser(browser, app_url):
    sender = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = sender.new_page()
    page.goto(f"{app_url}/Explore")
    settle(page)
    box = page.locator(".st-key-explore_text textarea")
    box.fill("\n".join(SENTENCES))
    box.press("Control+Enter")
    settle(page)
    page.locator(".st-key-explore_order").get_by_text("Input order").click()
    settle(page)
    page.locator(".st-key-explore_method").get_by_text("PCA").click()
    settle(page)
    link = page.url
    assert "method=pca" in link and "z=" in link and len(link) < 8_100
    heatmap, scatter = (
        chart_numbers(page, "explore_heatmap"),
        chart_numbers(page, "explore_scatter"),
    )
    assert len(heatmap[0][2]) == len(SENTENCES)
    sender.close()

    receiver = browser.new_context(viewport={"width": 1400, "height": 1000})  # no cookies, no state
    other = receiver.new_page()
    other.goto(link)
    settle(other)
    # The browser may draw the restored text box empty for a moment before its value arrives.
    expect(other.locator(".st-key-explore_text textarea")).to_have_value(
        "\n".join(SENTENCES), timeout=15_000
    )
    settle(other)
    assert chart_numbers(other, "explore_heatmap") == heatmap  # the same numbers, cell by cell
    assert chart_numbers(other, "explore_scatter") == scatter
    other.locator(".st-key-explore_heatmap").scroll_into_view_if_needed()
    shot(other, "share_1_link_opened_in_a_fresh_browser")

    other.goto(f"{app_url}/Explore?v=1&z=broken!&n_neighbors=999")
    settle(other)
    assert other.get_by_text("could not be read").count() >= 1
    assert other.get_by_text("outside 2–100").count() >= 1
    shot(other, "share_2_tampered_link")
    receiver.close()


def test_presenter_mode_in_light_and_dark(browser, app_url):
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 1400, "height": 900}, color_scheme=scheme)
        page = context.new_page()
        page.goto(f"{app_url}/Explore?v=1&method=pca&order=Input%20order")
        settle(page)
        normal = page.evaluate("getComputedStyle(document.documentElement).fontSize")
        page.locator(".st-key-presenter_mode").get_by_text("Presenter mode").click()
        settle(page)
        big = page.evaluate("getComputedStyle(document.documentElement).fontSize")
        assert float(big.rstrip("px")) > float(normal.rstrip("px"))
        colours = page.evaluate(
            """() => {
                const plot = document.querySelector('.st-key-explore_scatter .js-plotly-plot');
                return plot._fullData.filter(t => t.name !== 'selected').map(t => t.marker.color);
            }"""
        )
        assert colours and set(colours) <= set(category_colours(scheme))
        shot(page, f"share_3_presenter_{scheme}_top")
        page.locator(".st-key-explore_heatmap").scroll_into_view_if_needed()
        shot(page, f"share_3_presenter_{scheme}")
        context.close()


def test_a_lesson_file_moves_the_whole_lab_to_another_browser(browser, app_url, tmp_path):
    teacher = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = teacher.new_page()
    page.goto(f"{app_url}/Loss_Lab?v=1&tau=0.2&alpha=0.3")
    settle(page)
    page.locator("[data-testid='stSidebar']").get_by_text("Share & lessons").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download lesson (every page)").click()
    path = tmp_path / "lesson.json"
    download.value.save_as(path)
    assert '"schema": "sentence-embedding-lab/lesson"' in path.read_text()
    teacher.close()

    student = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = student.new_page()
    page.goto(f"{app_url}/Glossary")
    settle(page)
    page.locator("[data-testid='stSidebar']").get_by_text("Share & lessons").click()
    page.locator(".st-key-lesson_upload input[type='file']").set_input_files(str(path))
    settle(page)
    shot(page, "share_4_after_upload")
    page.wait_for_url("**/Loss_Lab**", timeout=120_000)
    settle(page)
    page.get_by_role("heading", name="3 · Loss landscapes").wait_for(timeout=120_000)
    assert "tau=0.2" in page.url and "alpha=0.3" in page.url
    shot(page, "share_4_lesson_loaded")
    student.close()


def test_a_map_click_is_in_the_link_at_once_and_a_fresh_browser_opens_on_it(browser, app_url):
    """The share link is written at the end of the run that changed the state: right after a
    click on the map (no other rerun), the address bar holds the clicked sentence."""
    sender = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = sender.new_page()
    page.goto(f"{app_url}/Explore")
    settle(page)
    box = page.locator(".st-key-explore_text textarea")
    box.fill("\n".join(SENTENCES))
    box.press("Control+Enter")
    settle(page)
    page.locator(".st-key-explore_method").get_by_text("PCA").click()
    settle(page)
    page.locator(".st-key-explore_scatter").scroll_into_view_if_needed()
    before = page.locator(".st-key-explore_focus input").input_value()
    target = next(text for text in SENTENCES if not before.startswith(text[:20]))
    row = SENTENCES.index(target)
    x, y = page.evaluate(
        """row => {
            const plot = document.querySelector('.st-key-explore_scatter .js-plotly-plot');
            for (const trace of plot._fullData) {
                const i = (trace.customdata || []).findIndex(c => Number(c[0]) === row);
                if (i < 0) continue;
                const layout = plot._fullLayout, box = plot.getBoundingClientRect();
                return [box.left + layout._size.l + layout.xaxis.d2p(trace.x[i]),
                        box.top + layout._size.t + layout.yaxis.d2p(trace.y[i])];
            }
        }""",
        row,
    )
    page.mouse.click(x, y)
    settle(page)
    assert page.locator(".st-key-explore_focus input").input_value() == target
    link = page.url
    assert "focus=" in link
    shared = page.locator("[data-testid=stSidebar] [data-testid=stCode] code").text_content()
    # The sidebar's link (in its collapsed expander) is the address too.
    assert parse_qs(shared.replace("\n", "").split("?")[1]) == parse_qs(link.split("?")[1])
    sender.close()

    receiver = browser.new_context(viewport={"width": 1400, "height": 1000})
    other = receiver.new_page()
    other.goto(link)
    settle(other)
    assert other.locator(".st-key-explore_focus input").input_value() == target
    receiver.close()
