"""Explore: encode sentences, compare them by cosine, and map the space they live in."""

from __future__ import annotations

import numpy as np
import streamlit as st

from components import backend, charts, limits
from components.backend import ActiveModel, is_session_model
from components.encoder import DEFAULT_MODEL
from components.imported_vectors import (
    query_check,
    text_and_label_columns,
    texts_and_labels,
    unit_vectors,
)
from components.model_comparison import compare_models
from components.page_state import ExploreState
from components.predictions import pick_pairs, score_pair_ranking
from components.projection import METHOD_NAMES, ProjectionResult, honesty_reading
from components.samples import (
    DEFAULT_PRESET,
    PARAPHRASE,
    PRESETS,
    REFERENCE_DEMO_CLAIMS,
    load_preset,
)
from components.search import top_k
from components.similarity import cosine_similarity_matrix, mean_pairwise_cosine
from components.tables import similarity_table, vectors_table
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
from components.vector_io import (
    EXPORT_FORMATS,
    FORMATS_HELP,
    ImportedVectors,
    check_upload_size,
)
from components.widgets import (
    chart,
    column_pickers,
    csv_download,
    download_buttons,
    keep_if_in,
    keep_in_range,
    kept_uploads,
    limited_text,
    metric_row,
    number_table,
    page_done,
    page_setup,
    persist,
    plural,
    presenter_mode,
    preset_picker,
    revealed,
    section,
    share_sentences,
    show_messages,
    try_notice,
)

HEATMAP_MAX = limits.HEATMAP_SENTENCES  # more cells make a slow, unreadable (and heavy) heatmap
VALUES_MAX = 20  # print the cosine in each cell up to this many sentences
MAX_COLOURS = 24  # a label column with more distinct values is not used for colour
TYPE, UPLOAD, VECTORS = "Type or paste", "Upload a file", "Bring your own vectors"
VECTOR_TYPES = ["tsv", "txt", "csv", "npy", "parquet"]
UPLOAD_KEY = "_explore_uploaded"  # session_state: the last good upload (name, text), kept
HONESTY_K = 10  # neighbours per sentence judged by the honesty figures under the map
COMPARE_MAX = 60  # sentences encoded by the second model when two models are compared
RANDOM_WEIGHTS = "the same model with random weights (untrained)"


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
    text, label = column_pickers(
        list(table.columns), guess_text_column(table), None,
        ("explore_text_column", "explore_label_column"),
    )  # fmt: skip
    return texts_from_table(table, text, label)


def own_vectors() -> tuple[ParsedInput, ImportedVectors]:
    """Vectors made elsewhere, with the texts and labels of their metadata columns."""
    files = kept_uploads(
        f"Your vectors: {FORMATS_HELP}", VECTOR_TYPES, "explore_vectors", check_upload_size,
        help=f"Select several files at once for a pair, or for every part of a dataset. Up to "
        f"{limits.UPLOAD_MB} MB a file; the first {limits.SENTENCES:,} vectors are used.",
    )  # fmt: skip
    if not files:
        st.info("Choose the files, or switch back to typing. Your typed text is kept.")
        st.stop()
    imported = backend.imported_vectors(files)
    rows, dimension = imported.vectors.shape
    st.caption(
        f"Read **{imported.source}**: {plural(rows, 'vector')} of {dimension} dimensions, made "
        f"by {f'`{imported.model}`' if imported.model else 'a model the files do not name'}."
    )
    show_messages(imported.messages)
    text, label = column_pickers(
        [str(column) for column in imported.metadata.columns],
        *text_and_label_columns(imported.metadata),
        ("explore_vectors_text_column", "explore_vectors_label_column"), no_text="(row numbers)",
    )  # fmt: skip
    return ParsedInput(*texts_and_labels(imported.metadata, text, label)), imported


def sentences_section() -> tuple[list[str], list[str], ImportedVectors | None]:
    """The sentences, their colour labels ("" for none) and the user's own vectors when they
    brought them; stops the page when there are no sentences."""
    st.header("1 · Your sentences")
    try_notice(
        "type two sentences that share words but not meaning",
        "duplicates and blank lines are merged, and every line becomes one vector",
    )
    if "_explore_text" not in st.session_state:  # first visit: the default preset, no typing
        use_preset(DEFAULT_PRESET)
    source = st.radio(
        "Where the sentences come from", [TYPE, UPLOAD, VECTORS], horizontal=True,
        key=persist("explore_source", TYPE),
        help=f"{VECTORS}: vectors made elsewhere (another model, an API, the batch embedder "
        "`python -m components.batch_embed`), with their texts and labels.",
    )  # fmt: skip
    imported = None
    if source == VECTORS:
        parsed, imported = own_vectors()
    else:
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
    return texts, labels, imported


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


