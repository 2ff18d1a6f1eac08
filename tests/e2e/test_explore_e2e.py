"""Click through the Explore lab in a real browser and save a screenshot of each step."""

from __future__ import annotations

from contextlib import suppress

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import plot_traces, settle, shot

SENTENCES = [
    "How do I sort a list in Python?",
    "Python list sort methods?",
    "What is the GDP of Canada?",
    "Signs you're low on iron",
    "Symptoms of iron-deficiency anaemia?",
    "<b>Bold?</b> <script>window.hacked = 1</script>",
]


def test_explore_main_flow(page, app_url):
    page.goto(f"{app_url}/Explore")
    settle(page)
    page.get_by_text("2 · Cosine similarity of every pair").wait_for()
    heatmap = plot_traces(page, "explore_heatmap")
    assert heatmap[0]["type"] == "heatmap" and heatmap[0]["n"] == 240
    assert (
        sum(t["n"] for t in plot_traces(page, "explore_scatter") if t["name"] != "selected") == 240
    )
    shot(page, "explore_1_default_preset")

    box = page.locator(".st-key-explore_text textarea")
    box.fill("\n".join(SENTENCES))
    box.press("Control+Enter")
    settle(page)
    assert plot_traces(page, "explore_heatmap")[0]["n"] == len(SENTENCES)
    assert page.evaluate("window.hacked") is None  # user text is shown, never run
    page.locator(".st-key-explore_heatmap").scroll_into_view_if_needed()
    shot(page, "explore_2_typed_sentences")

    page.locator(".st-key-explore_dims").get_by_text("3D").click()
    settle(page)
    assert plot_traces(page, "explore_scatter")[0]["type"] == "scatter3d"
    page.locator(".st-key-explore_scatter").scroll_into_view_if_needed()
    shot(page, "explore_3_map_3d")

    page.locator(".st-key-explore_method").get_by_text("PCA").click()
    settle(page)
    page.locator(".st-key-explore_dims").get_by_text("2D").click()
    settle(page)
    assert plot_traces(page, "explore_scatter")[0]["type"] == "scatter"
    shot(page, "explore_4_pca_2d")


def test_clicking_a_point_lists_its_neighbours(page, app_url):
    page.goto(f"{app_url}/Explore")
    settle(page)
    box = page.locator(".st-key-explore_text textarea")
    box.fill("\n".join(SENTENCES))
    box.press("Control+Enter")
    settle(page)
    page.locator(".st-key-explore_method").get_by_text("PCA").click()
    settle(page)
    page.locator(".st-key-explore_scatter").scroll_into_view_if_needed()
    # Pixel position of the point of row 4 ("Symptoms of iron-deficiency anaemia?").
    x, y = page.evaluate(
        """() => {
            const plot = document.querySelector('.st-key-explore_scatter .js-plotly-plot');
            for (const trace of plot._fullData) {
                const i = (trace.customdata || []).findIndex(row => String(row[0]) === '4');
                if (i < 0) continue;
                const layout = plot._fullLayout, box = plot.getBoundingClientRect();
                return [box.left + layout._size.l + layout.xaxis.d2p(trace.x[i]),
                        box.top + layout._size.t + layout.yaxis.d2p(trace.y[i])];
            }
        }"""
    )
    page.mouse.click(x, y)
    settle(page)
    picked = page.locator(".st-key-explore_focus input").input_value()
    assert picked == "Symptoms of iron-deficiency anaemia?"
    top = page.evaluate(
        """() => document.querySelector('.st-key-explore_neighbors .js-plotly-plot')
                 ._fullData[0].customdata[0]"""
    )
    assert "low on iron" in top
    page.locator(".st-key-explore_neighbors").scroll_into_view_if_needed()
    shot(page, "explore_5_clicked_point_neighbours")


def test_bad_uploads_get_messages(page, app_url, tmp_path):
    page.goto(f"{app_url}/Explore")
    settle(page)
    typed = "My own first sentence.\nMy own second sentence."
    page.locator(".st-key-explore_text textarea").fill(typed)
    page.locator(".st-key-explore_text textarea").press("Control+Enter")
    settle(page)
    page.locator(".st-key-explore_source").get_by_text("Upload a file").click()
    settle(page)
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02\xff" * 100)
    page.locator(".st-key-explore_upload input[type=file]").set_input_files(str(binary))
    settle(page)
    page.get_by_text("looks like a binary file").wait_for()
    shot(page, "explore_6_binary_upload")

    table = tmp_path / "topics.csv"
    table.write_text(
        "id,sentence,topic\n1,The striker scored twice.,sport\n2,Stir the soup slowly.,food\n"
        "3,The goalkeeper saved a penalty.,sport\n4,Bake the bread for an hour.,food\n"
        "5,The referee showed a red card.,sport\n6,Whisk the eggs with sugar.,food\n"
    )
    page.locator(".st-key-explore_upload input[type=file]").set_input_files(str(table))
    settle(page)
    page.locator(".st-key-explore_label_column").click()
    page.get_by_role("option", name="topic").click()
    settle(page)
    names = {t["name"] for t in plot_traces(page, "explore_scatter")}
    assert {"sport", "food"} <= names
    shot(page, "explore_7_csv_upload_coloured")

    page.locator(".st-key-explore_source").get_by_text("Type or paste").click()
    settle(page)
    assert page.locator(".st-key-explore_text textarea").input_value() == typed


