"""Explore: encode sentences, compare them by cosine, and map the space they live in."""

from __future__ import annotations

import numpy as np
import streamlit as st

from components import backend, charts, limits
from components.backend import ActiveModel
from components.projection import METHOD_NAMES, ProjectionResult
from components.samples import (
    DEFAULT_PRESET,
    PARAPHRASE,
    PRESETS,
    REFERENCE_DEMO_CLAIMS,
    load_preset,
)
from components.search import top_k
from components.similarity import cosine_similarity_matrix, mean_pairwise_cosine
from components.tables import vectors_table
from components.texts import (
    InputError,
    Message,
    ParsedInput,
    decode_upload,
    guess_text_column,
    parse_csv,
    parse_lines,
    texts_from_table,
)
from components.widgets import (
    chart,
    limited_text,
    metric_row,
    number_table,
    page_done,
    page_setup,
    persist,
    plural,
    preset_picker,
    section,
    show_messages,
)

HEATMAP_MAX = limits.HEATMAP_SENTENCES  # more cells make a slow, unreadable (and heavy) heatmap
VALUES_MAX = 20  # print the cosine in each cell up to this many sentences
MAX_COLOURS = 24  # a label column with more distinct values is not used for colour
TYPE, UPLOAD = "Type or paste", "Upload a file"
UPLOAD_KEY = "_explore_uploaded"  # session_state: the last good upload (name, text), kept


def use_preset(name: str) -> None:
    """Replace the text (and the labels that colour the map) with a preset's sentences."""
    parsed = load_preset(name)
    st.session_state["explore_text"] = st.session_state["_explore_text"] = "\n".join(parsed.texts)
    st.session_state["explore_labels"] = dict(zip(parsed.texts, parsed.labels or [], strict=False))


def typed_sentences() -> ParsedInput:
    preset_picker(
        "Start from a preset", PRESETS, "explore_preset", DEFAULT_PRESET, use_preset,
        help="Picking a preset replaces the text below. Each preset's sentences carry a label "
        "used for colour; lines you type yourself are labelled 'typed'.",
    )  # fmt: skip
    st.caption(PRESETS[st.session_state["explore_preset"]].description)
    text = limited_text(
        st.text_area, "One sentence per line", "explore_text", "", limits.EXPLORE_CHARS,
        height=220,
        help=f"Blank lines and duplicates are ignored. Up to {limits.SENTENCES:,} sentences and "
        f"{limits.EXPLORE_CHARS:,} characters; each sentence up to "
        f"{limits.SENTENCE_CHARS:,} characters.",
    )  # fmt: skip
    return parse_lines(text, st.session_state.get("explore_labels"))


def read_file(name: str, data: bytes) -> None:
    """Keep a good upload's text in the session (it survives a page switch, where the upload
    widget forgets its file); a bad one gets a message and the previous upload stays."""
    try:
        content, messages = decode_upload(data, name)
        if name.lower().endswith(".csv"):
            parsed_csv = parse_csv(content)
            messages += parsed_csv.messages
            if not any(parsed_csv.table[column].str.strip().ne("").any()
                       for column in parsed_csv.table.columns):  # fmt: skip
                raise InputError(f"`{name}` has no text in any column.")
        elif not parse_lines(content).texts:
            raise InputError(f"`{name}` has no sentences (only blank lines).")
    except InputError as error:
        kept = st.session_state.get(UPLOAD_KEY)
        suffix = f" `{kept[0]}` is still used." if kept else ""
        st.session_state["_explore_upload_messages"] = [Message("error", f"{error}{suffix}")]
        return
    st.session_state[UPLOAD_KEY] = (name, content)
    st.session_state["_explore_upload_messages"] = messages


