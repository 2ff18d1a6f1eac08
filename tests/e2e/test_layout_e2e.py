"""Readable on every screen a class uses: each page at 1024×768, 1280×720 and 1400×900, and in
presenter mode at 1280×720, with its defaults and after its main actions.

Measured in Chromium, not guessed: formulas wider than their column, labels, buttons, metrics,
chips and tab titles cut with an ellipsis (`scrollWidth > clientWidth`), tables that need sideways
scrolling, Plotly charts narrower than 300 px, chart titles running off their chart and chart
texts (annotations, point labels, heatmap numbers) drawn over each other. One server, one browser
page per page of the lab: the page is drawn once per state and measured at every size (Streamlit
lays out in CSS and Plotly redraws on resize, so a resize needs no rerun). A full-page screenshot
of every page at every size goes to test-artifacts/layout/.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import SCREENSHOTS, settle

LAYOUT_SHOTS = SCREENSHOTS.parent / "layout"
SIZES = {"1024x768": (1024, 768), "1280x720": (1280, 720), "1400x900": (1400, 900)}
PRESENTER_SIZE = (1280, 720)
MIN_CHART_PX = 300

# Run in the page: every break of readability, as {"kind", "what"}.
MEASURE = r"""
() => {
  const breaks = [];
  const seen = new Set();
  const add = (kind, what) => {
    const key = kind + '|' + what;
    if (!seen.has(key)) { seen.add(key); breaks.push({kind, what}); }
  };
  const visible = el => {
    if (!el.isConnected) return false;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden') return false;
      if (e.tagName === 'DETAILS' && !e.open && !e.querySelector('summary')?.contains(el)) return false;
    }
    return true;
  };
  const text = el => (el.innerText || el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 70);
  const root = document.querySelector('[data-testid=stApp]');

  // 1. Formulas: the drawn glyphs (KaTeX's .base boxes) against the formula's own box and its
  //    column; a formula box that scrolls sideways hides part of it too.
  for (const box of root.querySelectorAll('.katex-display, [data-testid=stMarkdownContainer] .katex')) {
    if (!visible(box) || box.closest('.katex-display') !== box && box.closest('.katex-display')) continue;
    const bases = [...box.querySelectorAll('.katex-html .base')].map(b => b.getBoundingClientRect());
    if (!bases.length) continue;
    const right = Math.max(...bases.map(r => r.right)), left = Math.min(...bases.map(r => r.left));
    const column = box.closest('[data-testid=stColumn]') || box.closest('[data-testid=stMarkdownContainer]');
    const frame = column.getBoundingClientRect(), own = box.getBoundingClientRect();
    const scrolls = box.scrollWidth > box.clientWidth + 4;
    if (scrolls || right > Math.min(frame.right, own.right) + 2 || left < Math.max(frame.left, own.left) - 2)
      add('formula wider than its column', text(box).slice(0, 50));
  }

  // 2. Text cut with an ellipsis (or clipped): labels, buttons, metrics, chips, tabs, links.
  const clipped = el => el.scrollWidth > el.clientWidth + 1;
  for (const el of root.querySelectorAll('*')) {
    if (el.closest('.js-plotly-plot, [data-testid=stDataFrame], [data-testid=stCode], ' +
                   'textarea, input, .katex, [data-testid=stTextArea]')) continue;
    const style = getComputedStyle(el);
    if (style.textOverflow !== 'ellipsis' && !(style.overflowX === 'hidden' &&
        el.matches('[data-testid=stMetricLabel] *, [data-testid=stMetricValue] *, ' +
                   'button *, [role=tab] *, [data-baseweb=tag] *, a *'))) continue;
    if (!el.textContent.trim() || !clipped(el) || !visible(el)) continue;
    add('text cut with an ellipsis', text(el));
  }

  // 2b. A multiselect's chips: Streamlit puts them in one row that scrolls sideways, so a chip
  //     is cut by the row's edge, not by an ellipsis of its own (check 2 cannot see that); chips
  //     wrapped onto a second row must not be hidden below a fixed height either.
  for (const row of root.querySelectorAll('[data-testid=stMultiSelectTagsContainer]')) {
    if (visible(row) && (row.scrollWidth > row.clientWidth + 1 || row.scrollHeight > row.clientHeight + 1))
      add('chips cut at the edge of their box', [...row.querySelectorAll('[title]')].map(text).join(', '));
  }

  // 3. Tables that need sideways scrolling (the open ones: detail in a closed expander is fine).
  for (const table of root.querySelectorAll('[data-testid=stDataFrame], [data-testid=stTable]')) {
    if (!visible(table)) continue;
    const scroller = table.querySelector('.dvn-scroller') || table;
    if (scroller.scrollWidth > scroller.clientWidth + 2) {
      const head = [...table.querySelectorAll('[role=columnheader], th')].map(text).join(', ');
      add('table needs sideways scrolling', head.slice(0, 90) || '(table)');
    }
  }
  if (document.documentElement.scrollWidth > document.documentElement.clientWidth + 1)
    add('page scrolls sideways', `${document.documentElement.scrollWidth} px`);

  // 4. Charts: width, titles inside the chart, texts drawn over each other.
  for (const plot of root.querySelectorAll('.js-plotly-plot')) {
    if (!visible(plot)) continue;
    const key = [...(plot.closest('[class*="st-key-"]')?.classList || [])]
      .find(c => c.startsWith('st-key-'))?.slice(7) || 'chart';
    const box = plot.getBoundingClientRect();
    if (box.width < %(min_px)s) add('chart narrower than %(min_px)s px', `${key}: ${Math.round(box.width)} px`);
    for (const title of plot.querySelectorAll('.gtitle, .g-gtitle text, .cbtitle text')) {
      const r = title.getBoundingClientRect();
      if (r.width && (r.left < box.left - 1 || r.right > box.right + 1))
        add('chart title runs off its chart', `${key}: ${text(title)}`);
    }
    const texts = [...plot.querySelectorAll(
      '.annotation-text, .textpoint text, .hm text, .heatmaplayer text, .gtitle')]
      .filter(t => t.textContent.trim())
      .map(t => ({t, r: t.getBoundingClientRect()}))
      .filter(o => o.r.width > 0 && o.r.height > 0);
    let overlaps = 0, example = '';
    for (let i = 0; i < texts.length && overlaps < 50; i++) {
      for (let j = i + 1; j < texts.length; j++) {
        const a = texts[i].r, b = texts[j].r;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 2 && h > 2 && w * h > 0.15 * Math.min(a.width * a.height, b.width * b.height)) {
          overlaps++;
          if (!example) example = `"${text(texts[i].t)}" / "${text(texts[j].t)}"`;
        }
      }
    }
    if (overlaps) add('chart texts overlap', `${key}: ${overlaps} pair(s), e.g. ${example}`);
  }
  return breaks;
}
""".replace("%(min_px)s", str(MIN_CHART_PX))


def _drawn(page) -> None:
    """Settled, with every visible Plotly chart drawn at the current size."""
    settle(page)
    page.wait_for_function(
        """() => [...document.querySelectorAll('.js-plotly-plot')]
                 .every(p => p._fullLayout !== undefined)""",
        timeout=60_000,
    )
    page.wait_for_timeout(500)


def _measure(page, where: str, size: str, found: list[str], presenter: bool = False) -> None:
    """Resize (no rerun), let Plotly redraw, record the breaks and a full-page screenshot."""
    width, height = PRESENTER_SIZE if presenter else SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(900)  # plotly's responsive resize is debounced
    _drawn(page)
    label = f"{where} @ {'presenter ' if presenter else ''}{size}"
    for item in page.evaluate(MEASURE):
        found.append(f"{label}: {item['kind']}: {item['what']}")
    LAYOUT_SHOTS.mkdir(parents=True, exist_ok=True)
    name = f"{where.replace(' ', '_')}_{'presenter_' if presenter else ''}{size}.png"
    _full_page_shot(page, LAYOUT_SHOTS / name)


# Streamlit scrolls inside its main container, so a "full page" screenshot would show the
# viewport only: for the picture, the containers grow to their content (and shrink back after).
UNROLL = """on => {
    for (const el of document.querySelectorAll(
            '[data-testid=stAppViewContainer], [data-testid=stMain], .stApp, #root')) {
        if (on) { el.dataset.height = el.style.height; el.style.height = 'auto';
                  el.style.overflow = 'visible'; }
        else { el.style.height = el.dataset.height || ''; el.style.overflow = ''; }
    }
}"""


def _full_page_shot(page, path) -> None:
    page.evaluate(UNROLL, True)
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.evaluate(UNROLL, False)


def _presenter(page, on: bool) -> None:
    """Turn the sidebar's presenter-mode toggle on or off (a rerun)."""
    checked = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=stSidebar] label')]
                 .find(l => l.innerText.includes('Presenter mode'))
                 ?.querySelector('input')?.checked"""
    )
    if bool(checked) != on:
        page.locator("[data-testid=stSidebar]").get_by_text("Presenter mode").click()
        _drawn(page)


def _all_sizes(page, where: str, found: list[str]) -> None:
    for size in SIZES:
        _measure(page, where, size, found)
    if page.locator("[data-testid=stSidebar]").get_by_text("Presenter mode").count():
        _presenter(page, True)
        _measure(page, where, "1280x720", found, presenter=True)
        _presenter(page, False)


def _open(page, app_url: str, path: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{app_url}/{path}")
    _drawn(page)


SIX = (
    "A cat sat on the mat.\nA kitten rested on the rug.\nStocks fell sharply today.\n"
    "The market dropped at the open.\nHow do I bake bread?\nSteps for making a loaf at home"
)


def _explore_actions(page) -> None:
    """Six typed sentences (a small labelled map), a clicked point, two models compared."""
    box = page.locator(".st-key-explore_text textarea")
    box.fill(SIX)
    box.press("Control+Enter")
    _drawn(page)
    page.get_by_text("Compare with another model").click()
    _drawn(page)


def _tokens_actions(page) -> None:
    page.locator(".st-key-pooling_train button").first.click()
    _drawn(page)


def _loss_actions(page) -> None:
    page.locator(".st-key-loss_epochs input[type=range]").focus()
    page.keyboard.press("Home")
    _drawn(page)
    page.locator(".st-key-loss_train").get_by_role("button", name="Train", exact=True).first.click()
    settle(page, timeout=300_000)
    page.get_by_text("Result of the last run").wait_for(timeout=300_000)
    _drawn(page)


def _search_actions(page) -> None:
    page.locator(".st-key-search_reranker").get_by_text("Hybrid").first.click()
    _drawn(page)


def _map_actions(page) -> None:
    page.locator(".st-key-maplab_apply button").click()
    _drawn(page)


PAGES = [
    ("home", "", None),
    ("explore", "Explore", _explore_actions),
    ("tokens", "Tokens_and_Pooling", _tokens_actions),
    ("loss", "Loss_Lab", _loss_actions),
    ("search", "Search_Long_Text", _search_actions),
    ("map", "Map_Lab", _map_actions),
    ("glossary", "Glossary", None),
]


@pytest.mark.parametrize(("name", "path", "actions"), PAGES, ids=[p[0] for p in PAGES])
def test_every_page_is_readable_at_every_size(page, app_url, name, path, actions):
    found: list[str] = []
    _open(page, app_url, path)
    _all_sizes(page, f"{name} default", found)
    if actions is not None:
        page.set_viewport_size({"width": 1400, "height": 900})
        actions(page)
        _all_sizes(page, f"{name} after actions", found)
    assert not found, f"{len(found)} layout break(s):\n" + "\n".join(found)
