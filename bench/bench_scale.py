"""Explore at scale: 10,000 pasted sentences to a drawn map against bare model.encode of the same
sentences, and the memory a large session really takes against `scale.session_memory_mb`."""

from __future__ import annotations

import gc
import time

import numpy as np

from bench.common import ROOT, Row, print_rows

N_PASTED = 10_000
N_MEMORY = 100_000
EXPLORE = "pages/1_Explore.py"


def rss_mb() -> float:
    """Resident memory of this process (Linux), MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 1e6


def paste_to_map(texts: list[str], encoder: str = "exact") -> float:
    """Seconds from pasting `texts` into Explore to its map figure (server side, AppTest), with
    the sidebar's encoder backend `encoder` ("exact": ONNX fp32, the default; "torch")."""
    from streamlit.testing.v1 import AppTest

    from components.services.session_keys import ENCODER_KEY, JOBS_KEY

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900).run()
    app.switch_page(EXPLORE).run()  # the default preset, before the clock starts
    app.selectbox(key=ENCODER_KEY).select(encoder).run()
    started = time.perf_counter()
    app.text_area(key="explore_text").input("\n".join(texts)).run()
    for slot in ("prepare", "projection"):
        job = app.session_state[JOBS_KEY][slot]
        assert job.wait(900) and job.state == "done", (slot, job.state, job.error)
        app.run()
    elapsed = time.perf_counter() - started
    assert not app.exception, app.exception
    points = sum(
        len(trace.get("customdata", []))
        for chart in app.get("plotly_chart")
        for trace in __import__("json").loads(chart.proto.spec)["data"]
        if trace.get("type") == "scattergl"
    )
    assert points == len(texts), points
    return elapsed


def session_memory(texts: list[str], vectors: np.ndarray) -> tuple[float, float]:
    """(measured, estimated) MB of preparing and mapping `texts` (their vectors given)."""
    from components.explore.scale import prepare, session_memory_mb
    from components.models.encoder import count_tokens, load_model
    from components.vectors.projection import project

    model = load_model()
    count_tokens(model, texts[:100])
    rows = {text: row for row, text in enumerate(texts)}
    cache: list[np.ndarray] = []  # what the shared slice cache holds

    def encode(part: tuple[str, ...]) -> np.ndarray:
        cache.append(vectors[[rows[text] for text in part]].copy())
        return cache[-1].copy()

    gc.collect()
    before = rss_mb()
    prepared = prepare(texts, encode, lambda some: count_tokens(model, some), lambda *_: None)
    coords = project(prepared.vectors, "umap").coords
    peak = rss_mb() - before
    del coords, prepared
    return peak, session_memory_mb(len(texts), vectors.shape[1])


def run() -> None:
    from bench.bench_projection import corpus_vectors
    from components.data.large_corpus import generate_corpus
    from components.models.encoder import load_model

    model = load_model()
    paste_to_map(generate_corpus(2_000, seed=99).texts)  # warm-up: imports, numba, the model
    runs: dict[str, list[float]] = {"exact": [], "torch": [], "bare": []}
    for seed in (1, 2):  # new sentences each time: nothing comes from a cache
        texts = generate_corpus(N_PASTED, seed=seed).texts
        runs["exact"].append(paste_to_map(texts))
        started = time.perf_counter()
        model.encode(texts, normalize_embeddings=True, show_progress_bar=False)
        runs["bare"].append(time.perf_counter() - started)
        runs["torch"].append(paste_to_map(texts, "torch"))
    bare = min(runs["bare"])
    rows = [
        Row(
            f"Explore: {N_PASTED:,} pasted sentences -> map (AppTest, server side; default "
            "encoder: ONNX fp32)",
            min(runs["exact"]),
            bare,
            "bare model.encode, same sentences",
            goal=1.3,
        ),
        Row(
            f"Explore: {N_PASTED:,} pasted sentences -> map, PyTorch encoder backend",
            min(runs["torch"]),
            bare,
            "bare model.encode, same sentences",
            goal=1.3,
        ),
    ]
    texts, vectors = corpus_vectors(N_MEMORY)
    measured, estimated = session_memory(texts, vectors)
    print_rows("Explore at scale", rows)
    print(
        f"(memory of a {N_MEMORY:,}-sentence session, prepared and mapped: {measured:,.0f} MB "
        f"measured as RSS growth, {estimated:,.0f} MB estimated by scale.session_memory_mb)"
    )
