"""UI pieces every page shares: page setup with the model picker, persistent widgets, presets,
uploads, number tables, progress bars, messages."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd
import streamlit as st

from components import backend, charts, limits, model_policy
from components.background import BackgroundJob
from components.documents import LoadedDocument, read_uploads
from components.encoder import DEFAULT_MODEL, ModelLoadError
from components.lessons import Lesson, lesson_from_json, lesson_to_json, shipped_lessons
from components.model_card import model_card
from components.page_state import (
    PAGE_STATES,
    ExploreState,
    LabState,
    LossState,
    check_field,
)
from components.presenter import present_figure, presenter_css
from components.samples import (
    DEFAULT_PRESET,
    DEFAULT_TRIPLET_PRESET,
    TRIPLET_PRESETS,
    load_preset,
    load_triplet_preset,
)
from components.share_links import PRESENT_PARAM, URL_LIMIT, decode_link, encode_link
from components.texts import InputError, Level, Message, csv_bytes, first_lines, within_chars
from components.training_setup import StepCallback
from components.triplets import COLUMNS as TRIPLET_COLUMNS
from components.triplets import MAX_TABLE_ROWS, append_pasted, read_triplet_csv, table_csv
from components.vector_io import ExportFormat
from components.work_queue import QueueError

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder

T = TypeVar("T")
LOG = logging.getLogger(__name__)

# Every page of the lab: (script path, title, one-line summary). The sidebar and home page use it.
LABS = [
    ("pages/1_Explore.py", "🔭 Explore",
     "Encode your sentences: similarity heatmap, 2D/3D map (UMAP, PCA, t-SNE), nearest "
     "neighbours, the reference demo's real numbers."),
    ("pages/2_Tokens_and_Pooling.py", "🧩 Tokens & pooling",
     "Sub-word pieces, contextual token vectors, and five ways to pool them into one vector."),
    ("pages/3_Loss_Lab.py", "🎯 Loss lab",
     "Cosine-margin, triplet and InfoNCE losses on your own triplets, and live fine-tuning."),
    ("pages/4_Search_Long_Text.py", "🔎 Long text & search",
     "Chunk long documents, build an index, search and re-rank; book vectors vs chunk vectors."),
    ("pages/5_Map_Lab.py", "🗺️ Map lab",
     "How far to trust a map; PCA, UMAP and t-SNE side by side; clusters with names; semantic "
     "axes; the geometry of metrics, dimensions and quantisation; find and select."),
    ("pages/6_Glossary.py", "📖 Glossary",
     "Every term of the lesson and the labs in one line, with the place to see it at work."),
]  # fmt: skip
ROOT = Path(__file__).resolve().parent.parent

CUSTOM_CHOICE = "Another model…"
_LOADED_KEY = "loaded_model_names"  # custom names this session has loaded successfully
_ERROR_KEY = "model_error"
SENTENCES_KEY = "lab_sentences"  # session_state: (texts, labels) of Explore, shared with other labs


def persist(key: str, default: Any) -> str:
    """Keep a widget's value when the user visits another page and comes back.

    Streamlit forgets the state of widgets that a page does not draw; this keeps a copy under
    `_key` and puts it back before the widget is drawn. Use: `st.text_area(..., key=persist(k, d))`.
    """
    store = f"_{key}"
    if store not in st.session_state:
        st.session_state[store] = default
    if key in st.session_state:
        st.session_state[store] = st.session_state[key]
    st.session_state[key] = st.session_state[store]
    return key


def keep_in_range(key: str, low: Any, high: Any) -> None:
    """Clamp a widget's value (and `persist`'s copy) into [low, high] before it is drawn.

    A link, a lesson or another model may have set a value this widget cannot show now.
    """
    for name in (key, f"_{key}"):
        value = st.session_state.get(name)
        if value is not None and not low <= value <= high:
            st.session_state[name] = min(max(value, low), high)


def keep_if_in(key: str, options: Iterable[Any]) -> None:
    """Forget a select box's value that is not one of its options now (it takes its first)."""
    if key in st.session_state and st.session_state[key] not in list(options):
        del st.session_state[key]


def revealed(name: str, fingerprint: str) -> bool:
    """A "Reveal" button for a predict-then-reveal exercise; True once pressed for these inputs.

    The answer stays revealed until the inputs (their `fingerprint`) change.
    """
    store = f"_{name}_revealed"
    if st.session_state.get(store) != fingerprint and st.button(
        "Reveal", key=f"{name}_reveal", type="primary",
        help="Show the model's answer next to yours.",
    ):  # fmt: skip
        st.session_state[store] = fingerprint
    return st.session_state.get(store) == fingerprint


def wait_for_reveal(name: str, fingerprint: str, hidden: str) -> None:
    """Stop the page until "Reveal" is pressed for these inputs; `hidden` names what waits."""
    if not revealed(name, fingerprint):
        st.info(f"{hidden} appear when you press **Reveal**.")
        st.stop()


def rank_inputs(items: list[str], key: str, noun: str = "item") -> list[int]:
    """One number box per item (1 to len(items), under `{key}_0`, `{key}_1`, ...) beside its
    text: the user's ranking, 1 = most similar; equal ranks are allowed."""
    ranks = []
    for number, item in enumerate(items):
        left, right = st.columns([5, 1])
        left.text(f"{number + 1}.  {item}")
        ranks.append(right.number_input(
            f"Rank of {noun} {number + 1}", 1, len(items), number + 1, key=f"{key}_{number}",
            label_visibility="collapsed", help="1 = most similar.",
        ))  # fmt: skip
    return ranks


def select_pair(
    options: dict[Any, str], labels: tuple[str, str], keys: tuple[str, str]
) -> tuple[Any, Any]:
    """Two select boxes side by side over the same `options` (value -> shown text), each kept
    under its key while its value is still an option."""
    picked = []
    for column, label, key in zip(st.columns(2), labels, keys, strict=True):
        keep_if_in(key, list(options))
        picked.append(column.selectbox(label, list(options), format_func=options.get, key=key))
    return picked[0], picked[1]


