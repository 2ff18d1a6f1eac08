"""Where the time of "paste 10,000 sentences into Explore -> drawn map" goes, stage by stage, in
one process, with the same functions the page's services call (no Streamlit runtime).

    python -m bench.profile_explore [N] [--profile]

Stages: parse (the text box's `parse_lines`), token counts, encoding (the ONNX encoder, slices of
128 sorted by length as `scale.prepare` does), the neighbour search, heatmap blocks, the UMAP
projection, the honesty figures (on `HONESTY_SAMPLE` points), the scatter figure and its JSON.
`--profile` adds a cProfile of the whole run (top 25 by cumulative time).
"""

from __future__ import annotations

import os
import sys
import time

from bench.common import ROOT  # noqa: F401 - puts the project on sys.path


def stages(n: int, texts: list[str] | None = None) -> dict[str, float]:
    """Seconds (and CPU seconds, "<stage> cpu") per stage of the Explore path for `texts`, or n
    generated sentences (new ones each call)."""
    import numpy as np

    from components.charts import scatter
    from components.core.texts import parse_lines
    from components.data.large_corpus import generate_corpus
    from components.explore.scale import prepare
    from components.models.onnx_encoder import load_onnx_encoder
    from components.runtime.native_threads import heavy_threads, threads_in_effect
    from components.services.maps import HONESTY_SAMPLE
    from components.vectors.projection import honesty, project

    encoder = load_onnx_encoder()
    texts = texts or generate_corpus(n, seed=int(time.time()) % 1000).texts
    pasted = "\n".join(texts)
    seconds: dict[str, float] = {}

    def timed(name: str, function):
        started, cpu = time.perf_counter(), time.process_time()
        with heavy_threads():
            result = function()
        seconds[name] = time.perf_counter() - started
        seconds[f"{name} cpu"] = time.process_time() - cpu
        return result

    parsed = timed("parse", lambda: parse_lines(pasted))
    texts = parsed.texts
    prepared = timed(
        "tokens+encode+index+blocks",
        lambda: prepare(texts, encoder.embed, encoder.count_tokens, lambda *_: None),
    )
    for stage, value in prepared.seconds.items():
        seconds[f"  {stage}"] = value
    coords = timed("umap", lambda: project(prepared.vectors, "umap", 2).coords)
    rows = np.arange(len(texts))
    if len(texts) > HONESTY_SAMPLE:
        rows = np.sort(np.random.default_rng(0).choice(len(texts), HONESTY_SAMPLE, replace=False))
    timed(
        "honesty",
        lambda: honesty(prepared.vectors[rows], coords[rows], 10, threads=threads_in_effect()),
    )
    figure = timed("figure", lambda: scatter.projection_scatter(coords, texts, [""] * len(texts)))
    timed("serialise", lambda: figure.to_json())
    return seconds


def main(argv: list[str]) -> None:
    n = int(next((arg for arg in argv if arg.isdigit()), 10_000))
    stages(2_100)  # warm-up: imports, the ONNX session, numba's JIT of the large-map path
    if "--profile" in argv:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        seconds = stages(n)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    else:
        seconds = stages(n)
    load = os.getloadavg()[0]
    total = sum(
        value for name, value in seconds.items() if not name.startswith(" ") and "cpu" not in name
    )
    for name, value in seconds.items():
        if "cpu" not in name:
            cpu = seconds.get(f"{name} cpu")
            share = f"  cpu {cpu:6.2f} s ({cpu / value:.2f} cores)" if cpu and value else ""
            print(f"{name:30} {value:8.2f} s{share}")
    print(f"{'total':30} {total:8.2f} s   (load average {load:.1f}, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main(sys.argv[1:])
