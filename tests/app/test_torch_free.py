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
