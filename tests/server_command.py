"""The one command line that starts the app for the browser tests, the load tests and the benches."""

from __future__ import annotations

import sys
from pathlib import Path


def streamlit_command(root: Path, port: int) -> list[str]:
    """`streamlit run app.py` on 127.0.0.1:`port`, headless, without usage statistics."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(root / "app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