def uploaded_sentences() -> ParsedInput:
    returning = "explore_upload" not in st.session_state  # the widget was not drawn last run
    uploaded = st.file_uploader(
        "A .txt file (one sentence per line) or a .csv file (pick its text column)",
        type=["txt", "csv"], key="explore_upload",
        help=f"Up to {limits.UPLOAD_MB} MB; the first {limits.SENTENCES:,} sentences are used.",
    )  # fmt: skip
    if uploaded is not None and uploaded.file_id != st.session_state.get("_explore_upload_id"):
        st.session_state["_explore_upload_id"] = uploaded.file_id
        read_file(uploaded.name, uploaded.getvalue())
    elif uploaded is None and not returning:  # the user removed the file
        for key in (UPLOAD_KEY, "_explore_upload_id", "_explore_upload_messages"):
            st.session_state.pop(key, None)
    show_messages(st.session_state.get("_explore_upload_messages", []))
    kept = st.session_state.get(UPLOAD_KEY)
    if kept is None:
        st.info("Choose a file, or switch back to typing. Your typed text is kept.")
        st.stop()
    name, content = kept
    if uploaded is None:
        st.caption(f"Using `{name}`, uploaded earlier in this session.")
    if not name.lower().endswith(".csv"):
        return parse_lines(content)
    table = parse_csv(content).table
    columns = list(table.columns)
    left, right = st.columns(2)
    guess = guess_text_column(table)
    if st.session_state.get("explore_text_column") not in columns:
        st.session_state["explore_text_column"] = guess
    if st.session_state.get("explore_label_column") not in ["(none)", *columns]:
        st.session_state["explore_label_column"] = "(none)"
    text_column = left.selectbox("Text column", columns, key="explore_text_column")
    label_column = right.selectbox(
        "Label column (colours the map)", ["(none)", *columns], key="explore_label_column"
    )
    label = None if label_column == "(none)" else label_column
    return texts_from_table(table, text_column, label)


def sentences_section() -> tuple[list[str], list[str]]:
    """The sentences and their colour labels ("" for none); stops the page when there are none."""
    st.header("1 · Your sentences")
    if "_explore_text" not in st.session_state:  # first visit: the default preset, no typing
        use_preset(DEFAULT_PRESET)
    source = st.radio(
        "Where the sentences come from", [TYPE, UPLOAD], horizontal=True,
        key=persist("explore_source", TYPE),
    )  # fmt: skip
    parsed = typed_sentences() if source == TYPE else uploaded_sentences()
    show_messages(parsed.messages)
    texts = parsed.texts
    if not texts:
        st.stop()
    labels = parsed.labels or [""] * len(texts)
    if set(labels) == {"typed"}:  # nothing from a preset left: one colour, no legend
        labels = [""] * len(texts)
    if len(set(labels)) > MAX_COLOURS:
        st.warning(
            f"The labels have {len(set(labels))} different values; colours are only readable up "
            f"to {MAX_COLOURS}, so the map is drawn in one colour."
        )
        labels = [""] * len(texts)
    return texts, labels


def encode_section(active: ActiveModel, texts: list[str]) -> np.ndarray:
    """The sentence vectors (n, dim), with a warning for sentences past the window."""
    counts = backend.token_counts(active, tuple(texts))
    too_long = [i for i, count in enumerate(counts) if count > active.info.max_tokens]
    if too_long:
        lines = ", ".join(str(i + 1) for i in too_long[:10]) + (" …" if len(too_long) > 10 else "")
        st.warning(
            f"{len(too_long)} sentence{'s are' if len(too_long) > 1 else ' is'} longer than the "
            f"model's window of {active.info.max_tokens} tokens (sentence {lines}): the model "
            "reads only the first tokens and silently ignores the rest. Split long text into chunks."
        )
    vectors = backend.embed_texts(active, texts)  # (n, dim), unit length
    metric_row({
        "Sentences": f"{len(texts):,}",
        "Vector size": f"{vectors.shape[1]} d",
        "Longest sentence": f"{max(counts)} tokens",
        "Mean cosine (pairs)": f"{mean_pairwise_cosine(vectors):.3f}" if len(texts) > 1 else "—",
    })  # fmt: skip
    return vectors


def heatmap_section(active: ActiveModel, texts: list[str], vectors: np.ndarray) -> None:
    st.header("2 · Cosine similarity of every pair")
    order = st.radio(
        "Order", ["Input order", "Clustered"], horizontal=True,
        key=persist("explore_order", "Clustered"),
        help="Clustered puts sentences that are similar to each other next to each other, so "
        "topics show up as blocks along the diagonal.",
    )  # fmt: skip
    n = len(texts)
    if n > HEATMAP_MAX:
        st.caption(
            f"The heatmap shows the first {HEATMAP_MAX} of {n:,} sentences; the map and the "
            "neighbour search below use all of them."
        )
    figure = backend.similarity_figure(
        active, texts, vectors, rows=min(n, HEATMAP_MAX), clustered=order == "Clustered",
        show_values=n <= VALUES_MAX,
    )  # fmt: skip
    chart(figure, "explore_heatmap")
    st.caption(
        "Red: similar (cosine → 1), white: unrelated (≈ 0), blue: pointing away (< 0). Hover a "
        "cell for both sentences. The diagonal is each sentence with itself (1.000)."
    )


