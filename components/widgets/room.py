"""Class rooms in the UI: what the student's and the teacher's views share (the session keys,
the link parameters, the refresh periods, the join link, the limits line, who this session is in
a room). The views themselves: `room_student` (the join view in the sidebar of every page and on
the room page, sending from Explore) and `room_teacher` (opening a room, activities, the live view).

Student text (names, sentences) is only ever shown as text: `st.text`, dataframes, widget
options, or Plotly through the escaping chart functions; never through Markdown or HTML. The
teacher's token lives in this session's state only (never in the link).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from components.core import limits

PAGE = "pages/7_Class_Room.py"
PAGE_URL = "Class_Room"  # the page's address in the app (for the join link)
ROOM_PARAM = "room"
SEAT_PARAM = "seat"  # a joined student's rejoin secret, in their own link only
TEACHER_KEY = "room_teacher"  # session_state: {"code", "token"} of the room this session opened
STUDENT_KEY = "room_student"  # session_state: {"code", "id", "name", "seat"} of the room joined
REJOIN_ERROR_KEY = "_room_rejoin_error"  # why a `?seat=` link did not give the seat back
ATTEMPTS_KEY = "_room_join_attempts"
ON_ROOM_PAGE_KEY = "_room_page_run"  # set by the room page before its setup, read by the sidebar
SENT_KEY = "_room_sent"  # the last confirmation to show the student
TEACHER_REFRESH_SECONDS = 3  # the teacher's live view re-reads the room this often
STUDENT_REFRESH_SECONDS = 5  # a student's view looks for a new activity this often
LESSON_ON_MAP = 60  # lesson sentences drawn with the class's on the shared map
MAP_CACHE_KEY = "_room_map_drawing"  # session_state: (key, MapDrawing) of the last map drawn
MAP_COMPUTED_KEY = "_room_map_computed"  # session_state: how many times the map was computed


ROOM_LIMITS = tuple(name for name in limits.LIMITS if name.startswith("ROOM"))


def limits_caption() -> str:
    """Every class-room limit in one line (each as `limits.LIMITS[name].text`)."""
    return "Limits: " + "; ".join(limits.LIMITS[name].text for name in ROOM_LIMITS) + "."


def join_link(code: str, seat: str = "") -> str:
    """The link students open: this app's address, the room page, `?room=CODE` (no token).
    With `seat`, a student's own rejoin link (`&seat=SECRET`), shown to that student only."""
    url = str(getattr(st.context, "url", "") or "http://localhost:8501/")
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].split("?", 1)[0] if rest else "localhost:8501"
    link = f"{scheme or 'http'}://{host}/{PAGE_URL}?{ROOM_PARAM}={code}"
    return f"{link}&{SEAT_PARAM}={seat}" if seat else link


def student() -> dict[str, Any] | None:
    return st.session_state.get(STUDENT_KEY)


def teacher() -> dict[str, str] | None:
    return st.session_state.get(TEACHER_KEY)
