"""Click through the Explore lab in a real browser and save a screenshot of each step."""

from __future__ import annotations

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
