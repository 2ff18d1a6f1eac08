"""The Map lab in a real browser: three maps with their honesty panel, then a box drag on the
find-and-select map that greys out the rest and lists the selection."""

from __future__ import annotations

from components.data.samples import DEFAULT_PRESET, load_preset
from tests.e2e.conftest import SCREENSHOTS, settle, shot

# Pixel positions of every point of a chart, with its row id (customdata[0]) and trace name.
POINTS_JS = """key => {
    const plot = document.querySelector(`.st-key-${key} .js-plotly-plot`);
    const layout = plot._fullLayout, box = plot.getBoundingClientRect();
    const points = [];
    for (const trace of plot._fullData) {
        (trace.customdata || []).forEach((row, i) => points.push({
            row: Number(row[0]), name: trace.name,
            x: box.left + layout._size.l + layout.xaxis.d2p(trace.x[i]),
            y: box.top + layout._size.t + layout.yaxis.d2p(trace.y[i]),
        }));
    }
    return points;
}"""


def test_honesty_panel_and_box_selection(page, app_url):
    page.goto(f"{app_url}/Map_Lab")
    settle(page, timeout=400_000)
    page.get_by_text("1 · Three maps, and how far to trust each").wait_for()
    for method in ("pca", "umap", "tsne"):
        assert len(page.evaluate(POINTS_JS, f"maplab_map_{method}")) == 240
    metrics = page.locator("[data-testid='stMetric']")
    assert metrics.filter(has_text="Trustworthiness").count() == 3
    assert metrics.filter(has_text="Kept (k = 10)").count() == 3
    page.locator(".st-key-maplab_map_umap").scroll_into_view_if_needed()
    panel = page.locator("[data-testid='stHorizontalBlock']").filter(
        has=page.locator(".st-key-maplab_map_umap")
    )
    panel.first.screenshot(path=str(SCREENSHOTS / "map_lab_1_honesty_panel.png"))

    page.locator(".st-key-maplab_colour").get_by_text("kept share").click()
    settle(page)
    panel.first.screenshot(path=str(SCREENSHOTS / "map_lab_2_kept_share.png"))

    # Box-select the football sentences on the find-and-select map (UMAP by default).
    page.locator(".st-key-maplab_select").scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    points = page.evaluate(POINTS_JS, "maplab_select")
    football = [p for p in points if p["name"] == "football"]
    assert len(points) == 240 and len(football) == 30
    xs, ys = sorted(p["x"] for p in football), sorted(p["y"] for p in football)
    left, right, top, bottom = xs[3] - 4, xs[-4] + 4, ys[3] - 4, ys[-4] + 4  # the core of the group

    def within(margin: float) -> set[int]:
        return {
            p["row"]
            for p in points
            if left - margin <= p["x"] <= right + margin
            and top - margin <= p["y"] <= bottom + margin
        }

    assert len(within(-3)) >= 10
    page.mouse.move(left, top)
    page.mouse.down()
    page.mouse.move((left + right) / 2, (top + bottom) / 2, steps=5)
    page.mouse.move(right, bottom, steps=10)
    page.mouse.up()
    settle(page)

    drawn = page.evaluate(POINTS_JS, "maplab_select")
    selected = {p["row"] for p in drawn if p["name"] != "not selected"}
    assert within(-3) <= selected <= within(3)  # the box, give or take a point on its edge
    heading = page.get_by_text(f"{len(selected)} sentences selected")
    heading.wait_for()
    # The table under that heading lists the selected sentences. Its grid puts only the rows in
    # view into the DOM, in the order of the selection, so look for the sentences it drew.
    texts = load_preset(DEFAULT_PRESET).texts
    table = heading.locator("xpath=following::*[@data-testid='stDataFrame'][1]")
    table.locator("[role='gridcell']").first.wait_for(state="attached")
    cells = set(table.locator("[role='gridcell']").all_text_contents())
    listed = {row for row in range(len(texts)) if texts[row] in cells}
    assert listed and listed <= selected, (listed, selected)
    page.locator(".st-key-maplab_select").scroll_into_view_if_needed()
    shot(page, "map_lab_3_box_selection")

    page.locator(".st-key-maplab_clear button").first.click()
    settle(page)
    assert page.get_by_text("sentences selected").count() == 0

    # A lasso around the music sentences: pick the lasso in the chart's mode bar, draw a loop.
    page.locator(".st-key-maplab_select").scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    points = page.evaluate(POINTS_JS, "maplab_select")
    music = [p for p in points if p["name"] == "music"]
    centre_x = sorted(p["x"] for p in music)[len(music) // 2]
    centre_y = sorted(p["y"] for p in music)[len(music) // 2]
    page.locator(".st-key-maplab_select").hover()
    page.locator(".st-key-maplab_select [data-title='Lasso Select']").click()
    radius = 40
    loop = [
        (centre_x + radius * dx, centre_y + radius * dy)
        for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -0.9))
    ]
    page.mouse.move(*loop[0])
    page.mouse.down()
    for x, y in loop[1:]:
        page.mouse.move(x, y, steps=8)
    page.mouse.up()
    settle(page)
    drawn = page.evaluate(POINTS_JS, "maplab_select")
    lassoed = {p["row"] for p in drawn if p["name"] != "not selected"}
    square = {
        p["row"]
        for p in points
        if abs(p["x"] - centre_x) <= radius + 3 and abs(p["y"] - centre_y) <= radius + 3
    }
    assert lassoed and lassoed <= square
    count = f"{len(lassoed)} sentence{'s' if len(lassoed) > 1 else ''} selected"
    page.get_by_text(count).wait_for()
    shot(page, "map_lab_4_lasso_selection")
