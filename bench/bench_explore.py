"""Explore lab: embed() against bare model.encode, and a cached rerun against a cold page run."""

from __future__ import annotations

import time

from bench.common import ROOT, Row, median_time, print_rows


def two_thousand_sentences() -> list[str]:
    from components.data.samples import DEFAULT_PRESET, load_preset

    base = load_preset(DEFAULT_PRESET).texts
    return [f"{base[i % len(base)]} (case {i})" for i in range(2_000)]


def run() -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from components.models.encoder import embed, load_model

    model = load_model()
    texts = two_thousand_sentences()
    ours = median_time(lambda: embed(model, texts), repeat=3)
    bare = median_time(
        lambda: model.encode(texts, normalize_embeddings=True, show_progress_bar=False), repeat=3
    )

    st.cache_data.clear()
    st.cache_resource.clear()
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    start = time.perf_counter()
    app.run()  # cold: loads the model (home page) ...
    app.switch_page("pages/1_Explore.py").run()  # ... encodes 240 sentences, fits UMAP
    cold = time.perf_counter() - start
    assert not app.exception, app.exception
    warm = median_time(app.run, repeat=5, warmup=0)  # every cache hit

    print_rows(
        "Explore",
        [
            Row("embed() on 2,000 sentences", ours, bare, "bare model.encode", goal=1.1),
            Row(
                "Explore rerun, caches warm (240 sentences)",
                warm,
                cold,
                "cold: home + Explore, empty caches",
                goal=0.2,
            ),
        ],
    )