def csv_download(label: str, make_table: Callable[[], pd.DataFrame], file_name: str, key: str,
                 container: Any = st) -> None:  # fmt: skip
    """A CSV download built only when clicked, through the one formula-safe CSV writer."""
    container.download_button(
        label, lambda: csv_bytes(make_table()), file_name=file_name, mime="text/csv", key=key,
        on_click="ignore",
        help="CSV (UTF-8). Cells that start like a spreadsheet formula (=, +, -, @) get a "
        "leading ' so a spreadsheet shows them as text.",
    )  # fmt: skip


def try_notice(try_: str, notice: str) -> None:
    """One line under a section header: what to try, and what to notice when you do."""
    st.caption(f"🧪 **Try:** {try_}. 👀 **Notice:** {notice}.")


def show_messages(messages: Iterable[Message]) -> None:
    for message in messages:
        {"info": st.info, "warning": st.warning, "error": st.error}[message.level](message.text)


def show_message(level: Level, text: str | None, *, stop: bool = False) -> None:
    """A message box of `level` when there is a `text` (none for None or ""), then, when `stop`,
    the end of the page."""
    if text:
        show_messages([Message(level, text)])
        if stop:
            st.stop()


def page_setup(title: str, icon: str, state_type: type | None = None) -> backend.ActiveModel:
    """Configure the page (title, icon, wide layout), draw the sidebar, return the model in use.

    With `state_type` (the page's class in `components.page_state`) the page is shareable: on
    its first run in a session it takes its inputs from the link (`?method=pca&…`), and on
    every run it writes its inputs back to the address bar.
    """
    st.set_page_config(page_title=f"{title} · Sentence Embedding Lab", page_icon=icon,
                       layout="wide")  # fmt: skip
    if state_type is not None:
        _restore_from_link(state_type)
    active = model_sidebar()
    _presenter_style()
    if state_type is not None:
        _share_sidebar(state_type, active)
        _lesson_banner(state_type.PAGE)
    return active


def page_done() -> None:
    """The last call of every page: the page is drawn, background warm-ups may start."""
    backend.page_drawn()


def preset_picker(
    label: str,
    options: Iterable[str],
    key: str,
    default: str,
    on_pick: Callable[[str], None],
    *,
    container: Any = st,
    help: str | None = None,
) -> str:
    """A select box whose choice, when the user changes it, is handed to `on_pick` (which
    replaces the page's text or table); its value is kept across pages."""
    return container.selectbox(
        label,
        list(options),
        key=persist(key, default),
        on_change=lambda: on_pick(st.session_state[key]),
        help=help,
    )


def limited_text(
    widget: Callable[..., str], label: str, key: str, default: str, max_chars: int, **options: Any
) -> str:
    """A text box (`st.text_area`, `st.text_input` or a column's) kept across pages, with
    `max_chars`; returns its value cut to `max_chars` (with a message when a longer value got
    in, e.g. set by a script), the box itself keeping what was typed."""
    text = widget(label, key=persist(key, default), max_chars=max_chars, **options)
    text, messages = within_chars(text or "", max_chars, f"`{label}`")
    show_messages(messages)
    return text


def sentence_box(
    label: str,
    key: str,
    default: Iterable[str],
    cap: int,
    *,
    height: int,
    container: Any = st,
    help: str | None = None,
    max_chars: int = limits.SMALL_BOX_CHARS,
) -> list[str]:
    """A text area of one sentence per line, kept across pages; returns its first `cap`
    distinct non-blank lines and shows what was merged or cut."""
    limits_note = f"Up to {cap} sentences and {max_chars:,} characters."
    text = limited_text(
        container.text_area, label, key, "\n".join(default), max_chars, height=height,
        help=f"{help} {limits_note}" if help else limits_note,
    )  # fmt: skip
    sentences, messages = first_lines(text, cap)
    show_messages(messages)
    return sentences


@contextmanager
def section(name: str) -> Iterator[None]:
    """Run one section of a page; an error shows as a message here and the rest of the page
    still runs. Streamlit's own stop/rerun signals pass through.

    Input and model errors say what is wrong; a job that was cancelled, stopped at its time cap
    or turned away by a full queue says so with a Retry button; anything else is logged (with its
    traceback, for the server's log) and shown as a short message.
    """
    try:
        yield
    except (InputError, ModelLoadError) as error:
        st.error(str(error))
    except QueueError as error:
        st.warning(str(error))
        backend.retry_button(key=f"retry_{name}")
    except Exception as error:  # noqa: BLE001 - the section fails, never the page
        LOG.exception("section %r failed", name)
        st.error(
            f"This section could not be computed ({type(error).__name__}: "
            f"{model_policy.shown(str(error), 200)}). The rest of the page still works; change "
            "the input and try again."
        )


def share_sentences(texts: list[str], labels: list[str]) -> None:
    """Offer the sentences (and colour labels) a page works on to the other labs."""
    st.session_state[SENTENCES_KEY] = (list(texts), list(labels))


def shared_sentences() -> tuple[list[str], list[str]]:
    """The sentences Explore last used, so no lab asks for them twice; before any visit to
    Explore, its default preset. Labels are "" where there are none."""
    if SENTENCES_KEY not in st.session_state:
        parsed = load_preset(DEFAULT_PRESET)
        share_sentences(parsed.texts, parsed.labels or [""] * len(parsed.texts))
    texts, labels = st.session_state[SENTENCES_KEY]
    return list(texts), list(labels)


def selected_rows(key: str) -> list[int]:
    """Row ids (`customdata[0]`) of the points selected (click, box or lasso) on chart `key`."""
    selection = (st.session_state.get(key) or {}).get("selection") or {}
    return sorted(
        {int(point["customdata"][0]) for point in selection.get("points", [])
         if point.get("customdata")}
    )  # fmt: skip


def or_error(read: Callable[[], T], suffix: str = "") -> T | None:
    """`read()`, or None after showing its `InputError` as an error box (with `suffix`)."""
    try:
        return read()
    except InputError as error:
        st.error(f"{error}{suffix}")
        return None