def predict_section(texts: list[str], vectors: np.ndarray) -> None:
    """Predict, then reveal: rank a few pairs before the heatmap (the page waits for Reveal)."""
    if len(texts) < 3 or not st.toggle(
        "Predict first: rank a few pairs before the heatmap appears",
        key=persist("explore_predict", False),
        help="Five pairs chosen across the whole range of cosines. Guess their order, then "
        "compare with the model: the heatmap stays hidden until you press Reveal.",
    ):  # fmt: skip
        return
    pairs = pick_pairs(vectors, count=5, seed=len(texts))
    st.markdown(
        "Rank the pairs: **1** = the pair you expect the model to find most similar. Equal "
        "ranks are allowed."
    )
    ranks = []
    for number, (first, second) in enumerate(pairs):
        left, right = st.columns([5, 1])
        left.text(f"{number + 1}.  {texts[first]}  ↔  {texts[second]}")
        ranks.append(right.number_input(
            f"Rank of pair {number + 1}", 1, len(pairs), number + 1, key=f"explore_rank_{number}",
            label_visibility="collapsed", help="1 = most similar.",
        ))  # fmt: skip
    if not revealed("explore_predict", "\n".join(texts)):
        st.info("The heatmap, the map and the neighbours appear when you press **Reveal**.")
        st.stop()
    cosines = [float(vectors[first] @ vectors[second]) for first, second in pairs]
    score = score_pair_ranking(ranks, cosines)
    metric_row({"Spearman ρ, your order vs the model's": "—" if np.isnan(score.rho)
                else f"{score.rho:+.2f}"})  # fmt: skip
    number_table(
        {
            "pair": [f"{texts[a]} ↔ {texts[b]}" for a, b in pairs],
            "your rank": score.student_ranks, "model's rank": score.model_ranks, "cosine": cosines,
        },
        {"your rank": "%.1f", "model's rank": "%.1f", "cosine": "%.3f"}, key="explore_predict_table",
    )  # fmt: skip
    st.caption(
        f"{score.reading} Spearman's ρ compares the two orders, not the numbers: 1 = the same "
        "order, 0 = unrelated, −1 = reversed (ties share their mean rank)."
    )


def imported_section(imported: ImportedVectors) -> np.ndarray:
    """The user's vectors at unit length (n, dim), for every view below."""
    vectors, note = unit_vectors(imported.vectors)
    show_messages([note] if note else [])
    metric_row({
        "Vectors": f"{len(vectors):,}",
        "Vector size": f"{vectors.shape[1]} d",
        "Made by": imported.model.split("/")[-1] if imported.model else "unknown",
        "Mean cosine (pairs)": f"{mean_pairwise_cosine(vectors):.3f}" if len(vectors) > 1 else "—",
    })  # fmt: skip
    return vectors


def heatmap_section(views: ActiveModel, texts: list[str], vectors: np.ndarray) -> None:
    st.header("2 · Cosine similarity of every pair")
    try_notice(
        "switch between input order and clustered",
        "topics form blocks on the diagonal; paraphrases are the darkest cells off it",
    )
    st.latex(r"\cos(u, v) = \frac{u \cdot v}{\lVert u \rVert \, \lVert v \rVert}")
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
    heatmap = backend.similarity_heatmap(
        views, texts, vectors, rows=min(n, HEATMAP_MAX), clustered=order == "Clustered",
        show_values=n <= VALUES_MAX,
    )  # fmt: skip
    chart(heatmap.figure, "explore_heatmap")
    similar, away = ("Orange", "purple") if presenter_mode() else ("Red", "blue")
    st.caption(
        f"{similar}: similar (cosine → 1), white: unrelated (≈ 0), {away}: pointing away (< 0). "
        "Hover a cell for both sentences. The diagonal is each sentence with itself (1.000)."
    )
    csv_download(
        "Download this similarity matrix (CSV)",
        lambda: similarity_table([texts[i] for i in heatmap.shown], heatmap.similarity),
        "similarity_matrix.csv",
        "explore_download_similarity",
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
        help='2D is easier to read; 3D keeps a little more of the structure (drag to rotate).',
    )  # fmt: skip
    params: dict[str, float] = {}
    with controls[2].container(key="advanced_explore_params"):  # hidden in presenter mode
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
) -> tuple[int, ProjectionResult]:
    """The projection of every sentence; returns the sentence picked on it, and the map."""
    st.header("3 · A map of the space")
    try_notice(
        "compare UMAP, PCA and t-SNE on the same sentences",
        "clusters move between methods; the cosine numbers do not",
    )
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
    trust = backend.map_honesty(
        active,
        tuple(texts),
        method,
        dims,
        tuple(sorted(params.items())),
        HONESTY_K,
        vectors,
    )
    if trust.trust_k:
        metric_row(
            {"Trustworthiness": f"{trust.trustworthiness:.3f}",
             f"Neighbours kept (k = {trust.k})": f"{trust.mean_kept:.0%}"},
            help={"Trustworthiness": "1 = no sentence has a map neighbour that is far from it "
                  "in the space (sklearn.manifold.trustworthiness)."},
        )  # fmt: skip
        st.caption(f"{honesty_reading(trust)} Compare the methods in the 🗺️ Map lab.")
    return focus, projection


