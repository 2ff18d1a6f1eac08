"""Where Explore's sentences come from: typed or pasted (from a preset), an uploaded .txt / .csv
file, a large corpus generated offline, or vectors made elsewhere with their metadata."""

from __future__ import annotations

import streamlit as st

from components.content import lab_notes as notes
from components.core import limits
from components.core.texts import (
    ParsedInput,
    guess_text_column,
    parse_lines,
    texts_from_table,
)
from components.data.imported_vectors import describe, text_and_label_columns, texts_and_labels
from components.data.samples import DEFAULT_PRESET, PRESETS, load_preset
from components.data.sentence_input import read_sentence_file
from components.data.vector_io import FORMATS_HELP, ImportedVectors, check_upload_size
from components.explore import scale
from components.services.inputs import generated_corpus, imported_vectors, uploaded_csv
from components.services.session_keys import (
    EXPLORE_LABELS_KEY,
    EXPLORE_PRESET_KEY,
    EXPLORE_SOURCE_KEY,
    EXPLORE_TEXT_KEY,
)
from components.widgets.inputs import column_pickers, limited_text, preset_picker
from components.widgets.layout import show_messages
from components.widgets.state import kept_copy_key, persist, set_persisted
from components.widgets.uploads import kept_text_upload, kept_uploads

TYPE, UPLOAD, VECTORS = "Type or paste", "Upload a file", "Bring your own vectors"
GENERATE = "Generate a large corpus"
VECTOR_TYPES = ["tsv", "txt", "csv", "npy", "parquet"]


def use_preset(name: str) -> None:
    """Replace the text (and the labels that colour the map) with a preset's sentences."""
    parsed = load_preset(name)
    set_persisted(EXPLORE_TEXT_KEY, "\n".join(parsed.texts))
    st.session_state[EXPLORE_LABELS_KEY] = dict(
        zip(parsed.texts, parsed.labels or [], strict=False)
    )


def typed_sentences() -> ParsedInput:
    """A preset picker over a text area of one sentence per line (a preset's lines keep their
    labels)."""
    preset = preset_picker(
        "Start from a preset",
        PRESETS,
        EXPLORE_PRESET_KEY,
        DEFAULT_PRESET,
        use_preset,
        help=notes.EXPLORE_PRESET_HELP,
    )
    if st.session_state.get(EXPLORE_TEXT_KEY, "") == "\n".join(load_preset(preset).texts):
        st.caption(PRESETS[preset].description)  # never a value the client made up
    else:  # typed, edited or opened from a lesson: the box shows where it started, not this
        st.caption(
            "**Your own sentences** below (edited, typed or from a lesson), not the preset "
            "named above: pick a preset to replace them."
        )
    text = limited_text(
        st.text_area,
        "One sentence per line",
        EXPLORE_TEXT_KEY,
        "",
        limits.EXPLORE_CHARS,
        height=220,
        help=notes.EXPLORE_TEXT_HELP,
    )
    return parse_lines(text, st.session_state.get(EXPLORE_LABELS_KEY))


def uploaded_sentences() -> ParsedInput:
    """A .txt file of one sentence per line, or a .csv file with its text and label columns."""
    name, content = kept_text_upload(
        "A .txt file (one sentence per line) or a .csv file (pick its text column)",
        "explore_upload",
        ["txt", "csv"],
        read_sentence_file,
        help=f"Up to {limits.UPLOAD_MB} MB; the first {limits.SENTENCES:,} sentences are used.",
    )
    if not name.lower().endswith(".csv"):
        return parse_lines(content)
    table = uploaded_csv(content).table  # parsed once per upload, not per rerun
    text, label = column_pickers(
        list(table.columns),
        guess_text_column(table),
        None,
        ("explore_text_column", "explore_label_column"),
    )
    return texts_from_table(table, text, label)


def own_vectors() -> tuple[ParsedInput, ImportedVectors]:
    """Vectors made elsewhere, with the texts and labels of their metadata columns."""
    files = kept_uploads(
        f"Your vectors: {FORMATS_HELP}",
        VECTOR_TYPES,
        "explore_vectors",
        check_upload_size,
        help=notes.EXPLORE_VECTORS_HELP,
    )
    imported = imported_vectors(files)
    st.caption(describe(imported))
    show_messages(imported.messages)
    text, label = column_pickers(
        [str(column) for column in imported.metadata.columns],
        *text_and_label_columns(imported.metadata),
        ("explore_vectors_text_column", "explore_vectors_label_column"),
        no_text="(row numbers)",
    )
    return ParsedInput(*texts_and_labels(imported.metadata, text, label)), imported


def generated_sentences() -> ParsedInput:
    """A corpus of up to 100,000 sentences grown offline from the shipped texts."""
    left, right = st.columns([3, 1])
    n = left.slider(
        "Sentences",
        1_000,
        limits.SENTENCES,
        step=1_000,
        key=persist("explore_generate_n", 20_000),
        help=notes.EXPLORE_GENERATE_HELP,
    )
    seed = right.number_input("Seed", 0, 999, key=persist("explore_generate_seed", 0))
    corpus = generated_corpus(int(n), int(seed))
    st.caption(notes.explore_generated(n, len(set(corpus.labels))))
    return ParsedInput(corpus.texts, corpus.labels)


def sentence_source() -> tuple[ParsedInput, ImportedVectors | None]:
    """The choice of where the sentences come from, then that source's widgets: the sentences
    (with their messages and labels) and, for the user's own vectors, what was imported."""
    if (
        kept_copy_key(EXPLORE_TEXT_KEY) not in st.session_state
    ):  # first visit: the default preset, no typing
        use_preset(DEFAULT_PRESET)
    source = st.radio(
        "Where the sentences come from",
        [TYPE, UPLOAD, GENERATE, VECTORS],
        horizontal=True,
        key=persist(EXPLORE_SOURCE_KEY, TYPE),
        help=notes.explore_sources(scale.LIMITS_TEXT, VECTORS),
    )
    if source == VECTORS:
        return own_vectors()
    sources = {TYPE: typed_sentences, UPLOAD: uploaded_sentences, GENERATE: generated_sentences}
    return sources[source](), None
