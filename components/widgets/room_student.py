"""A class room for the student: the join form (in the sidebar of every page and on the room
page), rejoining from a `?seat=` link, answering the current activity, leaving, and sending
sentences from Explore.

Student text is only ever shown as text (see `room`).
"""

from __future__ import annotations

import time

import streamlit as st

from components.core import limits
from components.core.texts import InputError
from components.rooms import COSINE, MAP, TRIPLET, Activity, JoinAttempts, normalize_code
from components.rooms.activities import KIND_NAMES
from components.services.rooms import room_store
from components.widgets.room import (
    ATTEMPTS_KEY,
    ON_ROOM_PAGE_KEY,
    REJOIN_ERROR_KEY,
    ROOM_PARAM,
    SEAT_PARAM,
    SENT_KEY,
    STUDENT_KEY,
    STUDENT_REFRESH_SECONDS,
    join_link,
    limits_caption,
    student,
    teacher,
)


def _attempts() -> JoinAttempts:
    return st.session_state.setdefault(ATTEMPTS_KEY, JoinAttempts())


def _join(code_key: str, name_key: str) -> None:
    try:
        _attempts().check(time.time())
        code = normalize_code(st.session_state.get(code_key, ""))
        name = st.session_state.get(name_key, "")
        student_id, seat = room_store().join_with_seat(code, name)
    except InputError as error:
        st.session_state[f"{name_key}_error"] = str(error)
        return
    st.session_state[f"{name_key}_error"] = ""
    _seated(code, student_id, seat)


def _seated(code: str, student_id: int, seat: str) -> None:
    """This session is the student `student_id` of room `code`; the address bar gets their own
    rejoin link (`?room=CODE&seat=SECRET`), so that reloading the page keeps their seat."""
    joined = room_store().student(code, student_id)
    name = joined.name if joined is not None else ""
    st.session_state[STUDENT_KEY] = {"code": code, "id": student_id, "name": name, "seat": seat}
    st.session_state[SENT_KEY] = ""
    st.session_state.pop(REJOIN_ERROR_KEY, None)
    st.query_params[ROOM_PARAM] = code
    st.query_params[SEAT_PARAM] = seat


def rejoin_from_link() -> None:
    """A page opened with `?room=CODE&seat=SECRET` in a session not in a room (a reload, a new
    tab): the student gets their seat back under the same name, without typing. A join attempt
    (rate-limited); a seat that no longer works is dropped from the link, with the reason."""
    seat = str(st.query_params.get(SEAT_PARAM, ""))
    if not seat or student() is not None or teacher() is not None:
        return
    try:
        _attempts().check(time.time())
        code = normalize_code(st.query_params.get(ROOM_PARAM, ""))
        student_id = room_store().rejoin(code, seat)
    except InputError as error:
        st.session_state[REJOIN_ERROR_KEY] = str(error)
        del st.query_params[SEAT_PARAM]
        return
    _seated(code, student_id, seat)


def _drop_seat_link() -> None:
    for param in (SEAT_PARAM, ROOM_PARAM):
        if param in st.query_params:
            del st.query_params[param]


def join_form(prefix: str, compact: bool = False) -> None:
    """Code (from `?room=` when the link had one) and name, then Join."""
    code_key, name_key = f"{prefix}_code", f"{prefix}_name"
    if code_key not in st.session_state:
        st.session_state[code_key] = str(st.query_params.get(ROOM_PARAM, ""))[:20]
    with st.form(prefix, border=not compact):
        st.text_input(
            "Room code",
            key=code_key,
            max_chars=20,
            help="The letters on the teacher's screen (upper or lower case).",
        )
        st.text_input(
            "Your name",
            key=name_key,
            max_chars=limits.ROOM_NAME_CHARS,
            help=f"Any name the class will recognise; no account. {limits_caption()}",
        )
        st.form_submit_button(
            "Join the room", on_click=_join, args=(code_key, name_key), type="primary"
        )
    error = st.session_state.get(f"{name_key}_error") or st.session_state.pop(REJOIN_ERROR_KEY, "")
    if error:
        st.error(error)


def _leave() -> None:
    me = student()
    if me:
        try:
            room_store().leave(me["code"], me["id"])
        except InputError:
            pass
    st.session_state.pop(STUDENT_KEY, None)
    _drop_seat_link()


def _send(kind: str, prefix: str, activity_id: int) -> None:
    me = student()
    if not me:
        return
    store = room_store()
    try:
        if kind == MAP:
            lines = str(st.session_state.get(f"{prefix}_sentences", "")).splitlines()
            count = store.add_sentences(me["code"], me["id"], lines)
            message = f"Sent ✓ {count} sentence{'s' if count != 1 else ''} to the shared map."
            st.session_state[f"{prefix}_sentences"] = ""
        elif kind == COSINE:
            value = float(st.session_state.get(f"{prefix}_guess", 0.0))
            store.add_prediction(me["code"], activity_id, me["id"], value)
            message = f"Sent ✓ your guess: {value:+.2f}."
        else:
            value = 0 if st.session_state.get(f"{prefix}_vote") == "first" else 1
            store.add_prediction(me["code"], activity_id, me["id"], value)
            message = f"Sent ✓ your vote: the {'first' if value == 0 else 'second'} sentence."
    except InputError as error:
        st.session_state[SENT_KEY] = ("error", str(error))
        return
    st.session_state[SENT_KEY] = ("success", message)