def point_position(page, key: str, row: int) -> tuple[float, float] | None:
    """Pixel position of the point whose customdata[0] is `row` in the 2D scatter `key`."""
    return page.evaluate(
        """([key, row]) => {
            const plot = document.querySelector(`.st-key-${key} .js-plotly-plot`);
            for (const trace of plot._fullData) {
                const i = (trace.customdata || []).findIndex(r => String(r[0]) === String(row));
                if (i < 0) continue;
                const layout = plot._fullLayout, box = plot.getBoundingClientRect();
                return [box.left + layout._size.l + layout.xaxis.d2p(trace.x[i]),
                        box.top + layout._size.t + layout.yaxis.d2p(trace.y[i])];
            }
            return null;
        }""",
        [key, row],
    )


@pytest.mark.slow  # ~130 s alone on 2 loaded cores: 5,000 sentences encoded and mapped
def test_a_large_upload_is_encoded_in_the_background_and_mapped_with_webgl(page, app_url, tmp_path):
    from components.data.large_corpus import generate_corpus

    n = 5_000  # past limits.BACKGROUND_SENTENCES (background), HEATMAP_SENTENCES (blocks) and
    # scatter.BIG_SCATTER (WebGL); small enough for CI (the 100,000 case is in `make bench`)
    texts = generate_corpus(n, seed=7).texts
    upload = tmp_path / "five_thousand.txt"
    upload.write_text("\n".join(texts), encoding="utf-8")
    page.goto(f"{app_url}/Explore")
    settle(page)
    page.locator(".st-key-explore_source").get_by_text("Upload a file").click()
    settle(page)
    page.locator(".st-key-explore_upload input[type=file]").set_input_files(str(upload))
    # Encoding runs in the background: a progress bar with a cancel button, and the rest of the
    # page (the lesson's demo at the bottom) is drawn meanwhile.
    page.locator(".st-key-explore_prepare_cancel").wait_for(timeout=120_000)
    page.get_by_text("The lesson's demo, with real numbers").wait_for()
    page.get_by_text("preparing them in the background").wait_for()
    bar = page.locator("[data-testid='stProgress']").first
    bar.wait_for(timeout=60_000)
    shot(page, "explore_8_large_upload_encoding")
    seen = set()  # the bar's text while it is there (share, stage, seconds): it moves
    drawn = page.locator(".st-key-explore_blocks .js-plotly-plot")
    for _ in range(60):
        if drawn.count():
            break
        with suppress(PlaywrightError):  # the fragment redraws the bar every second
            seen.add(bar.inner_text(timeout=1_000))
        page.wait_for_timeout(500)
    assert len(seen) >= 2, seen

    page.locator(".st-key-explore_blocks .js-plotly-plot").wait_for(timeout=300_000)
    page.locator(".st-key-explore_scatter .js-plotly-plot").wait_for(timeout=300_000)
    settle(page)
    blocks = plot_traces(page, "explore_blocks")
    assert blocks[0]["type"] == "heatmap" and 2 <= blocks[0]["n"] <= 60
    assert plot_traces(page, "explore_block_pair")[0]["n"] <= 120
    scatter = [t for t in plot_traces(page, "explore_scatter") if t["name"] != "selected"]
    assert {t["type"] for t in scatter} == {"scattergl"}
    assert sum(t["n"] for t in scatter) == n
    page.locator(".st-key-explore_blocks").scroll_into_view_if_needed()
    shot(page, "explore_9_large_blocks")

    # Hover: the sentence of the point under the mouse shows in a hover box (with 5,000 points,
    # another point may sit on the same pixel: the one plotly picks must be the one clicked).
    page.locator(".st-key-explore_scatter").scroll_into_view_if_needed()
    x, y = point_position(page, "explore_scatter", 123)
    page.mouse.move(x, y)
    hover = page.locator(".st-key-explore_scatter .hoverlayer .hovertext")
    hover.first.wait_for(timeout=10_000)
    first_line = (
        hover.first.evaluate(  # SVG text: its first line is its first tspan.line
            """box => {
            const text = box.querySelector('text.nums') || box.querySelector('text');
            const line = text.querySelector('tspan.line');
            return (line || text).textContent;
        }"""
        )
        .strip()
        .rstrip("…")
    )
    assert len(first_line) > 10 and any(first_line in text for text in texts), first_line
    shot(page, "explore_10_large_map_hover")

    # A click picks that sentence for the neighbour list (a sentence number past 2,000).
    page.mouse.click(x, y)
    settle(page)
    number = int(page.locator(".st-key-explore_focus_number input").input_value())
    assert first_line in texts[number - 1]
    page.locator(".st-key-explore_neighbors").scroll_into_view_if_needed()
    shot(page, "explore_11_large_neighbours")
