"""Safe on a shared server (issue 9): public mode, Cancel, time caps, text shown as typed."""

from __future__ import annotations

import pytest

from components.core import limits
from components.models import model_policy
from components.models.encoder import DEFAULT_MODEL
from components.services.session_keys import CANCEL_KEY
from components.widgets import CUSTOM_CHOICE
from components.widgets.sidebar import _model_label
from tests.app.conftest import chart_specs, open_page, texts_of

EXPLORE = "pages/1_Explore.py"
TOKENS = "pages/2_Tokens_and_Pooling.py"
LOSS = "pages/3_Loss_Lab.py"
SEARCH = "pages/4_Search_Long_Text.py"
MAPLAB = "pages/5_Map_Lab.py"
GLOSSARY = "pages/6_Glossary.py"


def test_public_mode_offers_only_the_allow_list(monkeypatch):
    monkeypatch.setenv("LAB_PUBLIC_MODE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    app = open_page(EXPLORE)
    picker = app.selectbox(key="model_choice")
    assert picker.options == [_model_label(name) for name in model_policy.ALLOWED_MODELS]
    assert CUSTOM_CHOICE not in picker.options
    assert "model_custom_name" not in [box.key for box in app.text_input]  # no free model name
    assert "Public mode" in texts_of(app.sidebar.caption)
    # An allowed model that is not on this (offline) server: a message, the packaged one stays.
    picker.select("sentence-transformers/all-MiniLM-L12-v2").run()
    assert not app.exception
    assert "cannot be reached" in texts_of(app.sidebar.error)
    assert app.selectbox(key="model_choice").value == DEFAULT_MODEL


def test_public_mode_cross_encoder_is_a_choice_loaded_on_a_click(monkeypatch):
    monkeypatch.setenv("LAB_PUBLIC_MODE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    app = open_page(SEARCH)
    app.radio(key="search_reranker").set_value("Cross-encoder").run()
    choice = app.selectbox(key="search_ce_name")
    assert choice.options[1:] == list(model_policy.ALLOWED_CROSS_ENCODERS)
    assert not app.exception and not app.error  # nothing loaded yet
    choice.select("cross-encoder/ms-marco-MiniLM-L6-v2").run()
    app.button(key="search_ce_load").click().run()
    assert not app.exception and "cannot be reached" in texts_of(app.error)


def test_text_is_shown_as_typed_in_the_3d_map():
    app = open_page(EXPLORE)
    sentences = ["you're right", "<b>bold</b> & co", 'It\'s a "quote"']
    app.text_area(key="explore_text").input("\n".join(sentences)).run()
    app.radio(key="explore_dims").set_value(3).run()
    scatter = next(s for s in chart_specs(app) if s["data"][0]["type"] == "scatter3d")
    labels = [label for trace in scatter["data"] for label in trace.get("text") or []]
    assert set(sentences) <= set(labels), labels  # WebGL text: verbatim, no &#x27;
    assert not app.exception


def test_two_sentences_work_on_every_view():
    app = open_page(EXPLORE)
    app.text_area(key="explore_text").input("The cat sat.\nStocks fell.").run()
    assert not app.exception and not app.error
    assert "only neighbour" in texts_of(app.caption)
    assert len(chart_specs(app)) >= 3


def test_a_cancelled_wait_runs_no_heavy_work_and_the_next_run_does():
    app = open_page(EXPLORE)
    app.session_state[CANCEL_KEY] = True  # what the Cancel button's click sets
    app.text_area(key="explore_text").input("A brand new sentence.\nAnd another one.").run()
    assert not app.exception
    assert "Cancelled" in texts_of(app.warning) and app.button(key="retry_sentences")
    app.button(key="retry_sentences").click().run()
    assert not app.exception and "Cancelled" not in texts_of(app.warning)
    assert chart_specs(app)


def test_training_stops_at_its_time_cap(monkeypatch):
    monkeypatch.setattr(limits, "TRAIN_SECONDS", 0.0)
    app = open_page(TOKENS)
    app.button(key="pooling_train").click().run()
    assert not app.exception
    assert "Stopped after" in texts_of(app.warning)
    assert app.button(key="retry_train head")


@pytest.mark.parametrize("page", [EXPLORE, TOKENS, LOSS, SEARCH, MAPLAB, GLOSSARY])
def test_every_text_box_has_a_character_limit(page):
    app = open_page(page)
    for box in [*app.text_area, *app.text_input]:
        assert box.max_chars, f"{page}: `{box.label}` has no max_chars"
