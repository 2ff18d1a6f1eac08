"""The Class room page in AppTest: a teacher opens a room, a student joins through `?room=`, sends a
guess and sentences (hostile ones too); the teacher's live view shows them, and the reveal shows
the model's cosine. Two AppTests are two browser sessions on one database."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from components.rooms import RoomStore
from tests.conftest import ROOT

TIMEOUT = 180
PAGE = "pages/7_Class_Room.py"
HOSTILE_NAME = "<b>Sam</b> [x](javascript:1)"
HOSTILE_TEXT = "[click](https://evil.example) <img src=x onerror=alert(1)> **bold**"


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'rooms.db'}"
    monkeypatch.setenv("LAB_DATABASE_URL", url)
    return url


def open_room_page(params: dict[str, str] | None = None) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for key, value in (params or {}).items():
        app.query_params[key] = value
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def markdown_texts(app: AppTest) -> str:
    parts = [element.value for element in app.markdown]
    for kind in ("caption", "info", "success", "error", "warning", "subheader", "title"):
        parts += [str(element.value) for element in getattr(app, kind)]
    return "\n".join(parts)


def test_teacher_opens_student_joins_sends_and_teacher_sees_it(database):
    teacher = open_room_page()
    teacher.button(key="room_open").click().run()
    assert not teacher.exception, teacher.exception
    code = teacher.session_state["room_teacher"]["code"]
    token = teacher.session_state["room_teacher"]["token"]
    link = teacher.get("code")[0].value
    assert f"?room={code}" in link and token not in link
    teacher.button(key="FormSubmitter:room_start-Start this activity").click().run()
    assert not teacher.exception, teacher.exception

    student = open_room_page({"room": code})
    assert student.text_input(key="room_main_join_code").value == code
    student.text_input(key="room_main_join_name").input(HOSTILE_NAME)
    student.button(key="FormSubmitter:room_main_join-Join the room").click().run()
    assert not student.exception, student.exception
    assert student.session_state["room_student"]["name"] == HOSTILE_NAME
    assert "room_teacher" not in student.session_state
    activity = RoomStore(database).current_activity(code)
    student.slider(key=f"room_main_{activity.id}_guess").set_value(0.7).run()
    student.button(key=f"room_main_{activity.id}_send_{activity.id}").click().run()
    assert not student.exception, student.exception
    assert any("your guess: +0.70" in s.value for s in student.success)
    assert any(f"In room {code} as {HOSTILE_NAME}" in t.value for t in student.text)

    teacher.run()
    assert not teacher.exception, teacher.exception
    names = next(d.value for d in teacher.dataframe if "answered" in d.value.columns)
    assert list(names["name"]) == [HOSTILE_NAME]
    histogram = json.loads(teacher.get("plotly_chart")[0].proto.spec)
    assert histogram["data"][0]["type"] == "histogram"
    teacher.button(key=f"room_reveal_{activity.id}").click().run()
    assert not teacher.exception, teacher.exception
    revealed = RoomStore(database).current_activity(code)
    assert revealed.revealed and -1 <= revealed.answer <= 1
    assert any("Model's cosine" in m.label for m in teacher.metric)
    assert any("The class guessed 0.70 on average" in i.value for i in teacher.info)

    # The shared map: the student sends a hostile sentence; it is drawn and listed as text only.
    teacher.radio(key="room_kind").set_value("map").run()
    teacher.button(key="FormSubmitter:room_start-Start this activity").click().run()
    shared = RoomStore(database).current_activity(code)
    student.run()
    student.text_area(key=f"room_main_{shared.id}_sentences").input(
        f"{HOSTILE_TEXT}\nI went hiking on Sunday."
    ).run()
    student.button(key=f"room_main_{shared.id}_send_{shared.id}").click().run()
    assert not student.exception, student.exception
    assert any("Sent ✓ 2 sentences" in s.value for s in student.success)
    teacher.run()
    assert not teacher.exception, teacher.exception
    scatter = json.loads(teacher.get("plotly_chart")[0].proto.spec)
    hover = json.dumps(scatter["data"])
    assert "&lt;img src=x onerror=alert(1)&gt;" in hover and "<img" not in hover
    shown = markdown_texts(teacher) + markdown_texts(student)
    assert "evil.example" not in shown and "<b>Sam</b>" not in shown


def test_wrong_code_and_sidebar_join_on_another_page(database):
    student = open_room_page({"room": "ACDEFH"})
    student.text_input(key="room_main_join_name").input("Ana")
    student.button(key="FormSubmitter:room_main_join-Join the room").click().run()
    assert not student.exception
    assert any("There is no room ACDEFH" in e.value for e in student.error)
    code, _ = RoomStore(database).open_room()
    glossary = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    glossary.query_params["room"] = code
    glossary.run()
    glossary.switch_page("pages/6_Glossary.py").run()
    assert not glossary.exception, glossary.exception
    assert glossary.text_input(key="room_sidebar_join_code").value == code
