"""Shared fixtures: the real packaged model (no mocks), loaded once per test run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def model():
    from components.models.encoder import load_model

    return load_model()