def or_stop(read: Callable[[], T]) -> T:
    """`read()`; an `InputError` is shown as an error box and stops the page there (whatever
    the user entered stays in its widgets)."""
    value = or_error(read)
    if value is None:
        st.stop()
    return value


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
        "Upload .txt, .md or .pdf files", type=["txt", "md", "pdf"], accept_multiple_files=True,
        key=key, help=help,
    )  # fmt: skip
    ids = tuple(upload.file_id for upload in uploads or [])
    if uploads and (st.session_state.get(store) or ((),))[0] != ids:
        files = [(upload.name, upload.getvalue()) for upload in uploads]
        st.session_state[store] = (ids, *read_uploads(files, backend.uploaded_document))
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


def loaded_cross_encoder(key: str) -> CrossEncoder | None:
    """A cross-encoder named by the user (a hub id or folder; in public mode one of the allowed
    few), loaded only when the user clicks (it may be downloaded); None until then, or with a
    message when it cannot be loaded. The name loaded is kept under `_{key}_loaded`."""
    from components.rerank import LOCAL_CROSS_ENCODER as local  # bm25s: only on this page

    loaded_key = f"_{key}_loaded"
    if model_policy.public_mode():
        name = st.selectbox(
            "Cross-encoder", [local, *model_policy.ALLOWED_CROSS_ENCODERS],
            key=persist(key, local),
            help="Public mode: the offline demo or a small cross-encoder from the hub.",
        )  # fmt: skip
    else:
        name = limited_text(
            st.text_input, "Cross-encoder", key, local, limits.NAME_CHARS,
            help="A Hugging Face id (e.g. cross-encoder/ms-marco-MiniLM-L6-v2) or a local "
            f"folder; loads only when reachable. `{local}` works offline.",
        ).strip()  # fmt: skip
    if name == local:
        st.warning(
            "The local demo cross-encoder is MiniLM with a **new, untrained scoring head**: its "
            "scores are meaningless (the order below is noise). It shows the plumbing offline; "
            "name a trained cross-encoder when this machine has internet."
        )
    if st.session_state.get(loaded_key) != name:
        st.button("Load the cross-encoder and re-rank", key=f"{key.removesuffix('_name')}_load",
                  type="primary", on_click=st.session_state.__setitem__, args=(loaded_key, name))  # fmt: skip
        st.caption("A model loads only when you ask for it (it may be downloaded).")
        return None
    try:
        return backend.cross_encoder(name)
    except ModelLoadError as error:
        st.session_state.pop(loaded_key, None)
        st.error(f"{error} Re-ranking with a cross-encoder is unavailable.")
        return None


def column_pickers(
    columns: list[str],
    text: str | None,
    label: str | None,
    keys: tuple[str, str],
    no_text: str | None = None,
) -> tuple[str | None, str | None]:
    """Side by side: the column holding each row's text (or `no_text`, when offered) and the
    column whose values colour the map (or none). A kept choice that is not a column of this
    table (a new file) goes back to the guesses `text` and `label`."""
    text_options = [*([no_text] if no_text else []), *columns]
    label_options = ["(none)", *columns]
    text_key, label_key = keys
    if st.session_state.get(text_key) not in text_options:
        st.session_state[text_key] = text or no_text
    if st.session_state.get(label_key) not in label_options:
        st.session_state[label_key] = label or "(none)"
    left, right = st.columns(2)
    text = left.selectbox("Text column", text_options, key=text_key)
    label = right.selectbox("Label column (colours the map)", label_options, key=label_key)
    return (None if text == no_text else text), (None if label == "(none)" else label)


def download_buttons(
    formats: Iterable[ExportFormat], key: str, columns: int = 3, **build: Any
) -> None:
    """One download button per export format; a file is built only when its button is clicked
    (`format.build(**build)`, in Streamlit's download thread)."""
    places = st.columns(columns)
    for number, fmt in enumerate(formats):
        places[number % columns].download_button(
            fmt.label, lambda fmt=fmt: fmt.build(**build), file_name=fmt.file_name,
            mime=fmt.mime, key=f"{key}_{number}", on_click="ignore",
        )  # fmt: skip


def number_table(
    data: pd.DataFrame | Mapping[str, Any],
    formats: Mapping[str, str] | None = None,
    *,
    key: str | None = None,
    hide_index: bool = True,
    container: Any = st,
) -> None:
    """A read-only table across the page; `formats` maps a column to its printf format."""
    container.dataframe(
        pd.DataFrame(data),
        hide_index=hide_index,
        width="stretch",
        key=key,
        column_config={
            column: st.column_config.NumberColumn(format=format)
            for column, format in (formats or {}).items()
        },
    )


def metric_row(
    values: Mapping[str, Any],
    help: Mapping[str, str] | None = None,
    deltas: Mapping[str, str] | None = None,
    delta_color: str = "normal",
) -> None:
    """One `st.metric` per label, side by side; `deltas` gives some of them a change."""
    for column, (label, value) in zip(st.columns(len(values)), values.items(), strict=True):
        column.metric(label, value, help=(help or {}).get(label),
                      delta=(deltas or {}).get(label), delta_color=delta_color)  # fmt: skip


def replace_table(name: str, table: pd.DataFrame) -> None:
    """Put a new table in the `table_editor` called `name` (its old edits no longer apply)."""
    st.session_state[f"{name}_table"] = table.reset_index(drop=True)
    version = f"{name}_editor_version"
    st.session_state[version] = st.session_state.get(version, 0) + 1
    st.session_state.pop(f"_{name}_table_edited", None)


def edited_table(name: str) -> pd.DataFrame:
    """The table of `table_editor` `name` with the user's edits of the last run."""
    return st.session_state.get(f"_{name}_table_edited", st.session_state[f"{name}_table"])


def table_editor(name: str, **options: Any) -> pd.DataFrame:
    """An editable table whose edits survive a visit to another page; `replace_table` sets it.

    Streamlit's data editor keeps edits as a diff against the table it was given, under its
    key: a new table gets a new key (a version number), and the edited table is kept aside.
    """
    key = f"{name}_editor_{st.session_state[f'{name}_editor_version']}"
    if key not in st.session_state and f"_{name}_table_edited" in st.session_state:
        st.session_state[f"{name}_table"] = st.session_state[f"_{name}_table_edited"]  # came back
    edited = st.data_editor(st.session_state[f"{name}_table"], key=key, **options)
    st.session_state[f"_{name}_table_edited"] = edited
    return edited


