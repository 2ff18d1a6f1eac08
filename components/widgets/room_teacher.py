"""A class room for the teacher: opening and closing a room (its link and QR code), starting
activities, revealing the model's answers, the live view of each activity (the class's shared map
among them) and managing the names.

The teacher's token lives in this session's state only (never in the link); student text is only
ever shown as text (see `room`).
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from components.charts import common, room_charts, scatter
from components.core import limits
from components.core.texts import InputError
from components.rooms import COSINE, MAP, TRIPLET, Activity
from components.rooms.activities import (
    KIND_NAMES,
    cosine_lesson,
    cross_student_pairs,
    summarize_guesses,
    triplet_lesson,
)
from components.services.encoding import embed_texts
from components.services.models import ActiveModel
from components.services.rooms import cosines_to_first, room_store
from components.vectors.projection import project
from components.widgets.room import (
    LESSON_ON_MAP,
    MAP_CACHE_KEY,
    MAP_COMPUTED_KEY,
    TEACHER_KEY,
    TEACHER_REFRESH_SECONDS,
    join_link,
    limits_caption,
    teacher,
)
from components.widgets.state import shared_sentences


def qr_png(link: str) -> bytes:
    import segno

    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def _open_room() -> None:
    try:
        code, token = room_store().open_room()
    except InputError as error:
        st.session_state["room_open_error"] = str(error)
        return
    st.session_state[TEACHER_KEY] = {"code": code, "token": token}
    st.session_state["room_open_error"] = ""


def open_room_button() -> None:
    st.button("Open a class room", key="room_open", on_click=_open_room, type="primary")
    if st.session_state.get("room_open_error"):
        st.error(st.session_state["room_open_error"])


def room_header(code: str) -> None:
    """The code, the join link and its QR code, for the projector."""
    link = join_link(code)
    left, right = st.columns([3, 1])
    with left:
        st.markdown(f"## Room code: `{code}`")  # a code is letters of codes.ALPHABET only
        st.caption("Students open this link (or scan the code) and type a name:")
        st.code(link, language=None)
        st.caption(limits_caption())
    right.image(qr_png(link), caption="Scan to join", width=200)


def _close_room() -> None:
    room = teacher()
    if room:
        try:
            room_store().close(room["code"], room["token"])
        except InputError:
            pass
    st.session_state.pop(TEACHER_KEY, None)


def start_activity_form(presets: dict[str, list[tuple[str, ...]]]) -> None:
    """Start an activity: a cosine to predict, sentences for the shared map, a triplet vote."""
    room = teacher()
    if room is None:
        return
    kind = st.radio(
        "Activity",
        [COSINE, MAP, TRIPLET],
        format_func=KIND_NAMES.get,
        key="room_kind",
        horizontal=True,
    )
    with st.form("room_start"):
        if kind == COSINE:
            pairs = presets["pairs"]
            choice = st.selectbox(
                "A pair from the labs (or type your own below)",
                range(len(pairs)),
                format_func=lambda i: " ↔ ".join(
                    common.short_label(s, 50, webgl=True) for s in pairs[i]
                ),
                key="room_preset_pair",
            )
            a = st.text_input(
                "Or sentence A", key="room_pair_a", max_chars=limits.ROOM_SENTENCE_CHARS
            )
            b = st.text_input(
                "and sentence B", key="room_pair_b", max_chars=limits.ROOM_SENTENCE_CHARS
            )
            prompt = {"a": a, "b": b} if a.strip() and b.strip() else dict(zip("ab", pairs[choice]))
            label = ""
        elif kind == TRIPLET:
            triplets = presets["triplets"]
            choice = st.selectbox(
                "A triplet from the Loss lab (or type your own below)",
                range(len(triplets)),
                format_func=lambda i: common.short_label(triplets[i][0], 80, webgl=True),
                key="room_preset_triplet",
            )
            typed = [
                st.text_input(
                    label, key=f"room_triplet_{name}", max_chars=limits.ROOM_SENTENCE_CHARS
                )
                for name, label in (("anchor", "Or anchor"), ("first", "1st"), ("second", "2nd"))
            ]
            chosen = typed if all(t.strip() for t in typed) else triplets[choice]
            prompt = dict(zip(("anchor", "first", "second"), chosen))
            label = ""
        else:
            question = st.text_input(
                "What students write about",
                "Type a sentence about your weekend.",
                key="room_map_question",
                max_chars=limits.ROOM_SENTENCE_CHARS,
            )
            label = st.text_input(
                "Label for these sentences (colours the map; e.g. a topic)",
                key="room_map_label",
                max_chars=limits.ROOM_NAME_CHARS,
            )
            prompt = {"question": question}
        submitted = st.form_submit_button("Start this activity", type="primary")
    if submitted:
        try:
            room_store().start_activity(room["code"], room["token"], kind, prompt, label)
        except InputError as error:
            st.error(str(error))


def _reveal(active: ActiveModel, room: dict, activity: Activity) -> None:
    """Compute the model's answer and store it: a cosine, or 0/1 for the closer sentence."""
    prompt = activity.prompt
    if activity.kind == COSINE:
        answer = float(cosines_to_first(active, [prompt["a"], prompt["b"]])[0])
    else:
        cosines = cosines_to_first(active, [prompt["anchor"], prompt["first"], prompt["second"]])
        answer = 0.0 if cosines[0] >= cosines[1] else 1.0
    _teacher_action(room_store().reveal, room, activity.id, answer)


