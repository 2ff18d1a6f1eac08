"""The cached backend, called outside a Streamlit run (caches work in bare mode)."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd

from components.models.encoder import DEFAULT_MODEL, embed, model_info
from components.services import encoding
from components.services.caches import cached_figure
from components.services.encoding import (
    PROGRESS_MIN_TEXTS,
    TEXTS_PER_ENTRY,
    embed_texts,
    embeddings_csv,
)
from components.services.models import ActiveModel, get_model
from components.services.startup import warm_up_umap
from tests.conftest import ROOT


def test_embed_texts_in_chunks_equals_embed(model):
    active = ActiveModel(model, DEFAULT_MODEL, model_info(model, DEFAULT_MODEL))
    texts = [f"sentence number {i} about topic {i % 7}" for i in range(TEXTS_PER_ENTRY + 5)]
    np.testing.assert_allclose(embed_texts(active, texts), embed(model, texts), atol=1e-5)
    assert embed_texts(active, []).shape == (0, 384)


def test_embeddings_csv_round_trips_exactly(model):
    texts = ('a, quoted "text"', "<b>html</b>", "ünïcode")
    vectors = embed(model, list(texts))
    active = ActiveModel(model, DEFAULT_MODEL, model_info(model, DEFAULT_MODEL))
    data = embeddings_csv(active, texts, ("x", "y", "z"), vectors)
    table = pd.read_csv(io.BytesIO(data), keep_default_na=False)
    assert table["text"].tolist() == list(texts) and table["label"].tolist() == ["x", "y", "z"]
    np.testing.assert_allclose(table.filter(like="dim_").to_numpy(), vectors, atol=1e-7)
    assert table.shape == (3, 2 + 384)


def test_shared_model_is_loaded_once_and_reused():
    assert get_model(DEFAULT_MODEL) is get_model(DEFAULT_MODEL)


def test_many_sentences_show_a_progress_bar_that_reaches_the_end(model, monkeypatch):
    updates: list[float] = []

    class FakeBar:  # records what the page's progress bar would show
        def progress(self, value, text=""):
            updates.append(value)

        def empty(self):
            updates.append(-1.0)

    monkeypatch.setattr(encoding.st, "progress", lambda value, text="": FakeBar())
    active = ActiveModel(model, DEFAULT_MODEL, model_info(model, DEFAULT_MODEL))
    texts = [f"progress check sentence {i}" for i in range(PROGRESS_MIN_TEXTS + 1)]
    embed_texts(active, texts)
    slices = -(-len(texts) // TEXTS_PER_ENTRY)
    assert len(updates) == slices + 1 and updates[-2] == 1.0 and updates[-1] == -1.0
    updates.clear()
    embed_texts(active, texts[:10])  # a few sentences: no bar
    assert updates == []


def test_umap_warm_up_runs_once_in_the_background():
    import sys

    thread = warm_up_umap()
    assert warm_up_umap() is thread  # one per process
    thread.join(timeout=300)
    assert not thread.is_alive() and "umap" in sys.modules


def test_cached_figure_is_built_once_per_arguments_and_keyed_by_array_contents():
    from dataclasses import dataclass

    from components.charts import map_charts

    calls: list[int] = []

    def scatter(coords, texts, *, groups=None, title=""):
        calls.append(1)
        return map_charts.map_scatter(coords, texts, groups=groups, title=title)

    coords = np.random.default_rng(0).normal(size=(20, 2)).astype(np.float32)
    texts = [f"sentence {i}" for i in range(20)]
    first = cached_figure(scatter, coords, texts, groups=["a"] * 20, title="t")
    again = cached_figure(scatter, coords.copy(), list(texts), groups=["a"] * 20, title="t")
    assert again is first and len(calls) == 1
    moved = coords.copy()
    moved[7, 1] += 1e-3  # one coordinate in the middle: a repr would elide it
    big = np.zeros((2000, 2), np.float32)
    big_moved = big.copy()
    big_moved[1000, 0] = 1.0
    assert cached_figure(scatter, moved, texts, groups=["a"] * 20, title="t") is not first
    assert cached_figure(scatter, coords, texts, groups=["b"] * 20, title="t") is not first
    assert cached_figure(scatter, big, texts * 100) is not cached_figure(
        scatter, big_moved, texts * 100
    )
    assert len(calls) == 5

    @dataclass(frozen=True)
    class Axis:  # a dataclass argument is keyed by every field (arrays included)
        direction: np.ndarray

    def strip(axis):
        calls.append(1)
        return map_charts.map_scatter(coords, texts, title=str(axis.direction.sum()))

    one, other = Axis(np.zeros(2000)), Axis(np.eye(1, 2000, 1000).ravel())
    assert cached_figure(strip, one) is cached_figure(strip, Axis(np.zeros(2000)))
    assert cached_figure(strip, one) is not cached_figure(strip, other)


def test_the_first_page_drawn_freezes_the_imported_heap_out_of_the_collectors_walk():
    import subprocess
    import sys

    program = (
        "import gc, json\n"
        "import components.widgets\n"
        "from components.services import startup\n"
        "before = len(gc.get_objects())\n"
        "startup.page_drawn()\n"
        "print(json.dumps([before, gc.get_freeze_count(), len(gc.get_objects())]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    before, frozen, walked = json.loads(result.stdout.strip().splitlines()[-1])
    assert before > 100_000 and frozen >= before  # every module's objects ...
    assert walked < before / 20  # ... no longer walked by Streamlit's collection after each run
