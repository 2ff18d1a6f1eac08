"""A visitor who opens every page with its defaults never makes the server import torch.

Run in a fresh process (this test process imports torch for its reference numbers).
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

PROGRAM = """
import json, sys
from streamlit.testing.v1 import AppTest
pages = [None] + sorted(f"pages/{path.name}" for path in __import__("pathlib").Path("pages").glob("*.py"))
errors = []
for page in pages:
    app = AppTest.from_file("app.py", default_timeout=600).run()
    if page:
        app.switch_page(page).run()
    errors += [str(e.value)[:200] for e in app.exception]
heavy = [name for name in ("torch", "transformers", "sentence_transformers") if name in sys.modules]
print(json.dumps({"heavy": heavy, "errors": errors, "onnxruntime": "onnxruntime" in sys.modules}))
"""


def test_every_page_with_defaults_runs_without_torch():
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=ROOT, capture_output=True, text=True, timeout=1200
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["errors"] == []
    assert report["onnxruntime"]  # the pages did encode: with onnxruntime
    assert report["heavy"] == [], f"imported on the default path: {report['heavy']}"


FIRST_EXPLORE = """
import json, sys
from streamlit.testing.v1 import AppTest
app = AppTest.from_file("app.py", default_timeout=600)
app.switch_page("pages/1_Explore.py").run()
errors = [str(e.value)[:200] for e in app.exception]
heavy = [name for name in COLD_START_FREE if name in sys.modules]
print(json.dumps({"heavy": heavy, "errors": errors, "maps": len(app.get("plotly_chart"))}))
"""
# What a cold server's first Explore (the default preset, its map and heatmap read from disk)
# does without: each costs 0.2-1 s of import before the page is drawn (docs/benchmarks.md).
COLD_START_FREE = (
    "torch",
    "umap",
    "numba",
    "sklearn",
    "scipy.stats",
    "scipy.cluster",
    "sqlalchemy",
)


def test_a_cold_servers_first_explore_imports_none_of_the_slow_libraries():
    program = f"COLD_START_FREE = {COLD_START_FREE!r}\n" + FIRST_EXPLORE
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["errors"] == [] and report["maps"] >= 2
    assert report["heavy"] == [], f"imported by the first Explore: {report['heavy']}"