def _reveal_button(label: str, active: ActiveModel, room: dict, activity: Activity) -> None:
    """Reveal, computed in the fragment's run and not in a callback: encoding may draw a spinner,
    and an element drawn by a fragment's callback replaces the top of the page (its title)."""
    if st.button(label, key=f"room_reveal_{activity.id}", type="primary"):
        _reveal(active, room, activity)
        st.rerun()  # a full run: AppTest (and a click outside a fragment run) has no fragment scope


def _teacher_action(action, room: dict, *args: object, done: str = "") -> None:
    """Run a teacher's control; its confirmation (`done`, never a student's text) or its error
    shows in the live view."""
    try:
        action(room["code"], room["token"], *args)
    except InputError as error:
        st.session_state["room_action_error"] = str(error)
    else:
        st.session_state["room_action_done"] = done


def _names_table(people: list, answered: set[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": [person.name for person in people],
            "answered": ["✓" if person.id in answered else "" for person in people],
        }
    )


def _cosine_view(active: ActiveModel, room: dict, activity: Activity) -> set[int]:
    store = room_store()
    answers = store.predictions(room["code"], activity.id)
    values = [answer.value for answer in answers]
    st.text(f"A: {activity.prompt['a']}\nB: {activity.prompt['b']}")
    summary = summarize_guesses(values)
    st.plotly_chart(
        room_charts.guesses_histogram(values, activity.answer if activity.revealed else None),
        width="stretch",
        key="room_guesses",
    )
    figures = {"Guesses": f"{summary.count}"}
    if summary.count:
        figures["Class mean"] = f"{summary.mean:+.2f}"
        figures["Spread (sd)"] = f"{summary.spread:.2f}"
    if activity.revealed and activity.answer is not None:
        figures["Model's cosine"] = f"{activity.answer:+.3f}"
    for column, (label, value) in zip(st.columns(len(figures)), figures.items(), strict=True):
        column.metric(label, value)
    if activity.revealed and activity.answer is not None:
        st.info(cosine_lesson(summary.mean, activity.answer))
    else:
        _reveal_button("Reveal the model's cosine", active, room, activity)
    return {answer.student_id for answer in answers}


def _triplet_view(active: ActiveModel, room: dict, activity: Activity) -> set[int]:
    store = room_store()
    prompt = activity.prompt
    answers = store.predictions(room["code"], activity.id)
    votes = [answer.value for answer in answers]
    st.text(f"Anchor: {prompt['anchor']}\n1st: {prompt['first']}\n2nd: {prompt['second']}")
    pick = None
    if activity.revealed and activity.answer is not None:
        pick = int(activity.answer)
    st.plotly_chart(
        room_charts.vote_bars(votes, prompt["first"], prompt["second"], pick),
        width="stretch",
        key="room_votes",
    )
    if pick is not None:
        cosines = cosines_to_first(active, [prompt["anchor"], prompt["first"], prompt["second"]])
        st.info(triplet_lesson(votes, (float(cosines[0]), float(cosines[1]))))
    else:
        _reveal_button("Reveal the model's answer", active, room, activity)
    return {answer.student_id for answer in answers}


@dataclass(frozen=True)
class MapDrawing:
    """What the shared map's view draws, computed once per set of sentences (see `_map_drawing`)."""

    figure: Any  # the Plotly figure
    pairs: pd.DataFrame  # nearest neighbours across students (may be empty)
    class_count: int
    lesson_count: int


def _map_drawing(active: ActiveModel, sent: list, lesson: list[str], colour: str) -> MapDrawing:
    """The map's figure and cross-student pairs, kept in this session for the last key: the
    model, every sent sentence (id, text, author, label), the lesson's sentences and the colour.
    An unchanged refresh reuses them (a database read and no more); a new, cleared or removed
    sentence changes the key and recomputes the vectors, the PCA and the figure."""
    key = (
        active.key,
        tuple((s.id, s.text, s.student_id, s.name, s.label) for s in sent),
        tuple(lesson),
        colour,
    )
    cached = st.session_state.get(MAP_CACHE_KEY)
    if cached is not None and cached[0] == key:
        return cached[1]
    texts = [s.text for s in sent] + lesson
    vectors = embed_texts(active, texts)  # (n, dim), cached per slice
    coords = project(vectors, "pca", 2).coords
    groups = [
        (f"student: {s.name}" if colour == "student" else f"label: {s.label or '(none)'}")
        for s in sent
    ] + ["lesson sentences"] * len(lesson)
    pairs = cross_student_pairs(vectors[: len(sent)], [s.student_id for s in sent], limit=10)
    drawing = MapDrawing(
        scatter.projection_scatter(coords, texts, groups),
        pd.DataFrame(
            {
                "sentence": [sent[p.row].text for p in pairs],
                "by": [sent[p.row].name for p in pairs],
                "nearest sentence by another student": [sent[p.neighbour].text for p in pairs],
                "by ": [sent[p.neighbour].name for p in pairs],
                "cosine": [round(p.cosine, 3) for p in pairs],
            }
        ),
        len(sent),
        len(lesson),
    )
    st.session_state[MAP_CACHE_KEY] = (key, drawing)
    st.session_state[MAP_COMPUTED_KEY] = st.session_state.get(MAP_COMPUTED_KEY, 0) + 1
    return drawing


