"""AppTest helpers: run the real app scripts in-process with the real model."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

TIMEOUT = 180  # the first run loads the model and may JIT-compile UMAP


def open_page(page: str | None = None) -> AppTest:
    """Run the home page, then switch to `page` (e.g. "pages/1_Explore.py") when given."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert not app.exception, app.exception
    if page:
        app.switch_page(page).run()
    return app


def _decode(value):
    """Plotly sends numpy arrays as typed arrays ({"dtype", "bdata", "shape"}): back to lists."""
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
            if "shape" in value:
                shape = value["shape"]
                array = array.reshape(
                    [int(d) for d in str(shape).split(",")] if isinstance(shape, str) else shape
                )
            return array.tolist()
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def chart_specs(app: AppTest) -> list[dict]:
    """The Plotly figures on the page, as dicts with plain lists for arrays."""
    return [_decode(json.loads(chart.proto.spec)) for chart in app.get("plotly_chart")]


def texts_of(elements) -> str:
    return "\n".join(str(element.value) for element in elements)


@pytest.fixture
def explore() -> AppTest:
    return open_page("pages/1_Explore.py")