def _add_pasted(name: str) -> None:
    """Append the pasted rows to table `name` (an error leaves the table as it is)."""
    ss = st.session_state
    table, ss[f"_{name}_paste_message"] = append_pasted(
        edited_table(name), ss.get(f"{name}_paste", "")
    )
    if table is not None:
        replace_table(name, table)
        ss[f"{name}_paste"] = ""


def _paste_box(name: str) -> None:
    with st.expander("Paste rows from a spreadsheet"):
        st.text_area(
            "One triplet per line: anchor, positive, negative (tab- or comma-separated)",
            key=f"{name}_paste", height=100, max_chars=limits.PASTE_CHARS,
            help="Copy three columns from a spreadsheet and paste them here. You can also paste "
            f"straight into the table below: select a cell and press Ctrl+V. Up to "
            f"{limits.PASTE_CHARS:,} characters; the table keeps {MAX_TABLE_ROWS:,} rows.",
        )  # fmt: skip
        st.button(
            "Add the pasted rows", key=f"{name}_paste_add", on_click=_add_pasted, args=(name,),
            help="Append the pasted rows to the table below.",
        )  # fmt: skip
        if f"_{name}_paste_message" in st.session_state:
            show_messages([st.session_state.pop(f"_{name}_paste_message")])


def triplet_table(name: str) -> pd.DataFrame:
    """The editable anchor / positive / negative table `name` (a preset on the first visit), fed
    by a preset picker, a CSV upload or pasted rows, with a CSV download; returns it as edited.
    A bad upload or paste leaves the table as it is."""
    if f"{name}_table" not in st.session_state:  # first visit: a preset, no typing needed
        replace_table(name, load_triplet_preset(DEFAULT_TRIPLET_PRESET))
    left, right = st.columns([2, 3])
    preset_picker(
        "Start from a preset", TRIPLET_PRESETS, f"{name}_preset", DEFAULT_TRIPLET_PRESET,
        lambda preset: replace_table(name, load_triplet_preset(preset)), container=left,
        help="Picking a preset replaces the table. The project triplets include hard ones: "
        "negatives that share words with the anchor ('bank account' / 'river bank'), positives "
        "that share none.",
    )  # fmt: skip
    uploaded = right.file_uploader(
        "Or upload a CSV with the columns anchor, positive, negative", type=["csv", "txt"],
        key=f"{name}_upload",
        help=f"Up to {limits.UPLOAD_MB} MB; the table keeps the first {MAX_TABLE_ROWS:,} "
        "rows. A file without one complete row is refused and your table is kept.",
    )  # fmt: skip

    def read(data: bytes, file_name: str) -> list[Message]:
        table, messages = read_triplet_csv(data, file_name)
        replace_table(name, table)
        return messages

    if uploaded is not None:
        read_once(uploaded, f"{name}_upload", read)
    _paste_box(name)
    rows = len(st.session_state[f"{name}_table"])
    edited = table_editor(
        name, num_rows="dynamic", width="stretch", height=min(420, 36 * (rows + 2)),
        column_config={column: st.column_config.TextColumn(column, width="medium",
                                                           max_chars=limits.CELL_CHARS)
                       for column in TRIPLET_COLUMNS},
    )  # fmt: skip
    st.caption(
        "Double-click a cell to edit it, add rows at the bottom, select rows (click left of a "
        "row) and press Delete to remove them. The `row` column in the tables below counts this "
        "table's rows from the top (first row = 1)."
    )
    st.download_button(
        "Download the table (CSV)", table_csv(edited), file_name="triplets.csv",
        mime="text/csv", key=f"{name}_download_csv",
        help="The table as it is now, with your edits, as a CSV you can load again.",
    )  # fmt: skip
    return edited


def chart(figure: Any, key: str, container: Any = st, **options: Any) -> Any:
    """A Plotly figure across its column, under a stable key (for tests and selections).

    In presenter mode the figure gets large fonts and colour-blind-safe colours first.
    """
    if presenter_mode():  # on a copy: the figure may be a cached one that sessions share
        figure = present_figure(type(figure)(figure), _theme())
    return container.plotly_chart(figure, width="stretch", key=key, **options)


@contextmanager
def progress(text: str) -> Iterator[Callable[[float, str], None]]:
    """A progress bar for a long job: yields `show(fraction, text)`; the bar goes at the end."""
    bar = st.progress(0.0, text=text)
    try:
        yield lambda fraction, message: bar.progress(min(max(fraction, 0.0), 1.0), text=message)
    finally:
        bar.empty()


@contextmanager
def live_training(epochs: int) -> Iterator[tuple[Callable[[float, str], None], StepCallback]]:
    """A progress bar and a live loss curve for a training run of `epochs` epochs: yields
    `show(fraction, text)` and the `on_step(step, total, epoch, loss)` that draws each step."""
    losses: list[float] = []
    epoch_of_step: list[int] = []
    with progress("Waiting for other heavy work to finish…") as show:
        curve = st.empty()

        def on_step(step: int, total: int, epoch: int, loss: float) -> None:
            losses.append(loss)
            epoch_of_step.append(epoch)
            show(step / total, f"Epoch {epoch}/{epochs} · step {step}/{total} · loss {loss:.4f}")
            figure = charts.loss_curve(losses, "Training loss (live)", epochs=epoch_of_step)
            curve.plotly_chart(figure, width="stretch")

        yield show, on_step


JOB_POLL_SECONDS = 1.0  # how often the page looks at a background job


def job_progress(job: BackgroundJob[Any], key: str, noun: str = "") -> None:
    """The progress of a background job, redrawn every second on its own (`st.fragment`): the rest
    of the page stays usable. A Cancel button stops it; when it ends the whole page reruns."""

    @st.fragment(run_every=JOB_POLL_SECONDS)
    def status() -> None:
        if not job.running:
            st.rerun()  # the whole page: it draws the result (or says why there is none)
        bar, button = st.columns([5, 1], vertical_alignment="bottom")
        bar.progress(job.share, text=f"{job.text or job.label} · {job.elapsed:.0f} s")
        button.button("Cancel", key=f"{key}_cancel", on_click=job.cancel,
                      help=f"Stop {noun or 'this'}; what is finished is kept.")  # fmt: skip

    status()


