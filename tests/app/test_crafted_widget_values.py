"""Issue 19: a modified client can send any value for a select box. A preset value that is not
one of the options is ignored (the page keeps working), on every page with a preset picker."""

from __future__ import annotations

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState

from tests.app.conftest import open_page, texts_of

CRAFTED = "[x](https://evil.example) not a preset"


def send_crafted(box) -> None:
    """Make `box` send `CRAFTED` on the next run, as a modified client would (AppTest's own
    `set_value` can only send an option)."""

    class Crafted(type(box)):
        @property
        def _widget_state(self) -> WidgetState:
            state = WidgetState()
            state.id = self.id
            state.string_value = CRAFTED
            return state

    box.__class__ = Crafted


PICKERS = [
    ("pages/1_Explore.py", "explore_preset"),
    ("pages/2_Tokens_and_Pooling.py", "pooling_example"),
    ("pages/3_Loss_Lab.py", "loss_preset"),
]


@pytest.mark.parametrize(("page", "key"), PICKERS)
def test_a_preset_that_is_not_an_option_is_ignored(page, key):
    app = open_page(page)
    options = app.selectbox(key=key).options
    send_crafted(app.selectbox(key=key))
    app.run()
    assert not app.exception, app.exception
    assert not app.error, texts_of(app.error)
    app.run()  # and the run after it, when the kept copy is put back
    assert not app.exception, app.exception
    assert str(app.selectbox(key=key).value) in options
    assert "evil.example" not in texts_of(app.error)
