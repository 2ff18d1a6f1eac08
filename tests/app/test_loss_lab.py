from __future__ import annotations

import gc

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from components.data.samples import load_triplet_preset
from components.data.triplets import COLUMNS
from components.models.encoder import DEFAULT_MODEL, embed, load_model
from components.services.models import trainable_model
from components.services.session_keys import MODEL_NAME_KEY, SESSION_MODELS_KEY
from components.training.finetune import REGISTRY
from components.vectors.losses import cosine_margin_loss, info_nce_loss, triplet_loss
from tests.app.conftest import chart_specs, open_page, texts_of

LOSS_LAB = "pages/3_Loss_Lab.py"
EXPLORE = "pages/1_Explore.py"
THREE = [
    ("A cat sat on the mat.", "A kitten rested on the rug.", "Stocks fell sharply today."),
    ("How do I bake bread?", "Steps for making a loaf at home", "How do I fix a flat tyre?"),
    ("The train was late.", "The railway service was delayed.", "The training was hard."),
]


@pytest.fixture
def lab() -> AppTest:
    return open_page(LOSS_LAB)


def editor_key(app: AppTest) -> str:
    return f"loss_editor_{app.session_state['loss_editor_version']}"


def set_rows(app: AppTest, rows: list[tuple[str, str, str]]) -> AppTest:
    """Replace the table through the editor: delete every row, add `rows` (as a user would)."""
    current = len(app.data_editor[0].value)
    app.session_state[editor_key(app)] = {
        "edited_rows": {},
        "added_rows": [dict(zip(COLUMNS, row, strict=True)) for row in rows],
        "deleted_rows": list(range(current)),
    }
    return app.run()


def table_rows(app: AppTest) -> dict[str, list]:
    frame = next(df.value for df in app.dataframe if "InfoNCE" in df.value.columns)
    return {column: frame[column].tolist() for column in frame.columns}


def test_default_preset_shows_every_section(lab, model):
    assert not lab.exception and not lab.error
    assert [h.value for h in lab.header] == [
        "1 · Your triplets",
        "2 · Three losses",
        "3 · Loss landscapes",
        "4 · Fine-tune a private copy",
    ]
    table = load_triplet_preset("All 26")
    assert len(lab.data_editor[0].value) == 26
    rows = table_rows(lab)
    a, p, n = (embed(model, table[c].tolist()) for c in COLUMNS)
    np.testing.assert_allclose(rows["triplet"], triplet_loss(a, p, n, 0.2), atol=1e-5)
    np.testing.assert_allclose(rows["cosine-margin"], cosine_margin_loss(a, p, n, 0.5), atol=1e-5)
    np.testing.assert_allclose(rows["InfoNCE"], info_nce_loss(a, p, n, tau=0.05), atol=1e-5)
    metrics = {m.label: m.value for m in lab.metric}
    assert metrics["Triplet (batch mean)"] == f"{triplet_loss(a, p, n, 0.2).mean():.4f}"
    specs = chart_specs(lab)
    assert [spec["data"][0]["type"] for spec in specs] == ["heatmap"] * 3 + ["bar"]
    assert len(specs[0]["data"][2]["x"]) == 26  # the triplets on the landscape
    assert len(specs[3]["data"]) == 4  # softmax bars at τ = 1, 0.2, 0.05 (the current τ), 0.01