def job_outcome(job: BackgroundJob[Any], key: str, what: str) -> bool:
    """For a job that did not finish: say so, with a button to resume or retry (True: clicked)."""
    if job.state == "cancelled":
        st.warning(f"{what} stopped at {job.share:.0%} ({job.text}). Finished parts are kept: "
                   "resuming continues from there.")  # fmt: skip
        return st.button("Resume", key=f"{key}_resume")
    if job.state == "failed":
        st.error(f"{what} failed: {job.error}")
        return st.button("Try again", key=f"{key}_retry")
    return False


def job_result(
    start: Callable[[bool], BackgroundJob[T]],
    key: str,
    noun: str,
    what: str,
    wait: float = 0.5,
    caption: str = "",
) -> T | None:
    """The result of a background job, or None while it runs (its progress is drawn, with
    `caption` above it) or after it stopped (a message and a Resume / Try again button).

    Args:
        start: `start(restart)` returns the session's job (a stopped one is restarted when True).
        key: widget keys of the bar's buttons (`{key}_cancel`, `{key}_resume`, `{key}_retry`).
        noun: what the Cancel button stops ("encoding"); what: what stopped ("Encoding").
        wait: seconds to wait for a job that a cache finishes at once.
    """
    restart_key = f"_{key}_restart"
    job = start(bool(st.session_state.pop(restart_key, False)))
    job.wait(wait)
    if job.state == "running":
        if caption:
            st.caption(caption)
        job_progress(job, key, noun)
        return None
    if job_outcome(job, key, what):
        st.session_state[restart_key] = True
        st.rerun()
    return job.result


def kept_text_upload(
    label: str, key: str, types: list[str], read: Callable[[str, bytes], tuple[str, list]],
    help: str | None = None,
) -> tuple[str, str]:  # fmt: skip
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


def projection_controls(prefix: str) -> tuple[str, int, dict[str, float]]:
    """Side by side: the projection method, 2D or 3D, and the method's parameters (kept under
    `{prefix}_method`, `{prefix}_dims`, ...; the parameters are hidden in presenter mode)."""
    from components.projection import METHOD_NAMES

    controls = st.columns([2, 1, 3])
    method = controls[0].radio(
        "Method", list(METHOD_NAMES)[:3], format_func=METHOD_NAMES.get, horizontal=True,
        key=persist(f"{prefix}_method", "umap"),
        help="UMAP keeps local neighbourhoods and some global shape; PCA is a linear, exact "
        "rotation (fast, but crowds clusters); t-SNE separates clusters well but distorts "
        "distances between them.",
    )  # fmt: skip
    dims = controls[1].radio(
        "View", [2, 3], format_func=lambda d: f"{d}D", horizontal=True,
        key=persist(f"{prefix}_dims", 2),
        help="2D is easier to read; 3D keeps a little more of the structure (drag to rotate).",
    )  # fmt: skip
    params: dict[str, float] = {}
    with controls[2].container(key=f"advanced_{prefix}_params"):  # hidden in presenter mode
        if method == "umap":
            left, right = st.columns(2)
            params["n_neighbors"] = left.slider(
                "Neighbours", 2, 100, key=persist(f"{prefix}_n_neighbors", 15),
                help="How many neighbours UMAP looks at: small = local detail, large = global "
                "shape.",
            )  # fmt: skip
            params["min_dist"] = right.slider(
                "Min distance", 0.0, 0.99, step=0.01, key=persist(f"{prefix}_min_dist", 0.1),
                help="How tightly UMAP may pack points together.",
            )  # fmt: skip
        elif method == "tsne":
            params["perplexity"] = st.slider(
                "Perplexity", 2, 100, key=persist(f"{prefix}_perplexity", 30),
                help="Roughly, the number of neighbours each point cares about.",
            )  # fmt: skip
        else:
            st.caption("PCA has no knobs: it keeps the directions of largest variance.")
    return method, dims, params


def clicked_point(chart_key: str) -> int | None:
    """The row (`customdata[0]`) of the point newly clicked on the chart `chart_key`, once per
    click (None when no new point was picked since the last run)."""
    selection = (st.session_state.get(chart_key) or {}).get("selection", {})
    points = tuple(
        int(point["customdata"][0])
        for point in selection.get("points", [])
        if point.get("customdata")
    )
    applied_key = f"_{chart_key}_applied"
    if not points or points == st.session_state.get(applied_key):
        return None
    st.session_state[applied_key] = points
    return points[0]


def clicked_row(chart_key: str, texts: list[str], keys: tuple[str, str], select_max: int) -> int:
    """The row picked by a click on the chart `chart_key` or kept by the `row_picker` of the same
    `keys` and `select_max` (else 0): a click moves that picker's choice."""
    select_key, number_key = keys
    large = len(texts) > select_max
    row = clicked_point(chart_key)
    if row is not None and row < len(texts):
        st.session_state[number_key if large else select_key] = row + 1 if large else texts[row]
    if large:
        return min(max(int(st.session_state.get(number_key, 1)), 1), len(texts)) - 1
    focus = st.session_state.get(select_key)
    return texts.index(focus) if focus in texts else 0


def row_picker(
    texts: list[str], focus: int, keys: tuple[str, str], select_max: int, container: Any = st,
    help: str | None = None,
) -> int:  # fmt: skip
    """Pick one of the texts: by a select box up to `select_max` of them (under `keys[0]`), by
    its number past that (under `keys[1]`, with the text below). `focus` is picked when the
    kept choice is not one of these texts. Returns the picked row."""
    select_key, number_key = keys
    n = len(texts)
    if n <= select_max:
        if st.session_state.get(select_key) not in texts:
            st.session_state[select_key] = texts[focus]
        return texts.index(container.selectbox("Sentence", texts, key=select_key, help=help))
    st.session_state[number_key] = focus + 1
    row = container.number_input(
        f"Sentence number (1 to {n:,}; or click a point on the map)", 1, n, key=number_key
    ) - 1  # fmt: skip
    container.caption(f"**{row + 1:,}.** {texts[row]}")
    return row


def session_value(key: str, make: Callable[[], T], keep: Callable[[T], bool] | None = None) -> T:
    """This session's value under `key`: made by `make()` when missing or when `keep` rejects it."""
    value = st.session_state.get(key)
    if value is None or (keep is not None and not keep(value)):
        value = st.session_state[key] = make()
    return value


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """`1 triplet`, `3 triplets`, `1,200 sentences`."""
    return f"{count:,} {noun if count == 1 else plural_noun or noun + 's'}"


