"""Hostile-input sweep (issue 9): every text input of every page, every nasty input.

Each case is typed into one input of a page (as a script could send it: `set_value`, so the
value can exceed what the browser lets one type; Streamlit's server then cuts it at the box's
`max_chars`), the page runs, and the test asserts: no exception, no section that failed with an
unexpected error, and every chart under `limits.CHART_MB`. The pages keep one AppTest each, so
the cases follow each other as a user's edits would. The count of cases is printed at the end.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from components.core import limits
from components.widgets import CUSTOM_CHOICE
from tests.app.conftest import open_page, texts_of

EXPLORE = "pages/1_Explore.py"
TOKENS = "pages/2_Tokens_and_Pooling.py"
LOSS = "pages/3_Loss_Lab.py"
SEARCH = "pages/4_Search_Long_Text.py"
MAPLAB = "pages/5_Map_Lab.py"
GLOSSARY = "pages/6_Glossary.py"

CASES: dict[str, str] = {
    "empty": "",
    "1 line": "A single sentence about a river bank.",
    "2 lines": "The cat sat on the mat.\nStocks fell sharply.",
    "3 lines": "The cat sat on the mat.\nA kitten rested on the rug.\nStocks fell sharply.",
    "identical vectors": "SAME words\nsame words\nSame Words\nsAME WORDS",  # uncased: one vector
    "duplicates": "same\nsame\nsame",
    "200 kB on one line": ("lorem ipsum dolor " * 12_000)[:200_000],
    "6,000 lines": "\n".join(f"line number {i} of many" for i in range(6_000)),
    "NUL and control characters": "a\x00b\x01c\x07\nd\x1b[31m red\x7f\nline\x0bthree\x0c",
    "RTL and bidi": "\u202eabc\u202c שלום עולם\nمرحبا بالعالم\n\u200fright\u200e",
    "combining characters": "e\u0301" * 60 + "\n" + "Z\u0351\u0352\u0353\u0354" * 30,
    "emoji only": "🚀🔥👍" * 30 + "\n" + "😀" * 10 + "\n👨‍👩‍👧‍👦",
    "HTML and script": "<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n"
    '&amp; &lt;b&gt; you\'re "quoted"\n[link](javascript:alert(1)) **bold** $x^2$',
    "repeated words": "bank, " * 500,
    "tabs and commas": "a\tb\tc\nx, y, z\n\t\t\n,,,",
}

# (page, widget key, kind of widget, what to do first, what to click after)
INPUTS: list[tuple[str, str, str, dict, str | None]] = [
    (EXPLORE, "explore_text", "text_area", {"explore_method": "pca"}, None),  # UMAP: test_explore
    (TOKENS, "pooling_text", "text_area", {}, None),
    (TOKENS, "pooling_words", "text_input", {}, None),
    (TOKENS, "pooling_context", "text_area", {}, None),
    (TOKENS, "pooling_sentences", "text_area", {}, None),
    (LOSS, "loss_paste", "text_area", {}, "loss_paste_add"),
    (SEARCH, "search_paste", "text_area", {}, None),
    (SEARCH, "search_query", "text_input", {}, None),
    (
        SEARCH,
        "search_ce_name",
        "text_input",
        {"search_reranker": "Cross-encoder"},
        "search_ce_load",
    ),
    (EXPLORE, "explore_query", "text_input", {}, None),
    (MAPLAB, "maplab_pole_0", "text_input", {"maplab_axes_kind": "Words or sentences"}, None),
    (MAPLAB, "maplab_find_text", "text_input", {}, None),
    (MAPLAB, "maplab_find_meaning", "text_input", {}, None),
    (GLOSSARY, "glossary_query", "text_input", {}, None),
    (EXPLORE, "model_custom_name", "text_input", {"model_choice": CUSTOM_CHOICE}, "model_load"),
]
FAILED_SECTION = "could not be computed"
RUN_TIMEOUT = 600  # 6,000 lines on Explore encode 5,000 sentences (slow on a busy machine)
_APPS: dict[str, AppTest] = {}
_TRIED: list[str] = []


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv(
        "HF_HUB_OFFLINE", "1"
    )  # a model name fails at once, never waits on a network


def _page(page: str) -> AppTest:
    if page not in _APPS:
        _APPS[page] = open_page(page)
    return _APPS[page]


def _set(app: AppTest, key: str, value) -> None:
    """Set a radio or select box when the page shows it (it keeps its value afterwards)."""
    for kind in ("radio", "selectbox"):
        try:
            widget = getattr(app, kind)(key=key)
        except KeyError:
            continue
        widget.set_value(value)
        app.run(timeout=RUN_TIMEOUT)
        return


def _check(app: AppTest, where: str) -> None:
    assert not app.exception, f"{where}: {app.exception}"
    errors = texts_of(app.error)
    assert FAILED_SECTION not in errors, f"{where}: {errors}"
    for chart in app.get("plotly_chart"):
        megabytes = len(chart.proto.spec.encode()) / 1e6
        assert megabytes < limits.CHART_MB, f"{where}: a chart of {megabytes:.1f} MB"


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize(
    ("page", "key", "kind", "before", "click"),
    INPUTS,
    ids=[f"{page.split('_', 1)[1][:-3]}:{key}" for page, key, *_ in INPUTS],
)
def test_hostile_input(page, key, kind, before, click, case):
    app = _page(page)
    for widget_key, value in before.items():
        _set(app, widget_key, value)
    getattr(app, kind)(key=key).set_value(CASES[case]).run(timeout=RUN_TIMEOUT)
    if click:
        app.button(key=click).click().run(timeout=RUN_TIMEOUT)
    _TRIED.append(f"{page}:{key}:{case}")
    _check(app, f"{key} <- {case}")


def test_sweep_summary(capsys):
    """Runs last: the number of cases tried (also quoted in the README)."""
    with capsys.disabled():
        print(
            f"\nHostile-input sweep: {len(_TRIED)} cases ({len(INPUTS)} inputs on "
            f"{len({page for page, *_ in INPUTS})} pages x "
            f"{len(CASES)} hostile values), no exception, every chart < {limits.CHART_MB} MB."
        )
    assert len(_TRIED) == len(INPUTS) * len(CASES)
