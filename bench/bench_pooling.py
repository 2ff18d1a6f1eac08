"""Tokens & pooling lab: token-vector extraction and pool() against sentence-transformers."""

from __future__ import annotations

from bench.common import Row, median_time, print_rows


def five_hundred_sentences() -> list[str]:
    from components.samples import DEFAULT_PRESET, load_preset

    base = load_preset(DEFAULT_PRESET).texts
    return [f"{base[i % len(base)]} (case {i})" for i in range(500)]


def run() -> None:
    from sentence_transformers.sentence_transformer.modules import Pooling

    from components.encoder import load_model
    from components.pooling import (
        SENTENCE_TRANSFORMERS_MODE,
        AttentionPoolingHead,
        pool,
        train_attention_head,
    )
    from components.quality import load_triplets
    from components.tokens import batched_token_embeddings

    model = load_model()
    texts = five_hundred_sentences()
    ours = median_time(lambda: batched_token_embeddings(model, texts), repeat=3)
    reference = median_time(
        lambda: model.encode(texts, output_value="token_embeddings", show_progress_bar=False),
        repeat=3,
    )

    tokens, mask = batched_token_embeddings(model, texts)  # (500, tokens, 384)
    modules = {mode: Pooling(384, name) for mode, name in SENTENCE_TRANSFORMERS_MODE.items()}

    def ours_pool() -> None:
        for mode in modules:
            pool(tokens, mask, mode)

    def their_pool() -> None:
        for module in modules.values():
            module({"token_embeddings": tokens, "attention_mask": mask})

    pool_ours = median_time(ours_pool, repeat=7)
    pool_theirs = median_time(their_pool, repeat=7)

    triplets = load_triplets()
    parts = [
        batched_token_embeddings(model, side)
        for side in (triplets.anchor, triplets.positive, triplets.negative)
    ]
    train = median_time(
        lambda: train_attention_head(AttentionPoolingHead(384), *parts, steps=100), repeat=3
    )
    encode_triplets = median_time(
        lambda: [model.encode(side, show_progress_bar=False) for side in
                 (triplets.anchor, triplets.positive, triplets.negative)],
        repeat=3,
    )  # fmt: skip

    print_rows(
        "Tokens & pooling",
        [
            Row("token vectors of 500 sentences (batched_token_embeddings)", ours, reference,
                'model.encode(output_value="token_embeddings")', goal=1.1),
            Row("pool() cls+mean+max+mean_sqrt_len on 500 padded sentences", pool_ours,
                pool_theirs, "sentence-transformers Pooling, same four modes", goal=1.5),
            Row(f"train attention head, 100 steps on {len(triplets)} triplets", train,
                encode_triplets, "encoding those triplets once with model.encode", goal=None),
        ],
    )  # fmt: skip