def test_sliders_change_losses_and_landscapes(lab, model):
    lab.slider(key="loss_alpha").set_value(0.5).run()
    lab.slider(key="loss_margin").set_value(0.2).run()
    lab.select_slider(key="loss_tau").set_value(0.001).run()
    lab.toggle(key="loss_use_negatives").set_value(False).run()
    assert not lab.exception
    table = load_triplet_preset("All 26")
    a, p, n = (embed(model, table[c].tolist()) for c in COLUMNS)
    rows = table_rows(lab)
    np.testing.assert_allclose(rows["triplet"], triplet_loss(a, p, n, 0.5), atol=1e-5)
    np.testing.assert_allclose(rows["cosine-margin"], cosine_margin_loss(a, p, n, 0.2), atol=1e-5)
    expected = info_nce_loss(a, p, None, tau=0.001)
    assert np.isfinite(rows["InfoNCE"]).all()  # τ → 0 does not overflow
    np.testing.assert_allclose(rows["InfoNCE"], expected, rtol=1e-5, atol=1e-3)
    specs = chart_specs(lab)
    assert specs[1]["layout"]["title"]["text"] == "Triplet, α = 0.5"
    triplet_surface = np.array(specs[1]["data"][0]["z"])
    assert triplet_surface.max() == pytest.approx(2.5)  # cos(a,n) = 1, cos(a,p) = -1
    assert "τ = 0.001" in specs[2]["layout"]["title"]["text"]
    assert len(specs[3]["data"]) == 5  # τ = 1, 0.2, 0.05, 0.01 and the current 0.001
    assert len(specs[3]["data"][0]["x"]) == 26  # positives only, no negatives in the softmax


def test_editing_the_table_and_bad_rows(lab):
    key = editor_key(lab)
    lab.session_state[key] = {
        "edited_rows": {
            0: {"negative": ""},
            1: {"positive": "Symptoms of iron-deficiency anaemia?"},
        },
        "added_rows": [{"anchor": "Only an anchor"}],
        "deleted_rows": [2],
    }
    lab.run()
    assert not lab.exception
    warnings = texts_of(lab.warning)
    assert "Rows 1, 26 have an empty cell" in warnings
    assert "the positive is the anchor itself" in texts_of(lab.info)
    rows = table_rows(lab)
    assert len(rows["anchor"]) == 24  # 26 - 1 deleted - 1 incomplete (the added row too)
    assert rows["cos(a,p)"][0] == pytest.approx(1.0, abs=1e-5)  # row 2: anchor == positive


def test_empty_table_says_so_and_one_row_explains_infonce(lab):
    set_rows(lab, [])
    assert not lab.exception
    assert "No complete triplet yet" in texts_of(lab.error)
    assert chart_specs(lab) == []
    set_rows(lab, THREE[:1])
    assert "no in-batch negatives" in texts_of(lab.info)
    lab.toggle(key="loss_use_negatives").set_value(False).run()
    assert "its loss is 0" in texts_of(lab.info)
    assert table_rows(lab)["InfoNCE"] == [0.0]
    assert lab.slider(key="loss_held_out").disabled


def test_paste_rows(lab):
    lab.text_area(key="loss_paste").input(
        "anchor\tpositive\tnegative\nFirst pasted anchor\tIts paraphrase\tSomething else\n"
    ).run()
    lab.button(key="loss_paste_add").click().run()
    assert not lab.exception
    assert "Added 1 pasted row" in texts_of(lab.info)
    assert len(lab.data_editor[0].value) == 27
    assert table_rows(lab)["anchor"][-1] == "First pasted anchor"
    lab.text_area(key="loss_paste").input("a,b,c,d\n").run()
    lab.button(key="loss_paste_add").click().run()
    assert "4 cells per line" in texts_of(lab.error)
    assert len(lab.data_editor[0].value) == 27  # the table is kept