def _model_label(name: str) -> str:
    if name == DEFAULT_MODEL:
        return "all-MiniLM-L6-v2 (packaged, offline)"
    return name


def _choose_model() -> None:
    choice = st.session_state["model_choice"]
    if choice != CUSTOM_CHOICE:
        st.session_state[backend.MODEL_NAME_KEY] = choice
        st.session_state[_ERROR_KEY] = ""


def _load_custom_model() -> None:
    name = st.session_state.get("model_custom_name", "").strip()
    try:
        backend.get_model(name)
    except ModelLoadError as error:
        st.session_state[_ERROR_KEY] = str(error)
        return
    except Exception as error:  # noqa: BLE001 - a model name never crashes the page
        LOG.exception("loading model %r failed", name)
        st.session_state[_ERROR_KEY] = (
            f"Cannot load `{model_policy.shown(name)}`: {type(error).__name__}."
        )
        return
    st.session_state[_ERROR_KEY] = ""
    loaded = st.session_state.setdefault(_LOADED_KEY, [])
    if name not in loaded:
        loaded.append(name)
    st.session_state["model_choice"] = name
    st.session_state[backend.MODEL_NAME_KEY] = name


def model_sidebar() -> backend.ActiveModel:
    """Draw the sidebar (lab navigation, model picker) and return the model this session uses.

    A failed load shows its message and leaves the previous model in use. In public mode
    (`model_policy.public_mode()`) the picker offers only the allow-listed small models, each
    checked for size before its first download; locally any hub id or folder can be typed.
    """
    backend.start_run()
    backend.warm_up_umap()  # once per process, in the background
    public = model_policy.public_mode()
    session_models = backend.session_model_labels()
    if public:
        offered = [name for name in model_policy.ALLOWED_MODELS if name != DEFAULT_MODEL]
        options = [DEFAULT_MODEL, *offered, *session_models]
    else:
        options = [DEFAULT_MODEL, *st.session_state.get(_LOADED_KEY, []), *session_models]
        options.append(CUSTOM_CHOICE)
    current = st.session_state.get(backend.MODEL_NAME_KEY, DEFAULT_MODEL)
    if current not in options:
        current = st.session_state[backend.MODEL_NAME_KEY] = DEFAULT_MODEL
    try:  # load the picked model before the picker is drawn, so a failure can reset it
        active = backend.active_model()
    except ModelLoadError as error:  # e.g. an allow-listed model that cannot be downloaded
        st.session_state[_ERROR_KEY] = str(error)
        current = st.session_state[backend.MODEL_NAME_KEY] = DEFAULT_MODEL
        st.session_state["model_choice"] = DEFAULT_MODEL
        active = backend.active_model()
    current = st.session_state.get(backend.MODEL_NAME_KEY, DEFAULT_MODEL)  # after an eviction
    if st.session_state.get("model_choice") != CUSTOM_CHOICE:
        # Always re-assert: after a page switch the picker is a new widget that would otherwise
        # start at its first option while another model (e.g. a fine-tuned copy) is in use.
        st.session_state["model_choice"] = current
    with st.sidebar:
        st.page_link("app.py", label="Home", icon="🧭")
        for path, title, _ in LABS:
            if (ROOT / path).exists():
                st.page_link(path, label=title)
        st.divider()
        st.subheader("Model")
        choice = st.selectbox(
            "Sentence encoder",
            options,
            format_func=_model_label,
            key="model_choice",
            on_change=_choose_model,
            help=(
                "Public mode: the packaged all-MiniLM-L6-v2 (offline) or one of a few small "
                f"models (at most {limits.MODEL_MB} MB, downloaded on first use when the server "
                "has internet). Run the lab locally to load any model."
                if public
                else "The packaged all-MiniLM-L6-v2 works offline. Another model loads from a "
                "local folder, or from the Hugging Face hub when this machine has internet."
            ),
        )
        if choice == DEFAULT_MODEL:
            st.selectbox(
                "Encoder backend", list(backend.ENCODERS), format_func=backend.ENCODER_NAMES.get,
                key=persist(backend.ENCODER_KEY, backend.EXACT),
                help=" ".join(f"{text}." for text in backend.ENCODERS.values()),
            )  # fmt: skip
        if choice == CUSTOM_CHOICE:
            st.text_input(
                "Model name or folder",
                key="model_custom_name",
                max_chars=limits.NAME_CHARS,
                placeholder="sentence-transformers/all-mpnet-base-v2",
                help="A Hugging Face id or a folder on this machine. Remote code is never run.",
            )
            st.button(
                "Load model",
                key="model_load",
                on_click=_load_custom_model,
                help="Load the model named above; it stays in the list for this session.",
            )
        if st.session_state.get(_ERROR_KEY):
            st.error(st.session_state[_ERROR_KEY])
        if st.session_state.get(backend.EVICTED_KEY):
            st.warning(st.session_state.pop(backend.EVICTED_KEY))
        st.caption(
            f"In use: **{_model_label(active.info.name)}** · {active.info.dimension}-d vectors · "
            f"window {active.info.max_tokens} tokens · {active.info.source}"
        )
        model_card_box(active)
        if public:
            st.caption("🌐 Public mode: small models only, shared server limits apply.")
        st.caption(backend.cache_stats())
    return active


# ---------------------------------------------------------------- sharing: links, lessons, presenter
PRESENTER_KEY = "presenter_mode"
_RESTORED_KEY = "_pages_restored"  # pages whose link (or lesson) was applied in this session
_LESSON_KEY = "_lesson_loaded"  # the last lesson loaded (its title and what to try / notice)
_LESSON_UPLOAD_ID = "_lesson_upload_id"
_LESSON_MESSAGES = "_lesson_messages"
_LINK_MESSAGES = "_link_messages"
_UNSET = object()  # a widget value to remove: the page then uses its own default


