"""Encoder backends on 2,000 sentences: ONNX int8 and ONNX fp32 against torch (sentence-
transformers), timed alternately in one run, with the int8 vectors' cosine to the torch ones."""

from __future__ import annotations

import time

import numpy as np

from bench.common import Row, print_rows

THREADS = 1  # the same for every backend: on a loaded machine, 2 spinning torch threads thrash


def run() -> None:
    import torch

    from bench.bench_explore import two_thousand_sentences
    from components.models.encoder import embed, load_model
    from components.models.onnx_encoder import OnnxEncoder
    from components.models.onnx_files import packaged_model_path
    from components.models.onnx_int8 import Int8Encoder

    texts = two_thousand_sentences()
    torch.set_num_threads(THREADS)
    model = load_model()
    fp32 = OnnxEncoder(packaged_model_path(), threads=THREADS)
    int8 = Int8Encoder(packaged_model_path(), threads=THREADS)
    started = time.perf_counter()
    fp32.prepare()
    int8.prepare()
    prepare_s = time.perf_counter() - started
    runs: dict[str, list[float]] = {"torch": [], "fp32": [], "int8": []}
    encoders = {
        "torch": lambda: embed(model, texts),
        "fp32": lambda: fp32.embed(texts),
        "int8": lambda: int8.embed(texts),
    }
    vectors = {name: encode() for name, encode in encoders.items()}  # warm-up, and the vectors
    for _ in range(3):  # interleaved, so load from other processes hits every side alike
        for name, encode in encoders.items():
            started = time.perf_counter()
            encode()
            runs[name].append(time.perf_counter() - started)
    cosines = (vectors["int8"] * vectors["torch"]).sum(axis=1)
    fp32_error = np.abs(vectors["fp32"] - vectors["torch"]).max()
    torch_s = min(runs["torch"])
    print_rows(
        f"Encoder backends (2,000 sentences, batch 32, {THREADS} thread each)",
        [
            Row(
                f"ONNX int8: mean cosine to torch {cosines.mean():.4f} (min {cosines.min():.4f})",
                min(runs["int8"]),
                torch_s,
                "torch sentence-transformers encode",
                goal=0.5,
            ),
            Row(
                f"ONNX fp32: max |difference| to torch {fp32_error:.1e}",
                min(runs["fp32"]),
                torch_s,
                "torch sentence-transformers encode",
            ),
        ],
    )
    print(
        f"(int8 goal: >= 2x torch and mean cosine >= 0.99; first export + quantisation, or "
        f"opening both cached sessions, took {prepare_s:.1f} s)"
    )
