"""Every page restores itself from its link, writes its inputs back, and survives tampered links."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from components.pooling.tokens import EXAMPLES
from components.state.page_state import (
    ExploreState,
    GlossaryState,
    LossState,
    SearchState,
    TokensState,
)
from components.state.share_links import encode_link
from tests.app.conftest import TIMEOUT, texts_of
from tests.conftest import ROOT

SECOND_EXAMPLE = list(EXAMPLES)[1]
SHARED = {
    "explore": ExploreState(
        sentences="A cat sat on the mat.\nA kitten rested on the rug.\nStocks fell sharply.",
        order="Input order",
        method="pca",
        k=2,
        focus="Stocks fell sharply.",
    ),
    "tokens": TokensState(
        example=SECOND_EXAMPLE,
        text=EXAMPLES[SECOND_EXAMPLE],
        words="bat",
        map_special=True,
        context="He swung the bat.\nA bat flew out of the cave.",
        sentences="One.\nTwo cats.",
        steps=200,
        learning_rate=3e-3,
    ),
    "loss": LossState(
        preset="The lesson's two triplets",
        triplets=(
            ("A cat sat.", "A kitten sat.", "Stocks fell."),
            ("Sort a list", "List sorting", "Capital of Peru"),
        ),
        alpha=0.3,
        tau=0.2,
        use_negatives=False,
        focus=1,
        epochs=2,
    ),
    "search": SearchState(
        samples=(),
        paste="Lighthouses use lenses to bend light into a beam. " * 40,
        window=64,
        overlap=8,
        query="Why do lighthouses use lenses?",
        k=3,
        reranker="Hybrid: BM25 + RRF",
    ),
    "glossary": GlossaryState(query="temperature"),
}


def open_with(page_script: str, params: dict[str, str]) -> AppTest:
    """A fresh session (as in a new browser) that opens `page_script` with these parameters."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    app.query_params = dict(params)
    app.switch_page(page_script).run()
    return app


@pytest.mark.parametrize("page", list(SHARED))
def test_a_shared_link_restores_the_page_and_the_address_stays_the_same(page):
    state = SHARED[page]
    link = encode_link(state)
    assert len(link.params) >= 2  # the test shares something beyond the defaults
    app = open_with(state.SCRIPT, link.params)
    assert not app.exception, app.exception
    assert not app.warning, texts_of(app.warning)
    # The page wrote its inputs back to the address bar: the same link, so the same state.
    assert app.query_params == link.params


def test_the_restored_widgets_hold_the_shared_values():
    app = open_with(ExploreState.SCRIPT, encode_link(SHARED["explore"]).params)
    assert app.radio(key="explore_method").value == "pca"
    assert app.radio(key="explore_order").value == "Input order"
    assert app.text_area(key="explore_text").value == SHARED["explore"].sentences
    assert app.selectbox(key="explore_focus").value == "Stocks fell sharply."
    assert app.slider(key="explore_k").value == 2
    app = open_with(LossState.SCRIPT, encode_link(SHARED["loss"]).params)
    table = app.session_state["_loss_table_edited"]
    assert table["anchor"].tolist() == ["A cat sat.", "Sort a list"]
    assert app.select_slider(key="loss_tau").value == 0.2
    assert app.selectbox(key="loss_focus").value == 1


def test_changing_a_widget_rewrites_the_address():
    app = open_with(ExploreState.SCRIPT, encode_link(SHARED["explore"]).params)
    app.radio(key="explore_method").set_value("tsne").run()
    assert not app.exception
    assert app.query_params["method"] == "tsne"
    assert app.query_params["z"] == encode_link(SHARED["explore"]).params["z"]


@pytest.mark.parametrize("page", list(SHARED))
def test_a_tampered_link_opens_the_page_with_defaults_and_a_message(page):
    script = SHARED[page].SCRIPT
    app = open_with(script, {"v": "1", "z": "eNq!!broken", "colour": "red", "k": "999"})
    assert not app.exception, app.exception
    warnings = texts_of(app.warning)
    assert "`z`" in warnings and "could not be read" in warnings
    assert "`colour`" in warnings
    default_link = encode_link(type(SHARED[page])())
    assert app.query_params == default_link.params  # the defaults, written back


def test_out_of_range_values_and_a_newer_version_are_named():
    app = open_with(ExploreState.SCRIPT, {"v": "3", "n_neighbors": "500", "method": "<b>x</b>"})
    assert not app.exception
    warnings = texts_of(app.warning)
    assert "newer version" in warnings
    assert "`n_neighbors` is 500, outside 2–100" in warnings
    assert "`method` is `'<b>x</b>'`" in warnings  # a code span: shown as text
    assert app.radio(key="explore_method").value == "umap"


def test_a_link_made_with_another_model_says_so_and_loads_nothing():
    link = encode_link(ExploreState(method="pca"), model="someone/big-model")
    app = open_with(ExploreState.SCRIPT, link.params)
    assert not app.exception
    assert "someone/big-model" in texts_of(app.info)
    assert app.metric[1].value == "384 d"  # still the packaged model


def test_a_shipped_lesson_opens_its_page_with_its_state_and_task():
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    app.switch_page("pages/6_Glossary.py").run()
    app.selectbox(key="lesson_shipped").set_value("what_temperature_does.json").run()
    app.button(key="lesson_open").click().run()
    assert not app.exception, app.exception
    assert app.select_slider(key="loss_tau").value == 1.0
    assert app.selectbox(key="loss_focus").value == 7
    assert "📘 Lesson: What temperature does" in [expander.label for expander in app.expander]
    assert "35.959" in texts_of(app.markdown)  # what to notice
    assert app.query_params["tau"] == "1.0"
