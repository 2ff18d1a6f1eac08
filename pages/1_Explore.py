"""Explore: encode sentences, compare them by cosine, and map the space they live in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from components import backend, charts
from components.projection import METHOD_NAMES
from components.samples import DEFAULT_PRESET, PRESETS, REFERENCE_DEMO_CLAIMS, load_preset
from components.search import top_k
from components.similarity import cluster_order, cosine_similarity_matrix, mean_pairwise_cosine
from components.tables import vectors_table
from components.texts import (
    InputError,
    decode_upload,
    guess_text_column,
    parse_lines,
    read_csv,
    texts_from_table,
)
from components.widgets import model_sidebar, persist, show_messages

st.set_page_config(page_title="Explore · Sentence Embedding Lab", page_icon="🔭", layout="wide")
active = model_sidebar()

HEATMAP_MAX = 300  # more cells than 300 x 300 make a slow, unreadable heatmap
VALUES_MAX = 20  # print the cosine in each cell up to this many sentences
MAX_COLOURS = 24  # a label column with more distinct values is not used for colour
TYPE, UPLOAD = "Type or paste", "Upload a file"

st.title("🔭 Explore the embedding space")
st.caption(
    "Each sentence becomes one vector. Sentences that mean similar things should point the same "
    "way: their cosine similarity is close to 1. Unrelated ones sit near 0."
)


# ---------------------------------------------------------------- 1. The sentences
def _apply_preset() -> None:
    parsed = load_preset(st.session_state["explore_preset"])
    st.session_state["explore_text"] = "\n".join(parsed.texts)
    st.session_state["explore_labels"] = dict(zip(parsed.texts, parsed.labels or [], strict=False))


if "_explore_text" not in st.session_state:  # first visit: the default preset, no typing needed
    default = load_preset(DEFAULT_PRESET)
    st.session_state["_explore_text"] = "\n".join(default.texts)
    st.session_state["explore_labels"] = dict(zip(default.texts, default.labels, strict=False))

st.header("1 · Your sentences")
source = st.radio(
    "Where the sentences come from",
    [TYPE, UPLOAD],
    horizontal=True,
    key=persist("explore_source", TYPE),
)
messages = []
if source == TYPE:
    st.selectbox(
        "Start from a preset",
        list(PRESETS),
        key=persist("explore_preset", DEFAULT_PRESET),
        on_change=_apply_preset,
        help="Picking a preset replaces the text below. Each preset's sentences carry a label "
        "used for colour; lines you type yourself are labelled 'typed'.",
    )
    st.caption(PRESETS[st.session_state["explore_preset"]].description)
    text = st.text_area(
        "One sentence per line",
        key=persist("explore_text", ""),
        height=220,
        help="Blank lines and duplicates are ignored. Up to 5,000 sentences.",
    )
    parsed = parse_lines(text, st.session_state.get("explore_labels"))
else:
    uploaded = st.file_uploader(
        "A .txt file (one sentence per line) or a .csv file (pick its text column)",
        type=["txt", "csv"],
        key="explore_upload",
    )
    if uploaded is None:
        st.info("Choose a file, or switch back to typing. Your typed text is kept.")
        st.stop()
    try:
        content, messages = decode_upload(uploaded.getvalue(), uploaded.name)
        if uploaded.name.lower().endswith(".csv"):
            table = read_csv(content)
            columns = list(table.columns)
            left, right = st.columns(2)
            text_column = left.selectbox(
                "Text column",
                columns,
                index=columns.index(guess_text_column(table)),
                key="explore_text_column",
            )
            label_column = right.selectbox(
                "Label column (colours the map)", ["(none)", *columns], key="explore_label_column"
            )
            parsed = texts_from_table(
                table, text_column, None if label_column == "(none)" else label_column
            )
        else:
            parsed = parse_lines(content)
    except InputError as error:
        st.error(str(error))
        st.stop()

show_messages([*messages, *parsed.messages])
texts = parsed.texts
if not texts:
    st.stop()
labels = parsed.labels or [""] * len(texts)
if set(labels) == {"typed"}:  # nothing from a preset left: one colour, no legend
    labels = [""] * len(texts)
if len(set(labels)) > MAX_COLOURS:
    st.warning(
        f"The labels have {len(set(labels))} different values; colours are only readable up to "
        f"{MAX_COLOURS}, so the map is drawn in one colour."
    )
    labels = [""] * len(texts)

counts = backend.token_counts(active.key, tuple(texts), active.model)
too_long = [i for i, count in enumerate(counts) if count > active.info.max_tokens]
if too_long:
    lines = ", ".join(str(i + 1) for i in too_long[:10]) + (" …" if len(too_long) > 10 else "")
    st.warning(
        f"{len(too_long)} sentence{'s are' if len(too_long) > 1 else ' is'} longer than the "
        f"model's window of {active.info.max_tokens} tokens (sentence {lines}): the model reads "
        "only the first tokens and silently ignores the rest. Split long text into chunks."
    )

vectors = backend.embed_texts(active, texts)  # (n, dim), unit length
n = len(texts)
metric_columns = st.columns(4)
metric_columns[0].metric("Sentences", f"{n:,}")
metric_columns[1].metric("Vector size", f"{vectors.shape[1]} d")
metric_columns[2].metric("Longest sentence", f"{max(counts)} tokens")
metric_columns[3].metric(
    "Mean cosine (pairs)", f"{mean_pairwise_cosine(vectors):.3f}" if n > 1 else "—"
)

# ---------------------------------------------------------------- 2. Heatmap
st.header("2 · Cosine similarity of every pair")
order_choice = st.radio(
    "Order",
    ["Input order", "Clustered"],
    horizontal=True,
    key=persist("explore_order", "Clustered"),
    help="Clustered puts sentences that are similar to each other next to each other, so topics "
    "show up as blocks along the diagonal.",
)
shown = np.arange(min(n, HEATMAP_MAX))
if n > HEATMAP_MAX:
    st.caption(
        f"The heatmap shows the first {HEATMAP_MAX} of {n:,} sentences; the map and the "
        "neighbour search below use all of them."
    )
similarity = cosine_similarity_matrix(vectors[shown])  # (shown, shown): never the full n x n
if order_choice == "Clustered":
    order = cluster_order(similarity)
    shown, similarity = shown[order], similarity[np.ix_(order, order)]
st.plotly_chart(
    charts.similarity_heatmap(
        similarity,
        [texts[i] for i in shown],
        show_values=n <= VALUES_MAX,
        numbers=(shown + 1).tolist(),
    ),
    width="stretch",
    key="explore_heatmap",
)
st.caption(
    "Red: similar (cosine → 1), white: unrelated (≈ 0), blue: pointing away (< 0). Hover a cell "
    "for both sentences. The diagonal is each sentence with itself (1.000)."
)

# ---------------------------------------------------------------- 3. Map
st.header("3 · A map of the space")
st.caption(
    f"The vectors have {vectors.shape[1]} dimensions; a projection squeezes them onto a screen. "
    "Distances on the map are approximate: trust the cosine numbers over the picture."
)
controls = st.columns([2, 1, 3])
method = controls[0].radio(
    "Method",
    list(METHOD_NAMES)[:3],
    format_func=METHOD_NAMES.get,
    horizontal=True,
    key=persist("explore_method", "umap"),
    help="UMAP keeps local neighbourhoods and some global shape; PCA is a linear, exact rotation "
    "(fast, but crowds clusters); t-SNE separates clusters well but distorts distances between them.",
)
dims = controls[1].radio(
    "View", [2, 3], format_func=lambda d: f"{d}D", horizontal=True, key=persist("explore_dims", 2)
)
params: dict[str, float] = {}
with controls[2]:
    if method == "umap":
        slider_columns = st.columns(2)
        params["n_neighbors"] = slider_columns[0].slider(
            "Neighbours",
            2,
            100,
            key=persist("explore_n_neighbors", 15),
            help="How many neighbours UMAP looks at: small = local detail, large = global shape.",
        )
        params["min_dist"] = slider_columns[1].slider(
            "Min distance",
            0.0,
            0.99,
            step=0.01,
            key=persist("explore_min_dist", 0.1),
            help="How tightly UMAP may pack points together.",
        )
    elif method == "tsne":
        params["perplexity"] = st.slider(
            "Perplexity",
            2,
            100,
            key=persist("explore_perplexity", 30),
            help="Roughly, the number of neighbours each point cares about.",
        )
    else:
        st.caption("PCA has no knobs: it keeps the directions of largest variance.")

with st.spinner(f"Projecting {n:,} sentences with {METHOD_NAMES[method]}…"):
    projection = backend.project_texts(
        active.key, tuple(texts), method, dims, tuple(sorted(params.items())), vectors
    )
if projection.note:
    st.info(projection.note)

# A click on the map picks the sentence whose neighbours are listed below.
selection = (st.session_state.get("explore_scatter") or {}).get("selection", {})
points = tuple(
    int(point["customdata"][0]) for point in selection.get("points", []) if point.get("customdata")
)
if points and points != st.session_state.get("_explore_applied_points"):
    st.session_state["_explore_applied_points"] = points
    if points[0] < n:
        st.session_state["explore_focus"] = texts[points[0]]
focus_text = st.session_state.get("explore_focus")
focus = texts.index(focus_text) if focus_text in texts else 0

st.plotly_chart(
    charts.projection_scatter(projection.coords, texts, labels, highlight=focus),
    width="stretch",
    key="explore_scatter",
    on_select="rerun",
    selection_mode="points",
)
st.caption(
    f"{METHOD_NAMES[projection.method_used]} projection · hover a point to read it · "
    "click a point to list its nearest neighbours below."
)

# ---------------------------------------------------------------- 4. Neighbours
st.header("4 · Nearest neighbours")
if n < 2:
    st.info("Add a second sentence to see neighbours.")
else:
    if st.session_state.get("explore_focus") not in texts:
        st.session_state["explore_focus"] = texts[focus]
    left, right = st.columns([3, 1])
    focus_text = left.selectbox("Sentence", texts, key="explore_focus")
    k = right.slider("How many", 1, min(20, n - 1), min(5, n - 1), key="explore_k")
    focus = texts.index(focus_text)
    indices, scores = top_k(vectors[focus], vectors, k + 1)
    keep = indices != focus
    indices, scores = indices[keep][:k], scores[keep][:k]
    st.plotly_chart(
        charts.neighbor_bars([texts[i] for i in indices], scores.tolist()),
        width="stretch",
        key="explore_neighbors",
    )
    st.dataframe(
        pd.DataFrame(
            {
                "neighbour": [texts[i] for i in indices],
                "label": [labels[i] for i in indices],
                "cosine": scores,
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={"cosine": st.column_config.NumberColumn(format="%.4f")},
    )

# ---------------------------------------------------------------- 5. The vectors themselves
st.header("5 · The vectors themselves")
st.caption(
    f"Each row is one sentence's {vectors.shape[1]}-d vector (unit length, so cosine = dot "
    "product). Individual dimensions mean nothing on their own; only directions do."
)
st.dataframe(
    vectors_table(texts[:50], labels[:50], vectors[:50], max_dims=12),
    hide_index=True,
    width="stretch",
)
st.download_button(
    f"Download all {n:,} vectors (CSV)",
    backend.embeddings_csv(active.key, tuple(texts), tuple(labels), vectors),
    file_name="embeddings.csv",
    mime="text/csv",
    key="explore_download",
)

# ---------------------------------------------------------------- 6. The reference demo
st.header("6 · The lesson's demo, with real numbers")
demo = load_preset("Reference demo: physics and tacos").texts
paraphrase = "Entangled particles behave in ways that classical physics cannot explain."
demo_vectors = backend.embed_texts(active, [*demo, paraphrase])
demo_similarity = cosine_similarity_matrix(demo_vectors)
st.markdown(
    "The lesson encodes three sentences and promises that the two physics sentences score "
    "**~0.6–0.8** and physics vs tacos **near zero**. Here is what the model really says:"
)
st.dataframe(
    pd.DataFrame(
        {
            "pair": [*REFERENCE_DEMO_CLAIMS, "physics ↔ its paraphrase"],
            "sentence A": [demo[0], demo[0], demo[0]],
            "sentence B": [demo[1], demo[2], paraphrase],
            "lesson claims": [*REFERENCE_DEMO_CLAIMS.values(), "(not in the lesson)"],
            "this model": [demo_similarity[0, 1], demo_similarity[0, 2], demo_similarity[0, 3]],
        }
    ),
    hide_index=True,
    width="stretch",
    column_config={"this model": st.column_config.NumberColumn(format="%.3f")},
)
st.markdown(
    f"With **{active.info.name.split('/')[-1]}** the two physics sentences score "
    f"**{demo_similarity[0, 1]:.3f}**: hardly closer than physics and tacos "
    f"(**{demo_similarity[0, 2]:.3f}**). The claim is wrong for this model, and the reason is the "
    "lesson itself: the model learned from *pairs that mean the same thing* (duplicate questions, "
    "paraphrases). Entanglement and superconductivity share a field, not a meaning, so their "
    f"vectors are nearly orthogonal. A real paraphrase scores **{demo_similarity[0, 3]:.3f}**. "
    "Cosine measures *same meaning*, not *same subject*: keep that in mind before trusting a "
    "similarity threshold in a search system."
)
