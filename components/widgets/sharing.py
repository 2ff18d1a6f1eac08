"""Sharing a page: its inputs in the address bar, lesson files (download, upload, shipped ones)
and the lesson banner; the sidebar's presenter-mode toggle."""

from __future__ import annotations

import json
import re
from typing import Any

import streamlit as st

from components.core.texts import Message, code_value, defang_links, plain_value
from components.models.encoder import DEFAULT_MODEL
from components.services.models import ActiveModel
from components.services.session_keys import (
    LESSON_KEY,
    LESSON_MESSAGES_KEY,
    LESSON_TO_LOAD_KEY,
    LESSON_UPLOAD_ID_KEY,
    LESSON_UPLOAD_KEY,
    LINK_MESSAGES_KEY,
    LINK_SLOT_KEY,
    MODEL_NAME_KEY,
    PRESENTER_KEY,
    RESTORED_KEY,
    SCROLL_TO_KEY,
)
from components.state.lessons import Lesson, lesson_from_json, lesson_to_json, shipped_lessons
from components.state.page_state import PAGE_STATES
from components.state.share_links import (
    PRESENT_PARAM,
    SECTION_PARAM,
    URL_LIMIT,
    decode_link,
    encode_link,
)
from components.widgets.bindings import apply_state, current_lab, current_state
from components.widgets.layout import show_messages
from components.widgets.state import persist, set_persisted


def restore_from_link(state_type: type) -> None:
    """On a page's first run in this session, take its inputs from the link, if it has any."""
    restored = st.session_state.setdefault(RESTORED_KEY, set())
    if state_type.PAGE in restored:
        return
    restored.add(state_type.PAGE)
    params = st.query_params.to_dict()
    params.pop(SECTION_PARAM, None)  # where to look, not the page's inputs
    if params.pop(PRESENT_PARAM, None) == "1":
        set_persisted(PRESENTER_KEY, True)
    if not params:
        return
    decoded = decode_link(state_type, params)
    apply_state(decoded.state)
    messages = list(decoded.messages)
    if decoded.model != st.session_state.get(MODEL_NAME_KEY, DEFAULT_MODEL):
        messages.append(
            Message(
                "info",
                f"This link was made with the model {code_value(decoded.model, 80)}; this page "
                "uses the "
                "model picked in the sidebar, so the numbers may differ. Load that model there to "
                "see the same page.",
            )
        )
    st.session_state[LINK_MESSAGES_KEY] = messages


def read_section() -> None:
    """A link to a section of this page (`?section=<anchor>`, the glossary's): keep the anchor
    for this run's end, when the page is drawn and can be scrolled there."""
    anchor = st.query_params.get(SECTION_PARAM)
    if anchor and re.fullmatch(r"[a-z0-9-]{1,80}", anchor):
        st.session_state[SCROLL_TO_KEY] = anchor


# Scrolls the page to a header's anchor. The charts and tables above it are drawn lazily and push
# it down, so it keeps the header at the top until the page has stood still for a second (or ten
# seconds passed); the reader's own scrolling, a key or a click ends it at once.
SCROLL_SCRIPT = """<script>
(() => {
  const id = %s, started = Date.now();
  let last = null, still = Date.now(), done = false;
  const stop = () => { done = true; };
  for (const kind of ['wheel', 'touchstart', 'keydown', 'mousedown'])
    window.addEventListener(kind, stop, {once: true, capture: true});
  const tick = () => {
    if (done || Date.now() - started > 10000) return;
    const header = document.getElementById(id);
    if (header) {
      const top = Math.round(header.getBoundingClientRect().top);
      if (Math.abs(top) > 4) { header.scrollIntoView({block: 'start'}); still = Date.now(); }
      const running = document.querySelector('[data-test-script-state=running]');
      if (last === top && !running && Date.now() - still > 1000) return;
      last = top;
    }
    setTimeout(tick, 200);
  };
  tick();
})();
</script>"""


def scroll_to_section() -> None:
    """At the end of a run opened by a section link: scroll the page to that section."""
    anchor = st.session_state.pop(SCROLL_TO_KEY, None)
    if anchor:
        st.html(SCROLL_SCRIPT % json.dumps(anchor), unsafe_allow_javascript=True)


def _write_link(state_type: type, active: ActiveModel) -> Any:
    """Put the page's inputs in the address bar (only when they changed); returns the link."""
    link = encode_link(current_state(state_type), model=active.info.name)
    if st.query_params.to_dict() != link.params:
        st.query_params.from_dict(link.params)
    return link


def lesson_banner(page: str) -> None:
    """Messages about the link this page was opened with, and the loaded lesson's task."""
    show_messages(st.session_state.pop(LINK_MESSAGES_KEY, []))
    show_messages(st.session_state.pop(LESSON_MESSAGES_KEY, []))
    lesson: Lesson | None = st.session_state.get(LESSON_KEY)
    if (
        lesson is not None
        and lesson.start_page == page
        and (lesson.what_to_try or lesson.what_to_notice)
    ):
        # A lesson's texts keep their Markdown (bold, lists) but never a live link.
        with st.expander(
            f"📘 Lesson: {defang_links(plain_value(lesson.title, 200))}", expanded=True
        ):
            st.markdown(f"**What to try.** {defang_links(lesson.what_to_try)}")
            st.markdown(f"**What to notice.** {defang_links(lesson.what_to_notice)}")