def test_train_reset_and_the_shared_model_is_untouched(lab, model):
    set_rows(lab, THREE)
    lab.slider(key="loss_epochs").set_value(1).run()
    lab.slider(key="loss_held_out").set_value(0).run()
    lab.button(key="loss_train").click().run()
    assert not lab.exception, lab.exception
    assert lab.session_state[MODEL_NAME_KEY] == "fine-tuned copy"
    trained = REGISTRY.get(lab.session_state[SESSION_MODELS_KEY]["fine-tuned copy"])
    assert lab.selectbox(key="model_choice").value == "fine-tuned copy"
    assert "In use: **fine-tuned copy**" in texts_of(lab.sidebar.caption)
    history = lab.session_state["loss_result"].history
    assert len(history.step_losses) == 1  # 3 triplets, batch 8, 1 epoch
    shared = trainable_model()  # the shared torch model copies are made from
    fresh = load_model()
    for mine, original in zip(shared.parameters(), fresh.parameters(), strict=True):
        assert torch.equal(mine, original)  # training never touched the cached model
    assert any(
        not torch.equal(x, y) for x, y in zip(trained.parameters(), fresh.parameters(), strict=True)
    )
    # Section 2 now uses the fine-tuned copy.
    anchors, positives, _ = zip(*THREE, strict=True)
    cos_ap = np.sum(embed(trained, list(anchors)) * embed(trained, list(positives)), axis=1)
    np.testing.assert_allclose(table_rows(lab)["cos(a,p)"], cos_ap, atol=1e-5)
    specs = chart_specs(lab)
    kinds = [spec["data"][0]["type"] for spec in specs]
    assert kinds[:4] == ["heatmap", "heatmap", "heatmap", "bar"] and len(specs) == 7
    assert lab.get("download_button")  # CSV + model zip
    live_before = REGISTRY.live()
    lab.button(key="loss_reset").click().run()
    assert not lab.exception
    assert lab.session_state[MODEL_NAME_KEY] == DEFAULT_MODEL
    assert "fine-tuned copy" not in lab.session_state[SESSION_MODELS_KEY]
    assert REGISTRY.live() == live_before - 1
    assert "Press **Train**" in texts_of(lab.info)


def test_after_training_explore_uses_the_fine_tuned_copy(lab, model):
    set_rows(lab, THREE)
    lab.slider(key="loss_epochs").set_value(1).run()
    lab.radio(key="loss_train_loss").set_value("info_nce").run()  # never exactly 0: it trains
    lab.button(key="loss_train").click().run()
    trained = REGISTRY.get(lab.session_state[SESSION_MODELS_KEY]["fine-tuned copy"])
    lab.switch_page(EXPLORE).run()
    assert not lab.exception
    picker = lab.selectbox(key="model_choice")
    assert "fine-tuned copy" in picker.options and picker.value == "fine-tuned copy"
    sentences = ["A cat sat on the mat.", "A kitten rested on the rug.", "Stocks fell."]
    lab.text_area(key="explore_text").input("\n".join(sentences)).run()
    lab.radio(key="explore_order").set_value("Input order").run()
    heatmap = next(s for s in chart_specs(lab) if s["data"][0]["type"] == "heatmap")
    z = np.array(heatmap["data"][0]["z"])
    tuned = embed(trained, sentences)
    base = embed(model, sentences)
    np.testing.assert_allclose(z, tuned @ tuned.T, atol=1e-5)
    assert np.abs(z - base @ base.T).max() > 1e-3  # not the original model's numbers
    # Picking the original model again switches back.
    lab.selectbox(key="model_choice").select(DEFAULT_MODEL).run()
    z = np.array(
        next(s for s in chart_specs(lab) if s["data"][0]["type"] == "heatmap")["data"][0]["z"]
    )
    np.testing.assert_allclose(z, base @ base.T, atol=1e-5)


def test_copy_cap_has_a_message(lab, model, monkeypatch):
    set_rows(lab, THREE)
    gc.collect()
    monkeypatch.setattr(REGISTRY, "limit", REGISTRY.live() + 1)
    other_session = REGISTRY.fresh_copy(model)  # the last free slot goes to someone else
    lab.button(key="loss_train").click().run()
    assert not lab.exception
    assert "fine-tuned copies are already in memory" in texts_of(lab.error)
    assert "loss_result" not in lab.session_state
    assert lab.selectbox(key="model_choice").value == DEFAULT_MODEL
    REGISTRY.release(other_session)