def projection_controls() -> tuple[str, int, dict[str, float]]:
    """(method, 2 or 3 dimensions, the method's parameters) as the user set them."""
    controls = st.columns([2, 1, 3])
    method = controls[0].radio(
        "Method", list(METHOD_NAMES)[:3], format_func=METHOD_NAMES.get, horizontal=True,
        key=persist("explore_method", "umap"),
        help="UMAP keeps local neighbourhoods and some global shape; PCA is a linear, exact "
        "rotation (fast, but crowds clusters); t-SNE separates clusters well but distorts "
        "distances between them.",
    )  # fmt: skip
    dims = controls[1].radio(
        "View", [2, 3], format_func=lambda d: f"{d}D", horizontal=True,
        key=persist("explore_dims", 2),
    )  # fmt: skip
    params: dict[str, float] = {}
    with controls[2]:
        if method == "umap":
            left, right = st.columns(2)
            params["n_neighbors"] = left.slider(
                "Neighbours", 2, 100, key=persist("explore_n_neighbors", 15),
                help="How many neighbours UMAP looks at: small = local detail, large = global "
                "shape.",
            )  # fmt: skip
            params["min_dist"] = right.slider(
                "Min distance", 0.0, 0.99, step=0.01, key=persist("explore_min_dist", 0.1),
                help="How tightly UMAP may pack points together.",
            )  # fmt: skip
        elif method == "tsne":
            params["perplexity"] = st.slider(
                "Perplexity", 2, 100, key=persist("explore_perplexity", 30),
                help="Roughly, the number of neighbours each point cares about.",
            )  # fmt: skip
        else:
            st.caption("PCA has no knobs: it keeps the directions of largest variance.")
    return method, dims, params


def clicked_sentence(texts: list[str]) -> int:
    """The row of the sentence picked by a click on the map (or in the list below), else 0."""
    selection = (st.session_state.get("explore_scatter") or {}).get("selection", {})
    points = tuple(
        int(point["customdata"][0])
        for point in selection.get("points", [])
        if point.get("customdata")
    )
    if points and points != st.session_state.get("_explore_applied_points"):
        st.session_state["_explore_applied_points"] = points
        if points[0] < len(texts):
            st.session_state["explore_focus"] = texts[points[0]]
    focus = st.session_state.get("explore_focus")
    return texts.index(focus) if focus in texts else 0


def map_section(
    active: ActiveModel, texts: list[str], labels: list[str], vectors: np.ndarray
) -> int:
    """The projection of every sentence; returns the sentence picked on it."""
    st.header("3 · A map of the space")
    st.caption(
        f"The vectors have {vectors.shape[1]} dimensions; a projection squeezes them onto a "
        "screen. Distances on the map are approximate: trust the cosine numbers over the picture."
    )
    method, dims, params = projection_controls()
    with st.spinner(f"Projecting {len(texts):,} sentences with {METHOD_NAMES[method]}…"):
        projection: ProjectionResult = backend.projection(
            active, tuple(texts), method, dims, tuple(sorted(params.items())), vectors
        )
    if projection.note:
        st.info(projection.note)
    focus = clicked_sentence(texts)
    scatter = charts.projection_scatter(projection.coords, texts, labels, highlight=focus)
    chart(scatter, "explore_scatter", on_select="rerun", selection_mode="points")
    st.caption(
        f"{METHOD_NAMES[projection.method_used]} projection · hover a point to read it · "
        "click a point to list its nearest neighbours below."
    )
    return focus