@dataclass(frozen=True)
class Binding:
    """One field of a page state and the widget (session_state key) that holds it.

    `to_widget(state)` is the widget value for a state (default: the field as it is; `_UNSET`
    removes the value so the page picks its own default); `from_widget(value)` turns the
    widget's value back into the field's (default: as it is).
    """

    field: str
    key: str
    to_widget: Callable[[Any], Any] | None = None
    from_widget: Callable[[Any], Any] | None = None


def _optional(field: str) -> Callable[[Any], Any]:
    return lambda state: _UNSET if getattr(state, field) is None else getattr(state, field)


def _preset_text(name: str) -> str:
    return "\n".join(load_preset(name).texts)


def _explore_sentences_to_widget(state: ExploreState) -> str:
    parsed = load_preset(state.preset)
    st.session_state["explore_labels"] = dict(zip(parsed.texts, parsed.labels or [], strict=False))
    return state.sentences if state.sentences is not None else "\n".join(parsed.texts)


def _explore_sentences_from_widget(text: str) -> str | None:
    preset = _stored("explore_preset")
    return None if preset is not None and text == _preset_text(preset) else text


def _triplets_to_widget(state: LossState) -> object:
    rows = state.triplets
    table = (
        load_triplet_preset(state.preset)
        if rows is None
        else pd.DataFrame(list(rows), columns=list(TRIPLET_COLUMNS), dtype=object)
    )
    replace_table("loss", table)
    return _UNSET  # the table editor holds it; nothing else to set


def _table_rows(table: pd.DataFrame) -> tuple[tuple[str, str, str], ...]:
    cells = table.reindex(columns=list(TRIPLET_COLUMNS)).astype(object).where(table.notna(), "")
    return tuple(tuple(str(cell) for cell in row) for row in cells.itertuples(index=False))


def _triplets_from_widget(_: Any) -> Any:
    if "loss_table" not in st.session_state:
        return None
    rows = _table_rows(edited_table("loss"))  # with the edits of the last run
    preset = _stored("loss_preset")
    if preset is not None and rows == _table_rows(load_triplet_preset(preset)):
        return None
    return rows


def _search_window_from_widget(value: int) -> int | None:
    return None if value == st.session_state.get("search_window_default") else value


BINDINGS: dict[str, list[Binding]] = {
    "explore": [
        Binding("preset", "explore_preset"),
        Binding("sentences", "explore_text", _explore_sentences_to_widget,
                _explore_sentences_from_widget),
        Binding("order", "explore_order"),
        Binding("method", "explore_method"),
        Binding("dims", "explore_dims"),
        Binding("n_neighbors", "explore_n_neighbors"),
        Binding("min_dist", "explore_min_dist"),
        Binding("perplexity", "explore_perplexity"),
        Binding("focus", "explore_focus", _optional("focus")),
        Binding("k", "explore_k"),
    ],
    "tokens": [
        Binding("example", "pooling_example"),
        Binding("text", "pooling_text"),
        Binding("words", "pooling_words"),
        Binding("context", "pooling_context"),
        Binding("map_special", "pooling_map_special"),
        Binding("sentences", "pooling_sentences"),
        Binding("focus", "pooling_focus", _optional("focus")),
        Binding("steps", "pooling_steps"),
        Binding("learning_rate", "pooling_learning_rate"),
    ],
    "loss": [
        Binding("preset", "loss_preset"),
        Binding("triplets", "loss_table", _triplets_to_widget, _triplets_from_widget),
        Binding("margin", "loss_margin"),
        Binding("alpha", "loss_alpha"),
        Binding("tau", "loss_tau"),
        Binding("use_negatives", "loss_use_negatives"),
        Binding("focus", "loss_focus"),
        Binding("train_loss", "loss_train_loss"),
        Binding("epochs", "loss_epochs"),
        Binding("batch_size", "loss_batch"),
        Binding("learning_rate", "loss_lr"),
        Binding("held_out", "loss_held_out", _optional("held_out")),
    ],
    "search": [
        Binding("samples", "search_samples", lambda state: list(state.samples), tuple),
        Binding("paste", "search_paste"),
        Binding("window", "search_window", _optional("window"), _search_window_from_widget),
        Binding("overlap", "search_overlap"),
        Binding("view_document", "search_view_document"),
        Binding("ef_search", "search_ef"),
        Binding("k", "search_k"),
        Binding("query", "search_query"),
        Binding("reranker", "search_reranker"),
        Binding("candidates", "search_candidates"),
        Binding("mmr_lambda", "search_mmr_lambda"),
        Binding("pooling", "search_pooling"),
        Binding("temperature", "search_temperature"),
    ],
    "glossary": [Binding("query", "glossary_query")],
}  # fmt: skip


def _stored(key: str) -> Any:
    """A widget's value now, or the copy `persist` kept while its page was not shown."""
    if key in st.session_state:
        return st.session_state[key]
    return st.session_state.get(f"_{key}")


def apply_state(state: Any) -> None:
    """Put a page state into its widgets (before they are drawn)."""
    if state.PAGE == "explore":
        st.session_state["explore_source"] = st.session_state["_explore_source"] = "Type or paste"
    for binding in BINDINGS[state.PAGE]:
        value = (binding.to_widget or (lambda s, f=binding.field: getattr(s, f)))(state)
        if value is _UNSET:
            if binding.to_widget is _triplets_to_widget:
                continue
            st.session_state.pop(binding.key, None)
            st.session_state.pop(f"_{binding.key}", None)
        else:
            st.session_state[binding.key] = st.session_state[f"_{binding.key}"] = value


def current_state(state_type: type) -> Any:
    """The page's state as its widgets hold it now (fields never drawn keep their default)."""
    values = {}
    for binding in BINDINGS[state_type.PAGE]:
        value = _stored(binding.key)
        if value is None and binding.from_widget is not _triplets_from_widget:
            continue
        if binding.from_widget is not None:
            value = binding.from_widget(value)
        checked, problem = check_field(state_type, binding.field, value, "")
        if problem is None:
            values[binding.field] = checked
    return state_type(**values)


def current_lab() -> LabState:
    """Every page's state at once, as this session holds it (for a lesson file)."""
    lab = LabState()
    for state_type in PAGE_STATES.values():
        lab = lab.with_page(current_state(state_type))
    return lab