def neighbours_section(
    texts: list[str], labels: list[str], vectors: np.ndarray, focus: int
) -> None:
    st.header("4 · Nearest neighbours")
    try_notice(
        "click a point on the map, then a look-alike sentence",
        "a neighbour by cosine can sit far away on the map",
    )
    n = len(texts)
    if n < 2:
        st.info("Add a second sentence to see neighbours.")
        return
    if st.session_state.get("explore_focus") not in texts:
        st.session_state["explore_focus"] = texts[focus]
    left, right = st.columns([3, 1])
    focus = texts.index(left.selectbox(
        "Sentence", texts, key="explore_focus",
        help="The sentence whose closest neighbours are listed (a click on the map picks it too).",
    ))  # fmt: skip
    if n > 2:  # a slider needs two different ends
        keep_in_range("explore_k", 1, min(20, n - 1))
        k = right.slider(
            "How many", 1, min(20, n - 1), key=persist("explore_k", min(5, n - 1)),
            help="How many of the closest sentences to list, by cosine.",
        )  # fmt: skip
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


def search_section(
    active: ActiveModel, texts: list[str], labels: list[str], vectors: np.ndarray,
    imported: ImportedVectors | None,
) -> None:  # fmt: skip
    """A typed query against the vectors, when the model in use made them."""
    st.subheader("Search with a query")
    if imported is not None:
        check = query_check(
            imported.model, vectors.shape[1], active.info.name, active.info.dimension,
            confirmed=st.session_state.get("explore_query_model", False),
        )  # fmt: skip
        if check.needs_confirmation:
            st.checkbox(f"{active.info.short_name} made these vectors", key="explore_query_model")
        (st.caption if check.can_encode else st.info)(check.reason)
        if not check.can_encode:
            return
    query = limited_text(
        st.text_input, "Query", "explore_query", "", limits.QUERY_CHARS,
        placeholder="Type a question or a phrase: the closest sentences by cosine are listed",
    )  # fmt: skip
    if query.strip():
        query_vector = backend.embed_texts(active, [query])[0]  # (dim,)
        indices, scores = top_k(query_vector, vectors, min(10, len(texts)))
        number_table(
            {"sentence": [texts[i] for i in indices], "label": [labels[i] for i in indices],
             "cosine": scores}, {"cosine": "%.4f"},
            container=st.container(key="explore_query_results"),
        )  # fmt: skip


def vectors_section(
    active: ActiveModel, texts: list[str], labels: list[str], vectors: np.ndarray,
    projection: ProjectionResult | None, imported: ImportedVectors | None,
) -> None:  # fmt: skip
    st.header("5 · The vectors themselves")
    try_notice(
        "download the vectors and open them in a spreadsheet",
        "single dimensions carry no meaning on their own",
    )
    st.caption(
        f"Each row is one sentence's {vectors.shape[1]}-d vector (unit length, so cosine = dot "
        "product). Individual dimensions mean nothing on their own; only directions do."
    )
    number_table(vectors_table(texts[:50], labels[:50], vectors[:50], max_dims=12))
    raw = vectors if imported is None else imported.vectors  # as imported, for the exports
    st.download_button(
        f"Download all {plural(len(texts), 'vector')} (CSV)",
        lambda: backend.embeddings_csv(active, texts, labels, raw),
        file_name="embeddings.csv", mime="text/csv", key="explore_download", on_click="ignore",
        help="Cells that start like a spreadsheet formula (=, +, -, @) get a leading ' so a "
        "spreadsheet shows them as text.",
    )  # fmt: skip
    st.caption(
        "The same vectors with their text, label and map coordinates, for other tools: the "
        "[Embedding Projector](https://projector.tensorflow.org) (Load: vectors.tsv, then "
        "metadata.tsv), Parquet (pandas, DuckDB, Spark; it imports back here with the model's "
        "name) and NumPy. Files are built when you click."
    )
    model = imported.model if imported else None if is_session_model(active) else active.info.name
    download_buttons(
        EXPORT_FORMATS, "explore_export", texts=texts, labels=labels, vectors=raw,
        coordinates=None if projection is None else projection.coords, model=model,
    )  # fmt: skip