def _activity_inputs(activity: Activity, prefix: str) -> None:
    """The current activity's question (shown as text) and its answer widgets."""
    prompt = activity.prompt
    st.caption(KIND_NAMES[activity.kind])
    if activity.kind == COSINE:
        st.text(f"A: {prompt['a']}\nB: {prompt['b']}")
        st.slider(
            "Your guess of their cosine",
            -1.0,
            1.0,
            0.5,
            0.05,
            key=f"{prefix}_guess",
            help="1 = same meaning, 0 = unrelated, below 0 = rare for this model.",
        )
    elif activity.kind == TRIPLET:
        st.text(f"Anchor: {prompt['anchor']}\n1st: {prompt['first']}\n2nd: {prompt['second']}")
        st.radio(
            "Which is closer to the anchor?",
            ["first", "second"],
            key=f"{prefix}_vote",
            horizontal=True,
        )
    else:
        if prompt.get("question"):
            st.text(prompt["question"])
        st.text_area(
            f"Your sentences, one per line (up to {limits.ROOM_SENTENCES} in this room)",
            key=f"{prefix}_sentences",
            max_chars=limits.ROOM_SENTENCES * (limits.ROOM_SENTENCE_CHARS + 1),
            height=100,
            help=limits_caption(),
        )
    st.button(
        "Send",
        key=f"{prefix}_send_{activity.id}",
        on_click=_send,
        args=(activity.kind, prefix, activity.id),
        type="primary",
    )
    if activity.revealed and activity.answer is not None:
        if activity.kind == COSINE:
            st.info(f"Revealed: the model's cosine is {activity.answer:.2f}.")
        elif activity.kind == TRIPLET:
            side = "first" if activity.answer == 0 else "second"
            st.info(f"Revealed: the model puts the {side} sentence closer.")


def student_view(prefix: str) -> None:
    """The joined student's view: room and name, the current activity, Send, Leave.

    Re-reads the room every `STUDENT_REFRESH_SECONDS` (a fragment: the page does not rerun).
    """

    @st.fragment(run_every=STUDENT_REFRESH_SECONDS)
    def view() -> None:
        me = student()
        if me is None:
            return
        store = room_store()
        if store.student(me["code"], me["id"]) is None:
            st.session_state.pop(STUDENT_KEY, None)
            _drop_seat_link()
            st.warning(
                f"You are no longer in room {me['code']}: it was closed or expired, or your "
                "name was removed."
            )
            return
        st.text(f"In room {me['code']} as {me['name']}")
        activity = store.current_activity(me["code"])
        if activity is None:
            st.caption("Waiting for the teacher to start an activity…")
        else:
            _activity_inputs(activity, f"{prefix}_{activity.id}")
        sent = st.session_state.get(SENT_KEY)
        if sent:
            (st.success if sent[0] == "success" else st.error)(sent[1])
        st.button("Leave the room", key=f"{prefix}_leave", on_click=_leave)
        if me.get("seat") and not prefix.startswith("room_sidebar"):
            with st.expander("Reloading? Your own link back to this seat"):
                st.caption(
                    "This page's address keeps your seat: reload it and you are back under the same "
                    "name, with what you sent. From another tab or page, open this link. Keep it "
                    "to yourself: whoever opens it answers as you."
                )
                st.code(join_link(me["code"], me["seat"]), language=None)

    view()


def sidebar_view() -> None:
    """The compact room view in every page's sidebar: joined students see their room; a link
    with `?room=` offers to join. The room page shows the full view in its main area instead."""
    on_room_page = st.session_state.pop(ON_ROOM_PAGE_KEY, False)
    rejoin_from_link()
    me = student()
    if me is None and (on_room_page or not st.query_params.get(ROOM_PARAM) or teacher()):
        return
    with st.sidebar:
        st.divider()
        st.subheader("🏫 Class room")
        if on_room_page and me is not None:
            st.text(f"In room {me['code']} as {me['name']}")
        elif me is not None:
            student_view("room_sidebar")
        else:
            join_form("room_sidebar_join", compact=True)


def send_from_explore(texts: list[str]) -> None:
    """On Explore, for a student in a room: send some of these sentences to the shared map."""
    me = student()
    if me is None or not texts:
        return
    with st.expander(f"🏫 Send sentences to room {me['code']}"):
        options = list(dict.fromkeys(texts[:200]))
        chosen = st.multiselect(
            f"Pick up to {limits.ROOM_SENTENCES} of your sentences",
            options,
            max_selections=limits.ROOM_SENTENCES,
            key="explore_room_pick",
        )
        if st.button("Send to the room", key="explore_room_send", disabled=not chosen):
            try:
                count = room_store().add_sentences(me["code"], me["id"], chosen)
            except InputError as error:
                st.error(str(error))
            else:
                st.success(f"Sent ✓ {count} sentence{'s' if count != 1 else ''} to the room.")
