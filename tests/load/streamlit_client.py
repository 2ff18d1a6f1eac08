"""A minimal Streamlit client over the app's own websocket protocol, for load tests.

It does what a browser tab does, without a browser: connect to `/_stcore/stream`, ask for a page
(`BackMsg.rerun_script`), read the `ForwardMsg`s until `script_finished`, and remember the
widgets the page drew (their ids) so the next run can send values for them by key. Twenty of
these run in one asyncio loop for a few megabytes, where twenty Chromium tabs need gigabytes.

    async with StreamlitSession(port) as session:
        await session.run("Explore")
        await session.run("Explore", {"explore_text": "one\\ntwo"})
        session.texts(), session.charts(), session.exceptions
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from tornado.websocket import WebSocketClientConnection, websocket_connect

_TEXT_ELEMENTS = ("markdown", "alert", "text", "heading", "caption", "code", "metric")


@dataclass
class RunResult:
    """What one script run sent to the tab."""

    seconds: float
    elements: list[tuple[str, Any]] = field(default_factory=list)  # (type, proto)
    exceptions: list[str] = field(default_factory=list)
    largest_message: int = 0  # bytes
    finished: str = ""

    def texts(self) -> list[str]:
        out = []
        for kind, element in self.elements:
            if kind in _TEXT_ELEMENTS:
                out.append(getattr(element, "body", "") or str(element))
        return out

    def charts(self) -> list[dict]:
        return [json.loads(e.spec) for kind, e in self.elements if kind == "plotly_chart"]


class StreamlitSession:
    """One browser-less session of a running Streamlit server (see the module docstring)."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 180.0) -> None:
        self.url = f"ws://{host}:{port}/_stcore/stream"
        self.timeout = timeout
        self.connection: WebSocketClientConnection | None = None
        self.widget_ids: dict[str, str] = {}  # user key -> widget id
        self.page_hashes: dict[str, str] = {}  # page name -> script hash
        self.last: RunResult | None = None
        self.largest_message = 0  # bytes, over every run of this session

    async def __aenter__(self) -> StreamlitSession:
        self.connection = await websocket_connect(self.url, subprotocols=["streamlit"])
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.connection is not None:
            self.connection.close()

    async def run(
        self,
        page: str,
        values: dict[str, Any] | None = None,
        triggers: tuple[str, ...] = (),
    ) -> RunResult:
        """Run `page` with widget values by user key (strings, numbers, bools, a list of floats
        for a slider) and buttons.

        A key must have been drawn by an earlier run (its widget id comes from there).
        """
        message = BackMsg()
        state = message.rerun_script
        state.query_string = ""
        state.page_name = page
        for key, value in (values or {}).items():
            widget = state.widget_states.widgets.add()
            widget.id = self.widget_ids[key]
            if isinstance(value, bool):
                widget.bool_value = value
            elif isinstance(value, int):
                widget.int_value = value
            elif isinstance(value, float):
                widget.double_value = value
            elif isinstance(value, list):  # a slider's value (`double_array_value`)
                widget.double_array_value.data.extend(float(number) for number in value)
            else:
                widget.string_value = str(value)
        for key in triggers:
            widget = state.widget_states.widgets.add()
            widget.id = self.widget_ids[key]
            widget.trigger_value = True
        assert self.connection is not None
        await self.connection.write_message(message.SerializeToString(), binary=True)
        return await self._read_run()

    async def _read_run(self) -> RunResult:
        started = time.perf_counter()
        result = RunResult(0.0)
        assert self.connection is not None
        while True:
            data = await asyncio.wait_for(self.connection.read_message(), self.timeout)
            if data is None:
                raise ConnectionError("the server closed the connection")
            result.largest_message = max(result.largest_message, len(data))
            self.largest_message = max(self.largest_message, len(data))
            forward = ForwardMsg()
            forward.ParseFromString(data)
            kind = forward.WhichOneof("type")
            if kind == "new_session":
                for page in forward.new_session.app_pages:
                    self.page_hashes[page.page_name] = page.page_script_hash
            elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                element = forward.delta.new_element
                element_kind = element.WhichOneof("type")
                proto = getattr(element, element_kind)
                widget_id = getattr(proto, "id", "")
                if widget_id and "-" in widget_id:
                    user_key = widget_id.split("-", 2)[-1]
                    if user_key and not user_key.startswith("None"):
                        self.widget_ids[user_key] = widget_id
                if element_kind == "exception":
                    result.exceptions.append(f"{proto.type}: {proto.message}")
                result.elements.append((element_kind, proto))
            elif kind == "script_finished":
                result.finished = ForwardMsg.ScriptFinishedStatus.Name(forward.script_finished)
                result.seconds = time.perf_counter() - started
                self.last = result
                return result