def reference_demo_section(active: ActiveModel) -> None:
    st.header("6 · The lesson's demo, with real numbers")
    try_notice(
        "read the lesson's claim, then the real number",
        "two physics sentences score lower than a paraphrase: same subject is not same meaning",
    )
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


def compare_section(active: ActiveModel, texts: list[str]) -> None:
    """The same sentences under the model in use and another one: heatmaps, maps, neighbours."""
    st.header("7 · Two models side by side")
    st.caption(
        "Try: compare the model in use with its random-weight copy, or with a copy fine-tuned on "
        "the Loss lab. Notice which sentences change neighbours: that is what training changed."
    )
    if not st.toggle(
        "Compare with another model", key=persist("explore_compare", False),
        help=f"Encodes the first {COMPARE_MAX} sentences with a second model (a fine-tuned copy, "
        "another loaded model, or the same architecture with random weights).",
    ):  # fmt: skip
        return
    loaded = [*st.session_state.get("loaded_model_names", []), *backend.session_model_names()]
    options = [name for name in dict.fromkeys([DEFAULT_MODEL, *loaded]) if name != active.info.name]
    options.append(RANDOM_WEIGHTS)
    keep_if_in("explore_compare_with", options)
    choice = st.selectbox(
        "Compare the model in use with", options, key="explore_compare_with",
        help="Models loaded in the sidebar and this session's fine-tuned copies are listed too.",
    )  # fmt: skip
    shown = texts[:COMPARE_MAX]
    if len(shown) < 3:
        st.info("Add at least three sentences to compare two models.")
        return
    other = (
        backend.untrained_model(active) if choice == RANDOM_WEIGHTS else backend.model_named(choice)
    )
    result = compare_models(
        backend.embed_texts(active, shown), backend.embed_texts(other, shown), k=min(3, len(shown) - 1)
    )  # fmt: skip
    names = (f"A: {active.info.short_name}", f"B: {other.info.short_name} ({other.info.source})")
    matrices = {names[0]: result.similarity_a, names[1]: result.similarity_b,
                "B − A": np.clip(result.difference, -1, 1)}  # fmt: skip
    chart(charts.similarity_heatmaps(matrices, shown), "explore_compare_heatmaps")
    off = ~np.eye(len(shown), dtype=bool)
    metric_row({
        "Mean cosine, A": f"{result.similarity_a[off].mean():.3f}",
        "Mean cosine, B": f"{result.similarity_b[off].mean():.3f}",
        f"Top-{result.k} neighbours kept": f"{result.mean_overlap:.0%}",
        "Procrustes disparity": "—" if np.isnan(result.disparity) else f"{result.disparity:.3f}",
    })  # fmt: skip
    chart(
        charts.aligned_maps(result.coords_a, result.coords_b, shown, names), "explore_compare_map"
    )
    st.caption(
        "Each model's PCA map, B's turned, scaled and moved onto A's (Procrustes) so a sentence "
        "sits in the same place when both models agree; grey lines join its two places. The "
        "disparity is what is left: 0 = the same shape, 1 = nothing in common."
    )
    number_table(
        {
            "sentence": [shown[c.sentence] for c in result.most_changed(8)],
            "neighbours under A": [" · ".join(shown[j] for j in c.before) for c in result.most_changed(8)],
            "neighbours under B": [" · ".join(shown[j] for j in c.after) for c in result.most_changed(8)],
            "kept": [c.overlap for c in result.most_changed(8)],
        },
        {"kept": "%.2f"}, key="explore_compare_changes",
    )  # fmt: skip


active = page_setup("Explore", "🔭", ExploreState)
st.title("🔭 Explore the embedding space")
st.caption(
    "Each sentence becomes one vector. Sentences that mean similar things should point the same "
    "way: their cosine similarity is close to 1. Unrelated ones sit near 0."
)
vectors = None
with section("sentences"):
    texts, labels, imported = sentences_section()
    if imported is None:
        share_sentences(texts, labels)  # the Map lab works on the same sentences
        vectors, views = encode_section(active, texts), active
    else:  # the user's own vectors: the views cache them under the import, not the model
        vectors, views = imported_section(imported), backend.imported_source(active, imported)
if vectors is None:  # the sentences could not be read or encoded: the message is above
    st.stop()
with section("predict"):
    predict_section(texts, vectors)
with section("heatmap"):
    heatmap_section(views, texts, vectors)
focus, projection = 0, None
with section("map"):
    focus, projection = map_section(views, texts, labels, vectors)
with section("neighbours"):
    neighbours_section(texts, labels, vectors, focus)
    search_section(active, texts, labels, vectors, imported)
with section("vectors"):
    vectors_section(active, texts, labels, vectors, projection, imported)
with section("reference demo"):
    reference_demo_section(active)
with section("two models"):
    compare_section(active, texts)
page_done()
