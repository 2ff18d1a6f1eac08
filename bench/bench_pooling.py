"""Tokens & pooling lab: token-vector extraction and pool() against sentence-transformers."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from bench.common import Row, median_time, print_rows


def interleaved_medians(
    ours: Callable[[], object], baseline: Callable[[], object], repeat: int = 3
) -> tuple[float, float]:
    """Median times of two functions run alternately, so machine load hits both alike."""
    ours(), baseline()  # warm-up
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for function, bucket in ((ours, times[0]), (baseline, times[1])):
            start = time.perf_counter()
            function()
            bucket.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def five_hundred_sentences() -> list[str]:
    from components.data.samples import DEFAULT_PRESET, load_preset

    base = load_preset(DEFAULT_PRESET).texts
    return [f"{base[i % len(base)]} (case {i})" for i in range(500)]


def run() -> None:
    from sentence_transformers.sentence_transformer.modules import Pooling

    from components.data.samples import load_triplets
    from components.models.encoder import load_model, token_embeddings
    from components.pooling.head_training import AttentionPoolingHead, train_attention_head
    from components.pooling.pooling import SENTENCE_TRANSFORMERS_MODE, pool

    model = load_model()
    texts = five_hundred_sentences()
    ours, reference = interleaved_medians(
        lambda: token_embeddings(model, texts),
        lambda: model.encode(texts, output_value="token_embeddings", show_progress_bar=False),
    )

    tokens, mask = token_embeddings(model, texts)  # (500, tokens, 384)
    modules = {mode: Pooling(384, name) for mode, name in SENTENCE_TRANSFORMERS_MODE.items()}

    def ours_pool() -> None:
        for mode in modules:
            pool(tokens, mask, mode)

    def their_pool() -> None:
        for module in modules.values():
            module({"token_embeddings": tokens, "attention_mask": mask})

    pool_ours, pool_theirs = interleaved_medians(ours_pool, their_pool, repeat=7)

    triplets = load_triplets()
    parts = [token_embeddings(model, side) for side in triplets.columns()]
    train = median_time(
        lambda: train_attention_head(AttentionPoolingHead(384), *parts, steps=100), repeat=3
    )
    encode_triplets = median_time(
        lambda: [model.encode(side, show_progress_bar=False) for side in triplets.columns()],
        repeat=3,
    )

    print_rows(
        "Tokens & pooling",
        [
            Row(
                "token vectors of 500 sentences (encoder.token_embeddings)",
                ours,
                reference,
                'model.encode(output_value="token_embeddings")',
                goal=1.1,
            ),
            Row(
                "pool() cls+mean+max+mean_sqrt_len on 500 padded sentences",
                pool_ours,
                pool_theirs,
                "sentence-transformers Pooling, same four modes",
                goal=1.5,
            ),
            Row(
                f"train attention head, 100 steps on {len(triplets)} triplets",
                train,
                encode_triplets,
                "encoding those triplets once with model.encode",
                goal=None,
            ),
        ],
    )
