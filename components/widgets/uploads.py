"""Uploaders whose files this session keeps, so they survive a visit to another page (where
Streamlit's uploader forgets them), and a bad file never replaces a good one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from components.core.texts import InputError, Message
from components.data.documents import LoadedDocument, read_uploads
from components.models import model_policy
from components.services.inputs import uploaded_document
from components.widgets.layout import show_messages


def kept_uploads(
    label: str,
    types: list[str],
    key: str,
    check: Callable[[list[int]], None] | None = None,
    help: str | None = None,
) -> list[tuple[str, bytes]]:
    """A multi-file uploader whose files (name, bytes) this session keeps under `{key}_files`,
    so they survive a visit to another page (the uploader itself forgets them). Stops the page
    (like `kept_text_upload`) when there is none.

    Args:
        check: called with the files' sizes before they are kept; its `InputError` is shown and
            nothing is kept (e.g. a cap on the total size).
    """

    def keep() -> None:
        files = st.session_state.get(key) or []
        st.session_state[f"{key}_files"], st.session_state[f"{key}_error"] = [], ""
        try:
            if check is not None:
                check([file.size for file in files])
        except InputError as error:
            st.session_state[f"{key}_error"] = str(error)
            return
        st.session_state[f"{key}_files"] = [(file.name, file.getvalue()) for file in files]

    st.file_uploader(
        label, type=types, accept_multiple_files=True, key=key, on_change=keep, help=help
    )
    if st.session_state.get(f"{key}_error"):
        st.error(st.session_state[f"{key}_error"])
    files = st.session_state.get(f"{key}_files") or []
    if not files:
        st.info("Choose the files, or switch back to typing. Your typed text is kept.")
        st.stop()
    return files


def read_once(upload: Any, key: str, read: Callable[[bytes, str], list[Message]]) -> None:
    """Run `read(data, name)` once per uploaded file (not on every rerun) and show the messages it
    returned on every run; its `InputError` shows as an error (whatever `read` replaces stays)."""
    if upload.file_id != st.session_state.get(f"_{key}_id"):
        st.session_state[f"_{key}_id"] = upload.file_id
        try:
            messages = read(upload.getvalue(), upload.name)
        except InputError as error:
            messages = [Message("error", f"{error} Your table is unchanged.")]
        st.session_state[f"_{key}_messages"] = messages
    show_messages(st.session_state.get(f"_{key}_messages", []))


def kept_documents(container: Any, key: str, help: str) -> list[LoadedDocument]:
    """A multi-file uploader of .txt/.md/.pdf documents, read within the upload caps; this
    session keeps what was read (under `_{key}`), so the documents survive a visit to another
    page (where the uploader forgets its files). Each unusable file gets a message."""
    store = f"_{key}"
    returning = key not in st.session_state  # the widget was not drawn last run
    uploads = container.file_uploader(
        "Upload .txt, .md or .pdf files",
        type=["txt", "md", "pdf"],
        accept_multiple_files=True,
        key=key,
        help=help,
    )
    ids = tuple(upload.file_id for upload in uploads or [])
    if uploads and (st.session_state.get(store) or ((),))[0] != ids:
        files = [(upload.name, upload.getvalue()) for upload in uploads]
        st.session_state[store] = (ids, *read_uploads(files, uploaded_document))
    elif not uploads and not returning:  # the user removed the files
        st.session_state.pop(store, None)
    if store not in st.session_state:
        return []
    _, kept, messages = st.session_state[store]
    show_messages(messages)
    if not uploads and kept:
        names = ", ".join(f"`{model_policy.shown(loaded.document.name)}`" for loaded in kept)
        container.caption(f"Using the files uploaded earlier in this session: {names}")
    return kept


def kept_text_upload(
    label: str,
    key: str,
    types: list[str],
    read: Callable[[str, bytes], tuple[str, list]],
    help: str | None = None,
) -> tuple[str, str]:
    """An uploader whose last good file (name, text) this session keeps: it survives a page
    switch (where the uploader forgets its file), and a bad file gets a message while the good
    one stays. Stops the page when there is none.

    Args:
        read: (name, bytes) -> (text, messages); its `InputError` is the bad file's message.
    """
    kept_key, id_key, messages_key = f"_{key}_kept", f"_{key}_id", f"_{key}_messages"
    returning = key not in st.session_state  # the widget was not drawn last run
    uploaded = st.file_uploader(label, type=types, key=key, help=help)
    if uploaded is not None and uploaded.file_id != st.session_state.get(id_key):
        st.session_state[id_key] = uploaded.file_id
        try:
            text, messages = read(uploaded.name, uploaded.getvalue())
            st.session_state[kept_key] = (uploaded.name, text)
        except InputError as error:
            kept = st.session_state.get(kept_key)
            messages = [
                Message("error", f"{error}{f' `{kept[0]}` is still used.' if kept else ''}")
            ]
        st.session_state[messages_key] = messages
    elif uploaded is None and not returning:  # the user removed the file
        for name in (kept_key, id_key, messages_key):
            st.session_state.pop(name, None)
    show_messages(st.session_state.get(messages_key, []))
    kept = st.session_state.get(kept_key)
    if kept is None:
        st.info("Choose a file, or switch back to typing. Your typed text is kept.")
        st.stop()
    if uploaded is None:
        st.caption(f"Using `{kept[0]}`, uploaded earlier in this session.")
    return kept