def _map_view(active: ActiveModel, room: dict, activity: Activity) -> set[int]:
    sent = room_store().sentences(room["code"])
    if activity.prompt.get("question"):
        st.text(activity.prompt["question"])
    colour = st.radio(
        "Colour the class's sentences by",
        ["student", "label"],
        horizontal=True,
        key="room_map_colour",
    )
    if not sent:
        st.caption("No sentences yet: they appear here as students send them.")
        return set()
    lesson, _ = shared_sentences()
    drawing = _map_drawing(active, sent, lesson[:LESSON_ON_MAP], colour)
    st.plotly_chart(drawing.figure, width="stretch", key="room_map")
    st.caption(
        f"{drawing.class_count} sentences from the class and {drawing.lesson_count} of the "
        "lesson's, mapped with PCA (the two directions of most variance). Hover a point to read it."
    )
    if len(drawing.pairs):
        st.caption("Nearest neighbours across students (by cosine):")
        st.dataframe(drawing.pairs, hide_index=True, width="stretch", key="room_pairs")
    return {s.student_id for s in sent}


def teacher_live(active: ActiveModel) -> None:
    """The teacher's live view: who joined, the current activity's answers, the controls to
    reveal, clear and remove. Re-reads the database every `TEACHER_REFRESH_SECONDS` and redraws
    only this fragment."""

    @st.fragment(run_every=TEACHER_REFRESH_SECONDS)
    def live() -> None:
        room = teacher()
        if room is None:
            return
        started = time.perf_counter()
        store = room_store()
        if not store.is_teacher(room["code"], room["token"]):
            st.warning(f"Room {room['code']} is closed or has expired. Open a new one.")
            return
        people = store.students(room["code"])
        activity = store.current_activity(room["code"])
        left, right = st.columns([1, 3])
        answered: set[int] = set()
        with right:
            if activity is None:
                st.info("Start an activity above: the class's answers appear here, live.")
            else:
                st.subheader(f"Now: {KIND_NAMES[activity.kind]}")
                view = {COSINE: _cosine_view, TRIPLET: _triplet_view, MAP: _map_view}
                answered = view[activity.kind](active, room, activity)
        with left:
            st.metric("Students", f"{len(people)} / {limits.ROOM_STUDENTS}")
            st.dataframe(
                _names_table(people, answered), hide_index=True, width="stretch", key="room_names"
            )
            manage(room, people, activity)
        error = st.session_state.pop("room_action_error", "")
        if error:
            st.error(error)
        done = st.session_state.pop("room_action_done", "")
        if done:
            st.success(done)
        st.caption(
            f"Live: re-read every {TEACHER_REFRESH_SECONDS} s "
            f"(this refresh: {1000 * (time.perf_counter() - started):.0f} ms)."
        )

    live()


def manage(room: dict, people: list, activity: Activity | None) -> None:
    """Remove a name, clear answers, close the room."""
    store = room_store()
    with st.expander("Manage the room: remove a name, clear answers, close the room"):
        names = {person.id: person.name for person in people}
        if names:
            chosen = st.selectbox(
                "Student", list(names), format_func=names.get, key="room_manage_student"
            )
            st.button(
                "Remove this name (and all they sent)",
                key="room_remove",
                on_click=_teacher_action,
                args=(store.remove_student, room, chosen),
                kwargs={"done": "Done ✓ the name was removed, with all it sent."},
            )
            if activity is not None:
                st.button(
                    "Clear this student's answer",
                    key="room_clear_one",
                    on_click=_teacher_action,
                    args=(store.clear, room, activity.id, chosen),
                    kwargs={"done": "Done ✓ that student's answer was cleared."},
                )
        if activity is not None:
            st.button(
                "Clear all answers to this activity",
                key="room_clear",
                on_click=_teacher_action,
                args=(store.clear, room, activity.id),
                kwargs={"done": "Done ✓ every answer to this activity was cleared."},
            )
        if st.button("Close the room (deletes every answer)", key="room_close"):
            _close_room()
            st.rerun()
