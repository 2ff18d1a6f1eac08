"""Class room: a teacher opens a room, the class joins by link and answers live."""

from __future__ import annotations

import streamlit as st

from components import widgets as ui
from components.rooms.activities import preset_pairs, preset_triplets
from components.widgets import room, room_student, room_teacher

st.session_state[room.ON_ROOM_PAGE_KEY] = True  # the sidebar leaves the join view to this page
active = ui.page_setup("Class room", "🏫")
st.title("🏫 Class room")
st.caption(
    "Everyone takes part: the teacher opens a room and shows its code; students join with a name "
    "(no account) on their phones or laptops, guess cosines, vote on triplets and send sentences; "
    "the class's answers appear here live, next to what the model says."
)

with ui.section("room"):
    if room.teacher() is not None:
        code = room.teacher()["code"]
        room_teacher.room_header(code)
        st.subheader("Start an activity")
        room_teacher.start_activity_form({"pairs": preset_pairs(), "triplets": preset_triplets()})
        st.divider()
        room_teacher.teacher_live(active)
    elif room.student() is not None:
        st.subheader("Your room")
        room_student.student_view("room_main")
    else:
        join, teach = st.columns(2)
        with join:
            st.subheader("Join a room")
            room_student.join_form("room_main_join")
        with teach:
            st.subheader("Teach")
            st.caption(
                "Open a room for your class: you get a code, a link and a QR code for the "
                "projector. Only this browser tab's session can control the room."
            )
            room_teacher.open_room_button()
            st.caption(room.limits_caption())
ui.page_done()
