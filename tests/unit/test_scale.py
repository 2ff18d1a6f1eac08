from __future__ import annotations

import numpy as np
import pytest

from components.core import limits
from components.data.large_corpus import generate_corpus
from components.explore import scale
from components.explore.scale import largest_fitting, prepare, session_memory_mb
from components.models.encoder import count_tokens, embed
from components.vectors.heatmap_blocks import block_mean_cosine


def test_memory_estimate_grows_with_n_and_counts_the_index_past_its_size():
    small, large = session_memory_mb(10_000, 384), session_memory_mb(100_000, 384)
    assert 0 < small < large
    # Past limits.INDEX_SENTENCES the neighbour index adds its 8-bit vectors and graph links.
    below = session_memory_mb(limits.INDEX_SENTENCES, 384)
    above = session_memory_mb(limits.INDEX_SENTENCES + 1, 384)
    assert above - below > limits.INDEX_SENTENCES * 384 / 1e6 * 0.99
    # 100,000 x 384 float32 vectors are 154 MB, held twice (session + slice cache).
    assert large > 2 * 153.6


def test_largest_fitting_is_the_boundary_of_the_estimate():
    most = largest_fitting(150, 384)
    assert session_memory_mb(most, 384) <= 150 < session_memory_mb(most + 1, 384)
    assert largest_fitting(10_000, 384) == limits.SENTENCES


def test_memory_note_states_the_estimate():
    note = scale.memory_note(100_000, 384)
    assert "100,000 sentences" in note and f"{session_memory_mb(100_000, 384):,.0f} MB" in note


def test_memory_refusal_only_in_public_mode_and_only_past_the_budget():
    most = largest_fitting(limits.SESSION_MB, 384)
    assert scale.memory_refusal(most, 384, public=True) == ""  # fits
    assert scale.memory_refusal(most + 1, 384, public=False) == ""  # a private server
    assert scale.memory_refusal(limits.BACKGROUND_SENTENCES - 1, 384, public=True) == ""  # small
    message = scale.memory_refusal(most + 1, 384, public=True)
    needed = session_memory_mb(most + 1, 384)
    assert f"{most + 1:,} sentences" in message and f"{needed:,.0f} MB" in message
    assert f"about {most:,} sentences" in message and "make run" in message


def test_prepare_encodes_slice_by_slice_with_progress_and_builds_what_explore_needs(model):
    texts = generate_corpus(700, seed=1).texts
    reports: list[tuple[float, str]] = []
    slices: list[int] = []

    def encode(part: tuple[str, ...]) -> np.ndarray:
        slices.append(len(part))
        return embed(model, list(part))

    prepared = prepare(
        texts,
        encode,
        lambda some: count_tokens(model, some),
        lambda share, text: reports.append((share, text)),
        slice_size=128,
        exact_max=500,
    )
    np.testing.assert_allclose(prepared.vectors, embed(model, texts), atol=1e-5)
    assert prepared.token_counts == count_tokens(model, texts)
    assert slices == [128] * 5 + [60]  # slices of similar lengths, the whole set once
    shares = [share for share, _ in reports]
    assert shares == sorted(shares) and shares[0] == 0.0 and shares[-1] == 1.0
    assert any("Encoded 384 of 700" in text for _, text in reports)
    assert prepared.neighbours.method == "hnsw"  # 700 > exact_max
    assert prepared.blocks is not None  # 700 > HEATMAP_MAX
    np.testing.assert_allclose(
        prepared.blocks.mean_cosine,
        block_mean_cosine(prepared.vectors, prepared.blocks.assignment, prepared.blocks.n_blocks),
    )
    assert set(prepared.seconds) == {"tokens", "encode", "index", "blocks"}


def test_a_small_set_is_searched_exactly_and_has_no_blocks(model):
    texts = ["a cat", "a dog", "the stock market"]
    prepared = prepare(
        texts,
        lambda part: embed(model, list(part)),
        lambda some: count_tokens(model, some),
        lambda share, text: None,
    )
    assert prepared.neighbours.method == "exact" and prepared.blocks is None


def test_a_report_that_raises_stops_the_work(model):
    class Stop(Exception):
        pass

    encoded: list[int] = []

    def report(share: float, text: str) -> None:
        if share > 0.3:
            raise Stop

    with pytest.raises(Stop):
        prepare(
            generate_corpus(1_000).texts,
            lambda part: encoded.append(len(part)) or np.zeros((len(part), 4), np.float32),
            lambda some: [1] * len(some),
            report,
        )
    assert 0 < len(encoded) < 8  # stopped after a few of the eight slices
