"""Bring your own vectors in a real browser: upload a Projector pair, look, search, download."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from components.data.samples import load_preset
from components.data.vector_io import read_parquet, read_projector_tsv, write_projector_tsv
from components.models.encoder import embed, load_model
from tests.e2e.conftest import plot_traces, settle, shot

ROWS = 30


def projector_pair(folder: Path) -> tuple[list[str], np.ndarray, list[str]]:
    preset = load_preset("Eight topics, 240 sentences")
    texts, labels = preset.texts[::8][:ROWS], preset.labels[::8][:ROWS]
    vectors = embed(load_model(), texts)
    vectors_tsv, metadata_tsv = write_projector_tsv(
        vectors, pd.DataFrame({"sentence": texts, "topic": labels})
    )
    (folder / "vectors.tsv").write_bytes(vectors_tsv)
    (folder / "metadata.tsv").write_bytes(metadata_tsv)
    return [str(folder / "vectors.tsv"), str(folder / "metadata.tsv")], vectors, texts


def test_upload_a_projector_pair_search_it_and_download_it_again(page, app_url, tmp_path):
    files, vectors, texts = projector_pair(tmp_path)
    page.goto(f"{app_url}/Explore")
    settle(page)
    page.locator(".st-key-explore_source").get_by_text("Bring your own vectors").click()
    settle(page)
    page.locator(".st-key-explore_vectors input[type=file]").set_input_files(files)
    settle(page)
    page.get_by_text("Read Projector TSV (vectors.tsv + metadata.tsv)").wait_for()
    assert plot_traces(page, "explore_heatmap")[0]["n"] == ROWS
    scatter = [t for t in plot_traces(page, "explore_scatter") if t["name"] != "selected"]
    assert sum(t["n"] for t in scatter) == ROWS and len(scatter) == 8  # coloured by topic
    shot(page, "explore_vectors_1_projector_pair")

    page.locator(".st-key-explore_scatter").scroll_into_view_if_needed()
    shot(page, "explore_vectors_2_map")

    page.get_by_text("do not say which model made these").wait_for()
    page.locator(".st-key-explore_query_model").get_by_text("made these vectors").click()
    settle(page)
    query = page.locator(".st-key-explore_query input")
    query.fill("Which team won the match?")
    query.press("Enter")
    settle(page)
    page.locator(".st-key-explore_query_results").wait_for()
    page.locator(".st-key-explore_query_results").scroll_into_view_if_needed()
    shot(page, "explore_vectors_3_query")

    downloads = {}
    for number in range(5):
        # .first: a button with help= (metadata.tsv's formula warning) has a second, hidden copy
        # in Streamlit's tooltip wrapper; one button shows on the page (seen in the screenshot)
        button = page.locator(f".st-key-explore_export_{number} button").first
        with page.expect_download(timeout=60_000) as download:
            button.click()
        downloads[download.value.suggested_filename] = Path(download.value.path()).read_bytes()
    read_vectors, metadata = read_projector_tsv(downloads["vectors.tsv"], downloads["metadata.tsv"])
    assert np.array_equal(read_vectors, vectors) and metadata["text"].tolist() == texts
    read_vectors, metadata = read_parquet(downloads["embeddings.parquet"])
    assert np.array_equal(read_vectors, vectors) and {"x", "y"} <= set(metadata.columns)
    assert np.array_equal(np.load(io.BytesIO(downloads["vectors.npy"])), vectors)
    shot(page, "explore_vectors_4_exports")
