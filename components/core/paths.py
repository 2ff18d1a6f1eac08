"""Where the project's folders are, for modules that read shipped files."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # the folder with app.py
SAMPLE_DIR = PROJECT_ROOT / "sample_data"
