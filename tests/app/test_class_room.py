"""The Class room page in AppTest: a teacher opens a room, a student joins through `?room=`, sends a
guess and sentences (hostile ones too); the teacher's live view shows them, and the reveal shows
the model's cosine. Two AppTests are two browser sessions on one database."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from components.core import limits
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


def every_text(app: AppTest) -> str:
    """What the page shows as text, tables included (names, sentences, codes)."""
    parts = [markdown_texts(app)]
    parts += [str(element.value) for element in app.text]
    parts += [str(element.value) for element in app.get("code")]
    parts += [element.value.to_csv() for element in app.dataframe]
    return "\n".join(parts)


def join_on_room_page(app: AppTest, name: str) -> None:
    app.text_input(key="room_main_join_name").input(name)
    app.button(key="FormSubmitter:room_main_join-Join the room").click().run()
    assert not app.exception, app.exception


def test_every_room_limit_is_shown_to_teachers_and_students(database):
    visitor = open_room_page()
    shown = markdown_texts(visitor)
    room_limits = [name for name in limits.LIMITS if name.startswith("ROOM")]
    assert len(room_limits) == 9
    for name in room_limits:
        assert limits.LIMITS[name].text in shown, name
    visitor.button(key="room_open").click().run()
    teacher_shown = markdown_texts(visitor)
    for name in room_limits:
        assert limits.LIMITS[name].text in teacher_shown, name
    code = visitor.session_state["room_teacher"]["code"]
    student = open_room_page({"room": code})
    join_help = student.text_input(key="room_main_join_name").help
    for name in room_limits:
        assert limits.LIMITS[name].text in join_help, name


def test_teacher_controls_clear_remove_close_and_the_map_is_computed_once(database):
    teacher = open_room_page()
    teacher.button(key="room_open").click().run()
    code = teacher.session_state["room_teacher"]["code"]
    token = teacher.session_state["room_teacher"]["token"]
    store = RoomStore(database)
    shared = store.start_activity(code, token, "map", {"question": "Your weekend?"})
    ids = {name: store.join(code, name) for name in ("Ana", "Ben", "Cy")}
    for name, student_id in ids.items():
        store.add_sentences(code, student_id, [f"{name} went hiking.", f"{name} read a book."])
    teacher.run()
    assert not teacher.exception, teacher.exception
    assert teacher.session_state["_room_map_computed"] == 1
    scatter = json.dumps(json.loads(teacher.get("plotly_chart")[0].proto.spec)["data"])
    assert "Ana went hiking." in scatter
    for _ in range(2):  # the 3-s refresh with nothing new: no new vectors, PCA or figure
        teacher.run()
    assert teacher.session_state["_room_map_computed"] == 1
    store.add_sentences(code, ids["Cy"], ["Cy baked bread."])
    teacher.run()
    assert teacher.session_state["_room_map_computed"] == 2  # a new sentence redraws the map
    assert "Cy baked bread." in json.dumps(json.loads(teacher.get("plotly_chart")[0].proto.spec))

    # Every control is on the page, under "Manage the room".
    labels = {button.label for button in teacher.button}
    for label in (
        "Remove this name (and all they sent)",
        "Clear this student's answer",
        "Clear all answers to this activity",
        "Close the room (deletes every answer)",
    ):
        assert label in labels, labels
    assert any(expander.label.startswith("Manage the room") for expander in teacher.expander)

    teacher.selectbox(key="room_manage_student").set_value(ids["Ana"]).run()
    teacher.button(key="room_clear_one").click().run()
    assert not teacher.exception, teacher.exception
    assert any("answer was cleared" in s.value for s in teacher.success)
    assert "Ana" not in {s.name for s in store.sentences(code)}
    assert teacher.session_state["_room_map_computed"] == 3

    teacher.selectbox(key="room_manage_student").set_value(ids["Ben"]).run()
    teacher.button(key="room_remove").click().run()
    assert not teacher.exception, teacher.exception
    assert [s.name for s in store.students(code)] == ["Ana", "Cy"]
    names = next(d.value for d in teacher.dataframe if "answered" in d.value.columns)
    assert list(names["name"]) == ["Ana", "Cy"]

    teacher.button(key="room_clear").click().run()
    assert not teacher.exception, teacher.exception
    assert [s for s in store.sentences(code) if s.activity_id == shared] == []
    assert any("No sentences yet" in c.value for c in teacher.caption)

    pair = store.start_activity(code, token, "cosine", {"a": "x", "b": "y"})
    store.add_prediction(code, pair, ids["Ana"], 0.2)
    store.add_prediction(code, pair, ids["Cy"], 0.9)
    teacher.run()
    teacher.selectbox(key="room_manage_student").set_value(ids["Cy"]).run()
    teacher.button(key="room_clear_one").click().run()
    assert [p.student_id for p in store.predictions(code, pair)] == [ids["Ana"]]

    teacher.button(key="room_close").click().run()
    assert not teacher.exception, teacher.exception
    assert "room_teacher" not in teacher.session_state
    assert store.room(code).closed
    assert teacher.button(key="room_open")  # back to the landing view


def test_a_reloaded_student_is_back_in_their_seat_only_with_their_own_link(database):
    code, token = RoomStore(database).open_room()
    sam = open_room_page({"room": code})
    join_on_room_page(sam, "Sam")
    seat = sam.session_state["room_student"]["seat"]
    assert sam.query_params == {"room": code, "seat": seat}  # the address bar, for a reload
    assert any(f"seat={seat}" in c.value for c in sam.get("code"))  # their own link, in an expander
    first_id = sam.session_state["room_student"]["id"]
    RoomStore(database).add_sentences(code, first_id, ["Sam's sentence stays."])

    teacher_view = RoomStore(database)
    assert seat not in json.dumps([s.__dict__ for s in teacher_view.students(code)])

    reloaded = open_room_page({"room": code, "seat": seat})  # a new session: the reload
    assert reloaded.session_state["room_student"]["id"] == first_id
    assert any(f"In room {code} as Sam" in t.value for t in reloaded.text)
    assert not reloaded.text_input  # no join form: the seat came back without typing
    assert [s.text for s in RoomStore(database).sentences(code)] == ["Sam's sentence stays."]

    someone = open_room_page({"room": code})  # the name alone does not give the seat
    join_on_room_page(someone, "sam")
    assert "room_student" not in someone.session_state
    assert any("already taken" in e.value for e in someone.error)

    forged = open_room_page({"room": code, "seat": seat[:-2] + "xx"})
    assert "room_student" not in forged.session_state
    assert any("rejoin link no longer works" in e.value for e in forged.error)
    assert "seat" not in forged.query_params
    assert forged.text_input(key="room_main_join_name")  # the join form instead

    reloaded.button(key="room_main_leave").click().run()
    assert "room_student" not in reloaded.session_state and "seat" not in reloaded.query_params
    after_leaving = open_room_page({"room": code, "seat": seat})
    assert "room_student" not in after_leaving.session_state
    assert any("rejoin link no longer works" in e.value for e in after_leaving.error)


def test_a_student_sends_sentences_from_explore_to_the_room(database):
    store = RoomStore(database)
    code, token = store.open_room()
    store.start_activity(code, token, "map", {"question": "Anything"})
    student = open_room_page({"room": code})
    join_on_room_page(student, "Eve")
    student.switch_page("pages/1_Explore.py").run()
    assert not student.exception, student.exception
    assert any(e.label == f"🏫 Send sentences to room {code}" for e in student.expander)
    pick = student.multiselect(key="explore_room_pick")
    assert pick.max_selections == limits.ROOM_SENTENCES
    chosen = pick.options[:2]
    pick.set_value(chosen).run()
    student.button(key="explore_room_send").click().run()
    assert not student.exception, student.exception
    assert any("Sent ✓ 2 sentences to the room" in s.value for s in student.success)
    sent = store.sentences(code)
    assert [s.text for s in sent] == chosen and {s.name for s in sent} == {"Eve"}
    # The room's limit holds on this path too: 5 per student in all.
    more = [option for option in pick.options if option not in chosen][:4]
    student.multiselect(key="explore_room_pick").set_value(more).run()
    student.button(key="explore_room_send").click().run()
    assert any("at most 5 sentences" in e.value for e in student.error), [
        e.value for e in student.error
    ]
    assert len(store.sentences(code)) == 2