def _restore_from_link(state_type: type) -> None:
    """On a page's first run in this session, take its inputs from the link, if it has any."""
    restored = st.session_state.setdefault(_RESTORED_KEY, set())
    if state_type.PAGE in restored:
        return
    restored.add(state_type.PAGE)
    params = st.query_params.to_dict()
    if params.pop(PRESENT_PARAM, None) == "1":
        st.session_state[PRESENTER_KEY] = st.session_state[f"_{PRESENTER_KEY}"] = True
    if not params:
        return
    decoded = decode_link(state_type, params)
    apply_state(decoded.state)
    messages = list(decoded.messages)
    if decoded.model != st.session_state.get(backend.MODEL_NAME_KEY, DEFAULT_MODEL):
        messages.append(Message(
            "info", f"This link was made with the model `{decoded.model}`; this page uses the "
            "model picked in the sidebar, so the numbers may differ. Load that model there to "
            "see the same page.",
        ))  # fmt: skip
    st.session_state[_LINK_MESSAGES] = messages


def _write_link(state_type: type, active: backend.ActiveModel) -> Any:
    """Put the page's inputs in the address bar (only when they changed); returns the link."""
    link = encode_link(current_state(state_type), model=active.info.name)
    if st.query_params.to_dict() != link.params:
        st.query_params.from_dict(link.params)
    return link


def presenter_mode() -> bool:
    return bool(st.session_state.get(PRESENTER_KEY, False))


def _theme() -> str:
    theme = getattr(getattr(st.context, "theme", None), "type", None)
    return theme if theme in ("light", "dark") else "light"


def _presenter_style() -> None:
    if presenter_mode():
        st.html(presenter_css(_theme()))


def _lesson_banner(page: str) -> None:
    """Messages about the link this page was opened with, and the loaded lesson's task."""
    show_messages(st.session_state.pop(_LINK_MESSAGES, []))
    show_messages(st.session_state.pop(_LESSON_MESSAGES, []))
    lesson: Lesson | None = st.session_state.get(_LESSON_KEY)
    if (
        lesson is not None
        and lesson.start_page == page
        and (lesson.what_to_try or lesson.what_to_notice)
    ):
        with st.expander(f"📘 Lesson: {lesson.title}", expanded=True):
            st.markdown(f"**What to try.** {lesson.what_to_try}")
            st.markdown(f"**What to notice.** {lesson.what_to_notice}")


def load_lesson(lesson: Lesson) -> None:
    """Put every page of a lesson into the widgets and open its first page."""
    for page in PAGE_STATES:
        apply_state(lesson.lab.page(page))
    st.session_state[_RESTORED_KEY] = set(PAGE_STATES)  # the lesson wins over the old link
    st.session_state[_LESSON_KEY] = lesson
    st.switch_page(PAGE_STATES[lesson.start_page].SCRIPT)


def _read_lesson_upload() -> None:
    uploaded = st.session_state.get("lesson_upload")
    if uploaded is None or uploaded.file_id == st.session_state.get(_LESSON_UPLOAD_ID):
        return
    st.session_state[_LESSON_UPLOAD_ID] = uploaded.file_id
    lesson, messages = lesson_from_json(uploaded.getvalue())
    st.session_state[_LESSON_MESSAGES] = messages
    if lesson is not None:
        st.session_state["_lesson_to_load"] = lesson


def _share_sidebar(state_type: type, active: backend.ActiveModel) -> None:
    """Sidebar: presenter mode, this page's link, and lesson files."""
    pending = st.session_state.pop("_lesson_to_load", None)
    if pending is not None:
        load_lesson(pending)  # switches page: nothing below runs
    link = _write_link(state_type, active)
    with st.sidebar:
        st.divider()
        st.toggle(
            "Presenter mode", key=persist(PRESENTER_KEY, False),
            help="For a projector: large type, fewer controls, and colour-blind-safe colours "
            "(Okabe-Ito categories, cividis and purple-orange heatmaps) in every chart.",
        )  # fmt: skip
        with st.expander("Share & lessons", expanded=False):
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
            st.download_button(
                "Download lesson (every page)",
                # Built now, not on click: a deferred callable runs outside this session's state.
                lesson_to_json(_lesson_now(active, state_type.PAGE)).encode("utf-8"),
                file_name="lesson.json", mime="application/json", key="lesson_download",
                on_click="ignore",
                help="One JSON file with the inputs of every page of the lab; load it here "
                "again, or send it to someone.",
            )  # fmt: skip
            st.file_uploader(
                "Load a lesson file", type=["json"], key="lesson_upload",
                on_change=_read_lesson_upload,
                help="A lesson file (.json) downloaded from this lab or written by a teacher. "
                "It replaces the inputs of every page.",
            )  # fmt: skip
            shipped = shipped_lessons()
            if shipped:
                choice = st.selectbox(
                    "Or open a shipped lesson", list(shipped),
                    format_func=lambda name: shipped[name].title, key="lesson_shipped",
                    help="Lessons written for this lab, each with what to try and what to "
                    "notice.",
                )  # fmt: skip
                if st.button("Open lesson", key="lesson_open"):
                    load_lesson(shipped[choice])


def _lesson_now(active: backend.ActiveModel, page: str) -> Lesson:
    """The whole lab as a lesson that opens on `page` (keeping a loaded lesson's texts)."""
    previous: Lesson | None = st.session_state.get(_LESSON_KEY)
    return Lesson(
        title=previous.title if previous else "My lab",
        what_to_try=previous.what_to_try if previous else "",
        what_to_notice=previous.what_to_notice if previous else "",
        start_page=page,
        model=active.info.name,
        lab=current_lab(),
    )


def model_card_box(active: backend.ActiveModel) -> None:
    """The model's card: what it is made of, read from the loaded model."""
    card = model_card(active.model)
    rows = {
        "vector size": f"{card.dimension} d", "window": f"{card.window} tokens",
        "pooling": card.pooling, "unit length": "yes" if card.normalized else "no",
        "tokenizer": card.tokenizer, "vocabulary": f"{card.vocabulary_size:,} tokens",
        "architecture": card.architecture, "modules": " → ".join(card.modules),
    }  # fmt: skip
    with st.expander("Model card"):
        st.markdown("\n".join(f"- **{name}**: {value}" for name, value in rows.items()))
