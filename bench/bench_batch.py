"""Batch embedder: rows/s of the resumable command against bare model.encode on the same rows,
measured alternately in one process (the machine is shared: alternating evens out the load)."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, Row, print_rows

ROWS = 1_000
REPEAT = 5


def corpus_lines() -> list[str]:
    from components.data.samples import DEFAULT_PRESET, load_preset

    base = load_preset(DEFAULT_PRESET).texts
    return [f"{base[i % len(base)]} (case {i})" for i in range(ROWS)]


def run() -> None:
    from components.data.batch_embed import Job, run_local
    from components.models.encoder import load_model

    model = load_model()
    texts = corpus_lines()
    folder = Path(tempfile.mkdtemp(prefix="bench_batch_"))
    source = folder / "corpus.txt"
    source.write_text("\n".join(texts) + "\n")
    ours, bare = [], []
    try:
        model.encode(texts[:64], normalize_embeddings=True)  # warm-up
        for attempt in range(REPEAT):
            output = folder / f"out{attempt}.parquet"
            start = time.perf_counter()
            run_local(Job(source, output), model=model, progress=False)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            model.encode(texts, normalize_embeddings=True, show_progress_bar=False)
            bare.append(time.perf_counter() - start)
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "components.data.batch_embed",
                str(source),
                str(folder / "cli.parquet"),
                "--no-progress",
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        command = time.perf_counter() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ours_s, bare_s = statistics.median(ours), statistics.median(bare)
    print_rows(
        "Batch embedder",
        [
            Row(
                f"batch_embed run_local, {ROWS:,} rows ({ROWS / ours_s:,.0f} rows/s)",
                ours_s,
                bare_s,
                f"bare model.encode ({ROWS / bare_s:,.0f} rows/s)",
                goal=1.15,
            ),
            Row(
                f"python -m components.data.batch_embed, {ROWS:,} rows (incl. imports)",
                command,
                bare_s,
                "bare model.encode, warm",
            ),
        ],
    )
