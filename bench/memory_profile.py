"""Where the memory of one process goes: resident set size (RSS) after each import and first use.

Each path runs in a fresh Python process that executes its steps in order and reports its RSS
(`VmRSS` in /proc/self/status) after each one, so a step's cost is the difference to the step
before. Run `python -m bench.memory_profile` (or `make bench`, which prints the same table).

Paths:
- `torch`: what the app's server loads today (streamlit, torch, sentence-transformers, the model,
  umap, faiss, pypdf, bm25s).
- `onnx`: the torch-free inference path (onnxruntime + tokenizers, `components.models.onnx_encoder`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass

from bench.common import ROOT

# One step = (label, code). The code runs with exec() in the child, in one shared namespace.
SETUP = """
import os, sys
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, {root!r})
"""
DEFAULT_TEXTS = (
    "from components.data.samples import DEFAULT_PRESET, load_preset\n"
    "texts = load_preset(DEFAULT_PRESET).texts"
)
UMAP_FIT = "from components.vectors.projection import project\nproject(vectors, 'umap', 2)"

PATHS: dict[str, list[tuple[str, str]]] = {
    "torch": [
        ("python + numpy", "import numpy"),
        ("import streamlit", "import streamlit"),
        (
            "import pandas, plotly, sklearn",
            "import pandas, plotly.graph_objects, sklearn.decomposition",
        ),
        ("import torch", "import torch"),
        ("import transformers", "import transformers; from transformers import AutoModel"),
        ("import sentence_transformers", "from sentence_transformers import SentenceTransformer"),
        (
            "load the packaged model",
            "from components.models.encoder import load_model; model = load_model()",
        ),
        (
            "encode 240 sentences",
            DEFAULT_TEXTS + "\nvectors = model.encode(texts, normalize_embeddings=True)",
        ),
        ("import umap", "import umap"),
        ("first UMAP fit (240 points)", UMAP_FIT),
        ("import faiss", "import faiss"),
        ("import pypdf", "import pypdf"),
        ("import bm25s", "import bm25s"),
    ],
    "onnx": [
        ("python + numpy", "import numpy"),
        ("import streamlit", "import streamlit"),
        (
            "import pandas, plotly, sklearn",
            "import pandas, plotly.graph_objects, sklearn.decomposition",
        ),
        ("import onnxruntime, tokenizers", "import onnxruntime, tokenizers"),
        (
            "load the packaged model (ONNX)",
            "from components.models.onnx_encoder import load_onnx_encoder; model = load_onnx_encoder()",
        ),
        ("encode 240 sentences", DEFAULT_TEXTS + "\nvectors = model.embed(texts)"),
        ("import umap", "import umap"),
        ("first UMAP fit (240 points)", UMAP_FIT),
        (
            "torch imported? (must be False)",
            "assert 'torch' not in sys.modules, 'torch was imported'",
        ),
    ],
}

CHILD = """
import json, time
def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
namespace = {}
exec(SETUP, namespace)
for label, code in STEPS:
    start = time.perf_counter()
    exec(code, namespace)
    print(json.dumps({"step": label, "rss_mb": rss_mb(), "s": time.perf_counter() - start}), flush=True)
"""


@dataclass(frozen=True)
class Step:
    label: str
    rss_mb: float  # RSS after the step
    seconds: float  # wall time of the step


def profile(path: str, env: dict[str, str] | None = None) -> list[Step]:
    """Run one path's steps in a fresh process; RSS after each step."""
    steps = PATHS[path]
    program = f"SETUP = {SETUP.format(root=str(ROOT))!r}\nSTEPS = {steps!r}\n{CHILD}"
    result = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=900,
    )
    if result.returncode != 0:
        raise RuntimeError(f"memory profile `{path}` failed:\n{result.stderr[-3000:]}")
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return [Step(row["step"], row["rss_mb"], row["s"]) for row in rows]


def print_profile(path: str, steps: list[Step]) -> None:
    print(f"\n## Memory of one process, path `{path}` (RSS after each step)")
    print(f"{'step':42} {'RSS MB':>8} {'+MB':>7} {'time s':>8}")
    previous = 0.0
    for step in steps:
        print(
            f"{step.label:42} {step.rss_mb:8.0f} {step.rss_mb - previous:+7.0f} {step.seconds:8.2f}"
        )
        previous = step.rss_mb


def run() -> None:
    started = time.perf_counter()
    for path in PATHS:
        print_profile(path, profile(path))
    print(f"(memory profile: {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    run()