def neighbours_section(
    texts: list[str], labels: list[str], vectors: np.ndarray, focus: int
) -> None:
    st.header("4 · Nearest neighbours")
    n = len(texts)
    if n < 2:
        st.info("Add a second sentence to see neighbours.")
        return
    if st.session_state.get("explore_focus") not in texts:
        st.session_state["explore_focus"] = texts[focus]
    left, right = st.columns([3, 1])
    focus = texts.index(left.selectbox("Sentence", texts, key="explore_focus"))
    if n > 2:  # a slider needs two different ends
        k = right.slider("How many", 1, min(20, n - 1), min(5, n - 1), key="explore_k")
    else:
        k = 1
        right.caption("With two sentences, each is the other's only neighbour.")
    indices, scores = top_k(vectors[focus], vectors, k + 1)
    keep = indices != focus
    indices, scores = indices[keep][:k], scores[keep][:k]
    neighbours = [texts[i] for i in indices]
    chart(charts.neighbor_bars(neighbours, scores.tolist()), "explore_neighbors")
    number_table(
        {"neighbour": neighbours, "label": [labels[i] for i in indices], "cosine": scores},
        {"cosine": "%.4f"},
    )


def vectors_section(
    active: ActiveModel, texts: list[str], labels: list[str], vectors: np.ndarray
) -> None:
    st.header("5 · The vectors themselves")
    st.caption(
        f"Each row is one sentence's {vectors.shape[1]}-d vector (unit length, so cosine = dot "
        "product). Individual dimensions mean nothing on their own; only directions do."
    )
    number_table(vectors_table(texts[:50], labels[:50], vectors[:50], max_dims=12))
    st.download_button(
        f"Download all {plural(len(texts), 'vector')} (CSV)",
        lambda: backend.embeddings_csv(active, texts, labels, vectors),
        file_name="embeddings.csv", mime="text/csv", key="explore_download", on_click="ignore",
        help="Cells that start like a spreadsheet formula (=, +, -, @) get a leading ' so a "
        "spreadsheet shows them as text.",
    )  # fmt: skip


def reference_demo_section(active: ActiveModel) -> None:
    st.header("6 · The lesson's demo, with real numbers")
    demo = load_preset("Reference demo: physics and tacos").texts
    similarity = cosine_similarity_matrix(backend.embed_texts(active, [*demo, PARAPHRASE]))
    st.markdown(
        "The lesson encodes three sentences and promises that the two physics sentences score "
        "**~0.6–0.8** and physics vs tacos **near zero**. Here is what the model really says:"
    )
    number_table(
        {
            "pair": [*REFERENCE_DEMO_CLAIMS, "physics ↔ its paraphrase"],
            "sentence A": [demo[0]] * 3,
            "sentence B": [demo[1], demo[2], PARAPHRASE],
            "lesson claims": [*REFERENCE_DEMO_CLAIMS.values(), "(not in the lesson)"],
            "this model": similarity[0, 1:4],
        },
        {"this model": "%.3f"},
    )
    st.markdown(
        f"With **{active.info.short_name}** the two physics sentences score "
        f"**{similarity[0, 1]:.3f}**: hardly closer than physics and tacos "
        f"(**{similarity[0, 2]:.3f}**). The claim is wrong for this model, and the reason is the "
        "lesson itself: the model learned from *pairs that mean the same thing* (duplicate "
        "questions, paraphrases). Entanglement and superconductivity share a field, not a "
        f"meaning, so their vectors are nearly orthogonal. A real paraphrase scores "
        f"**{similarity[0, 3]:.3f}**. Cosine measures *same meaning*, not *same subject*: keep "
        "that in mind before trusting a similarity threshold in a search system."
    )


active = page_setup("Explore", "🔭")
st.title("🔭 Explore the embedding space")
st.caption(
    "Each sentence becomes one vector. Sentences that mean similar things should point the same "
    "way: their cosine similarity is close to 1. Unrelated ones sit near 0."
)
vectors = None
with section("sentences"):
    texts, labels = sentences_section()
    vectors = encode_section(active, texts)
if vectors is None:  # the sentences could not be read or encoded: the message is above
    st.stop()
with section("heatmap"):
    heatmap_section(active, texts, vectors)
focus = 0
with section("map"):
    focus = map_section(active, texts, labels, vectors)
with section("neighbours"):
    neighbours_section(texts, labels, vectors, focus)
with section("vectors"):
    vectors_section(active, texts, labels, vectors)
with section("reference demo"):
    reference_demo_section(active)
page_done()