def load_lesson(lesson: Lesson) -> None:
    """Put every page of a lesson into the widgets and open its first page."""
    for page in PAGE_STATES:
        apply_state(lesson.lab.page(page))
    st.session_state[RESTORED_KEY] = set(PAGE_STATES)  # the lesson wins over the old link
    st.session_state[LESSON_KEY] = lesson
    st.switch_page(PAGE_STATES[lesson.start_page].SCRIPT)


def _read_lesson_upload() -> None:
    uploaded = st.session_state.get(LESSON_UPLOAD_KEY)
    if uploaded is None or uploaded.file_id == st.session_state.get(LESSON_UPLOAD_ID_KEY):
        return
    st.session_state[LESSON_UPLOAD_ID_KEY] = uploaded.file_id
    lesson, messages = lesson_from_json(uploaded.getvalue())
    st.session_state[LESSON_MESSAGES_KEY] = messages
    if lesson is not None:
        st.session_state[LESSON_TO_LOAD_KEY] = lesson


def share_sidebar(state_type: type, active: ActiveModel) -> None:
    """Sidebar: presenter mode, this page's link, and lesson files."""
    pending = st.session_state.pop(LESSON_TO_LOAD_KEY, None)
    if pending is not None:
        load_lesson(pending)  # switches page: nothing below runs
    link = _write_link(state_type, active)
    with st.sidebar:
        presenter_toggle()
        with st.expander("Share & lessons", expanded=False):
            slot = st.container(key="share_link").empty()  # small type: see SHARE_LINK_CSS
            _draw_link(slot, link)
            # The page may still change its inputs in this run (a click on a map picks a
            # sentence): `finish_link` writes the link again at the end of the run.
            st.session_state[LINK_SLOT_KEY] = (state_type, active, slot)
            st.download_button(
                "Download lesson (every page)",
                # Built now, not on click: a deferred callable runs outside this session's state.
                lesson_to_json(_lesson_now(active, state_type.PAGE)).encode("utf-8"),
                file_name="lesson.json",
                mime="application/json",
                key="lesson_download",
                on_click="ignore",
                help="One JSON file with the inputs of every page of the lab; load it here "
                "again, or send it to someone.",
            )
            st.file_uploader(
                "Load a lesson file",
                type=["json"],
                key=LESSON_UPLOAD_KEY,
                on_change=_read_lesson_upload,
                help="A lesson file (.json) downloaded from this lab or written by a teacher. "
                "It replaces the inputs of every page.",
            )
            shipped = shipped_lessons()
            if shipped:
                choice = st.selectbox(
                    "Or open a shipped lesson",
                    list(shipped),
                    format_func=lambda name: shipped[name].title,
                    key="lesson_shipped",
                    help="Lessons written for this lab, each with what to try and what to notice.",
                )
                if st.button("Open lesson", key="lesson_open"):
                    load_lesson(shipped[choice])


def presenter_toggle() -> None:
    """The sidebar's presenter-mode toggle (every page has it)."""
    st.divider()
    st.toggle(
        "Presenter mode",
        key=persist(PRESENTER_KEY, False),
        help="For a projector: large type, fewer controls, and colour-blind-safe colours "
        "(Okabe-Ito categories, cividis and purple-orange heatmaps) in every chart.",
    )


def _draw_link(slot: Any, link: Any) -> None:
    """The page's link and how long it is, in its place in the sidebar."""
    with slot.container():
        st.caption(
            f"The address bar holds this page's inputs ({link.length:,} of at most "
            f"{URL_LIMIT:,} characters): copy it to share the page exactly."
        )
        if link.omitted:
            st.warning(
                f"Too long for a link: {', '.join(link.omitted)} left out of the address "
                f"(a link holds at most {URL_LIMIT:,} characters). Download a lesson file "
                "below to share everything."
            )
        base = str(getattr(st.context, "url", "") or "").split("?")[0]
        st.code(f"{base}?{link.query}", language=None, wrap_lines=True)


def finish_link() -> None:
    """At the end of a run: the address bar and the sidebar link hold the inputs as they are
    now, also those changed during this run (a map click), not as they were at its start."""
    pending = st.session_state.pop(LINK_SLOT_KEY, None)
    if pending is None:
        return
    state_type, active, slot = pending
    link = _write_link(state_type, active)
    _draw_link(slot, link)


def _lesson_now(active: ActiveModel, page: str) -> Lesson:
    """The whole lab as a lesson that opens on `page` (keeping a loaded lesson's texts)."""
    previous: Lesson | None = st.session_state.get(LESSON_KEY)
    return Lesson(
        title=previous.title if previous else "My lab",
        what_to_try=previous.what_to_try if previous else "",
        what_to_notice=previous.what_to_notice if previous else "",
        start_page=page,
        model=active.info.name,
        lab=current_lab(),
    )
