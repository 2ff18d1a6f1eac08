"""Explore: encode sentences, compare them by cosine, and map the space they live in."""

from __future__ import annotations

import numpy as np
import streamlit as st

from components import backend, block_charts, charts, limits, scale
from components.backend import ActiveModel, is_session_model
from components.encoder import DEFAULT_MODEL
from components.heatmap_blocks import BlockSummary, block_pair
from components.imported_vectors import (
    query_check,
    text_and_label_columns,
    texts_and_labels,
    unit_vectors,
)
from components.model_comparison import compare_models
from components.neighbours import NeighbourSearch
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
from components.sentence_input import colour_labels, read_sentence_file, truncation_warning
from components.similarity import cosine_similarity_matrix, mean_pairwise_cosine
from components.tables import similarity_table, vectors_table
from components.texts import (
    ParsedInput,
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
    clicked_point,
    column_pickers,
    csv_download,
    download_buttons,
    job_result,
    keep_if_in,
    keep_in_range,
    kept_text_upload,
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
    projection_controls,
    revealed,
    row_picker,
    section,
    share_sentences,
    show_messages,
    try_notice,
)

VALUES_MAX = 20  # print the cosine in each cell up to this many sentences
MAX_COLOURS = 24  # a label column with more distinct values is not used for colour
SELECT_MAX = 2_000  # up to this many sentences, the neighbour list picks one from a select box
TYPE, UPLOAD, VECTORS = "Type or paste", "Upload a file", "Bring your own vectors"
GENERATE = "Generate a large corpus"
VECTOR_TYPES = ["tsv", "txt", "csv", "npy", "parquet"]
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


def uploaded_sentences() -> ParsedInput:
    name, content = kept_text_upload(
        "A .txt file (one sentence per line) or a .csv file (pick its text column)", "explore_upload",
        ["txt", "csv"], read_sentence_file,
        help=f"Up to {limits.UPLOAD_MB} MB; the first {limits.SENTENCES:,} sentences are used.",
    )  # fmt: skip
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


def generated_sentences() -> ParsedInput:
    """A corpus of up to 100,000 sentences grown offline from the shipped texts."""
    left, right = st.columns([3, 1])
    n = left.slider(
        "Sentences", 1_000, scale.MAX_SENTENCES, step=1_000,
        key=persist("explore_generate_n", 20_000),
        help="The shipped essays and presets cut into ~1,000 sentences, then framed "
        "('Note: …') and spliced within a topic into new distinct sentences, labelled by topic.",
    )  # fmt: skip
    seed = right.number_input("Seed", 0, 999, key=persist("explore_generate_seed", 0))
    corpus = backend.generated_corpus(int(n), int(seed))
    st.caption(
        f"{n:,} distinct sentences on {len(set(corpus.labels))} topics: the same for the same "
        "seed, made on this machine without the internet."
    )
    return ParsedInput(corpus.texts, corpus.labels)


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
        "Where the sentences come from", [TYPE, UPLOAD, GENERATE, VECTORS], horizontal=True,
        key=persist("explore_source", TYPE),
        help=f"{scale.LIMITS_TEXT} {VECTORS}: vectors made elsewhere (another model, an API, the batch "
        "embedder `python -m components.batch_embed`), with their texts and labels.",
    )  # fmt: skip
    imported = None
    if source == VECTORS:
        parsed, imported = own_vectors()
    elif source == GENERATE:
        parsed = generated_sentences()
    else:
        parsed = typed_sentences() if source == TYPE else uploaded_sentences()
    show_messages(parsed.messages)
    texts = parsed.texts
    if not texts:
        st.stop()
    labels, warning = colour_labels(parsed.labels, len(texts), MAX_COLOURS)
    if warning:
        st.warning(warning)
    return texts, labels, imported


def fits_in_memory(active: ActiveModel, n: int) -> None:
    """In public mode, refuse (politely, with the figures) a corpus this session cannot hold."""
    refusal = scale.memory_refusal(n, active.info.dimension, scale.public_mode())
    if refusal:
        st.error(refusal)
        st.stop()


def prepare_views(
    views: ActiveModel, texts: list[str], vectors: np.ndarray | None = None
) -> scale.Prepared | None:
    """The vectors (n, dim) of the texts (or the user's own) and what the views need of them:
    from this session's background job past `scale.BACKGROUND_MIN` sentences (its progress
    redrawn every second while the rest of the page is drawn; None while it runs, or when it
    stopped); below that here and now, with exact neighbours and, past `scale.HEATMAP_MAX`,
    heatmap blocks (k-means on at most 2,000 rows: about a second)."""
    fits_in_memory(views, len(texts))
    if len(texts) >= scale.BACKGROUND_MIN:
        st.caption(scale.memory_note(len(texts), views.info.dimension))
        return job_result(
            lambda restart: backend.preparation(views, texts, vectors, restart=restart),
            "explore_prepare", "encoding", "Encoding" if vectors is None else "Preparing",
            caption=f"{len(texts):,} sentences: preparing them in the background.",
        )  # fmt: skip
    vectors = backend.embed_texts(views, texts) if vectors is None else vectors
    blocks = None
    if len(texts) > scale.HEATMAP_MAX:
        blocks = backend.heatmap_blocks(views, tuple(texts), vectors)
    return scale.Prepared(vectors, [], NeighbourSearch(vectors), blocks)


def summary(noun: str, vectors: np.ndarray, third: tuple[str, str]) -> None:
    """A row of figures: how many, the vector size, `third` (label, value), the mean cosine."""
    metric_row({
        noun: f"{len(vectors):,}", "Vector size": f"{vectors.shape[1]} d", third[0]: third[1],
        "Mean cosine (pairs)": f"{mean_pairwise_cosine(vectors):.3f}" if len(vectors) > 1 else "—",
    })  # fmt: skip


def encode_section(active: ActiveModel, texts: list[str]) -> scale.Prepared | None:
    """The sentence vectors (n, dim) and what the views need of them, with a warning for
    sentences past the window; None while many are being encoded in the background."""
    result = prepare_views(active, texts)
    if result is None:
        return None
    counts = result.token_counts or backend.token_counts(active, tuple(texts))
    warning = truncation_warning(counts, active.info.max_tokens)
    if warning:
        st.warning(warning)
    summary("Sentences", result.vectors, ("Longest sentence", f"{max(counts)} tokens"))
    st.caption(f"Vectors made by **{backend.encoder_backend(active)}** (sidebar: encoder backend).")
    return result


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
        score.table([f"{texts[a]} ↔ {texts[b]}" for a, b in pairs]),
        {"your rank": "%.1f", "model's rank": "%.1f", "cosine": "%.3f"}, key="explore_predict_table",
    )  # fmt: skip
    st.caption(
        f"{score.reading} Spearman's ρ compares the two orders, not the numbers: 1 = the same "
        "order, 0 = unrelated, −1 = reversed (ties share their mean rank)."
    )


def imported_section(views: ActiveModel, imported: ImportedVectors) -> scale.Prepared | None:
    """The user's vectors at unit length (n, dim) and what the views need of them (None while
    many are being prepared in the background)."""
    vectors, note = unit_vectors(imported.vectors)
    show_messages([note] if note else [])
    texts = [str(i) for i in range(len(vectors))]  # the views key on the import, not on texts
    result = prepare_views(views, texts, vectors)
    if result is not None:
        made_by = imported.model.split("/")[-1] if imported.model else "unknown"
        summary("Vectors", vectors, ("Made by", made_by))
    return result


def block_heatmap_section(texts: list[str], vectors: np.ndarray, blocks: BlockSummary) -> None:
    """Past `limits.HEATMAP_SENTENCES` sentences: the mean cosine between blocks of similar
    sentences, and one pair of blocks up close."""
    n = len(texts)
    st.caption(
        f"{n:,} sentences make {n * n:,} pairs: far too many cells to draw. They are grouped into "
        f"{blocks.n_blocks} blocks of similar sentences (k-means); each cell is the **mean cosine** "
        "between the sentences of two blocks, exact over every pair. Hover a cell for the blocks' "
        "sizes and a typical sentence; pick two blocks below to see their sentences."
    )
    chart(block_charts.block_heatmap(blocks, texts), "explore_blocks")
    labels = {b: block_charts.block_label(blocks, b, texts, 50) for b in range(blocks.n_blocks)}
    keep_if_in("explore_block_rows", list(labels))
    keep_if_in("explore_block_columns", list(labels))
    left, right = st.columns(2)
    rows = left.selectbox("Rows: block", list(labels), format_func=labels.get,
                          key="explore_block_rows")  # fmt: skip
    columns = right.selectbox("Columns: block", list(labels), format_func=labels.get,
                              key="explore_block_columns")  # fmt: skip
    pair = block_pair(vectors, blocks, int(rows), int(columns))
    chart(block_charts.pair_heatmap(pair, texts, range(1, n + 1)), "explore_block_pair")
    st.caption(
        f"Rows: {pair.rows_a.size} of the {pair.total_a:,} sentences of block B{rows + 1}; "
        f"columns: {pair.rows_b.size} of the {pair.total_b:,} of B{columns + 1} (a larger block "
        "is sampled evenly from its most to its least typical sentence). Each cell is one real "
        "cosine; hover it for both sentences."
    )


def heatmap_section(views: ActiveModel, texts: list[str], prepared: scale.Prepared) -> None:
    st.header("2 · Cosine similarity of every pair")
    try_notice(
        "switch between input order and clustered",
        "topics form blocks on the diagonal; paraphrases are the darkest cells off it",
    )
    st.latex(r"\cos(u, v) = \frac{u \cdot v}{\lVert u \rVert \, \lVert v \rVert}")
    if prepared.blocks is not None:
        block_heatmap_section(texts, prepared.vectors, prepared.blocks)
        return
    vectors = prepared.vectors
    order = st.radio(
        "Order", ["Input order", "Clustered"], horizontal=True,
        key=persist("explore_order", "Clustered"),
        help="Clustered puts sentences that are similar to each other next to each other, so "
        "topics show up as blocks along the diagonal.",
    )  # fmt: skip
    n = len(texts)
    heatmap = backend.similarity_heatmap(
        views, texts, vectors, rows=n, clustered=order == "Clustered",
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


def clicked_sentence(texts: list[str]) -> int:
    """The row of the sentence picked by a click on the map or in the neighbour list (else 0):
    a select box holds it up to SELECT_MAX sentences (`explore_focus`), a number past that."""
    large = len(texts) > SELECT_MAX
    row = clicked_point("explore_scatter")
    if row is not None and row < len(texts):
        if large:
            st.session_state["explore_focus_number"] = row + 1
        else:
            st.session_state["explore_focus"] = texts[row]
    if large:
        return min(max(int(st.session_state.get("explore_focus_number", 1)), 1), len(texts)) - 1
    focus = st.session_state.get("explore_focus")
    return texts.index(focus) if focus in texts else 0


def projection_of(
    active: ActiveModel, texts: list[str], vectors: np.ndarray, method: str, dims: int,
    params: dict[str, float],
) -> ProjectionResult | None:  # fmt: skip
    """The map's coordinates: here and now for a few sentences, from a background job (with its
    progress) for many; None while that job runs or when it stopped."""
    settings = tuple(sorted(params.items()))
    if len(texts) < scale.BACKGROUND_MIN:
        with st.spinner(f"Projecting {len(texts):,} sentences with {METHOD_NAMES[method]}…"):
            return backend.projection(active, tuple(texts), method, dims, settings, vectors)
    return job_result(
        lambda restart: backend.projection_job(
            active, texts, method, dims, settings, vectors, restart=restart
        ),
        "explore_map", "the projection", "The projection", wait=1.0,
        caption=f"{METHOD_NAMES[method]} on {len(texts):,} sentences: progress by stage "
        "(neighbours, then the layout, epoch by epoch). The neighbours and the vectors below are "
        "ready.",
    )  # fmt: skip


def map_section(
    active: ActiveModel, texts: list[str], labels: list[str], vectors: np.ndarray
) -> tuple[int, ProjectionResult | None]:
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
    method, dims, params = projection_controls("explore")
    if method == "tsne" and len(texts) > scale.TSNE_MAX:
        st.warning(
            f"t-SNE takes up to {scale.TSNE_MAX:,} sentences (past that it runs for many "
            f"minutes); with {len(texts):,}, pick UMAP or PCA."
        )
        return clicked_sentence(texts), None
    projection = projection_of(active, texts, vectors, method, dims, params)
    if projection is None:
        return clicked_sentence(texts), None
    if projection.note:
        st.info(projection.note)
    focus = clicked_sentence(texts)
    scatter = charts.projection_scatter(projection.coords, texts, labels, highlight=focus)
    chart(scatter, "explore_scatter", on_select="rerun", selection_mode="points")
    st.caption(
        f"{METHOD_NAMES[projection.method_used]} projection · hover a point to read it · "
        "click a point to list its nearest neighbours below."
    )
    settings = tuple(sorted(params.items()))
    trust = backend.map_honesty(active, tuple(texts), method, dims, settings, HONESTY_K, vectors)
    if trust.trust_k:
        if len(texts) > backend.HONESTY_SAMPLE:
            st.caption(
                f"Judged on {backend.HONESTY_SAMPLE:,} sentences drawn at random from the "
                f"{len(texts):,} (their neighbours among themselves): every pair would take "
                "minutes."
            )
        metric_row(
            {"Trustworthiness": f"{trust.trustworthiness:.3f}",
             f"Neighbours kept (k = {trust.k})": f"{trust.mean_kept:.0%}"},
            help={"Trustworthiness": "1 = no sentence has a map neighbour that is far from it "
                  "in the space (sklearn.manifold.trustworthiness)."},
        )  # fmt: skip
        st.caption(f"{honesty_reading(trust)} Compare the methods in the 🗺️ Map lab.")
    return focus, projection


def neighbours_section(
    texts: list[str], labels: list[str], search: NeighbourSearch, focus: int
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
    left, right = st.columns([3, 1])
    focus = row_picker(
        texts, focus, ("explore_focus", "explore_focus_number"), SELECT_MAX, left,
        help="The sentence whose closest neighbours are listed (a click on the map picks it too).",
    )  # fmt: skip
    if n > 2:  # a slider needs two different ends
        keep_in_range("explore_k", 1, min(20, n - 1))
        k = right.slider(
            "How many", 1, min(20, n - 1), key=persist("explore_k", min(5, n - 1)),
            help="How many of the closest sentences to list, by cosine.",
        )  # fmt: skip
    else:
        k = 1
        right.caption("With two sentences, each is the other's only neighbour.")
    indices, scores = search.neighbours_of(focus, k)
    if search.method == "hnsw":
        st.caption(
            f"{n:,} sentences: the candidates come from a faiss HNSW index (8-bit vectors, built "
            f"once past {limits.INDEX_SENTENCES:,} sentences), so a true neighbour can be missed; "
            "every cosine shown is then computed exactly."
        )
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
    metric_row(result.summary())
    chart(
        charts.aligned_maps(result.coords_a, result.coords_b, shown, names), "explore_compare_map"
    )
    st.caption(
        "Each model's PCA map, B's turned, scaled and moved onto A's (Procrustes) so a sentence "
        "sits in the same place when both models agree; grey lines join its two places. The "
        "disparity is what is left: 0 = the same shape, 1 = nothing in common."
    )
    number_table(result.changes_table(shown, 8), {"kept": "%.2f"}, key="explore_compare_changes")


active = page_setup("Explore", "🔭", ExploreState)
st.title("🔭 Explore the embedding space")
st.caption(
    "Each sentence becomes one vector. Sentences that mean similar things should point the same "
    "way: their cosine similarity is close to 1. Unrelated ones sit near 0."
)
prepared = None
with section("sentences"):
    texts, labels, imported = sentences_section()
    if imported is None:
        share_sentences(texts, labels)  # the Map lab works on the same sentences
        views = active
        prepared = encode_section(active, texts)
    else:  # the user's own vectors: the views cache them under the import, not the model
        views = backend.imported_source(active, imported)
        prepared = imported_section(views, imported)
if prepared is None:  # being prepared in the background, stopped, or the input was unusable
    with section("reference demo"):
        reference_demo_section(active)
    page_done()
    st.stop()
vectors = prepared.vectors
with section("predict"):
    predict_section(texts, vectors)
with section("heatmap"):
    heatmap_section(views, texts, prepared)
focus, projection = 0, None
with section("map"):
    focus, projection = map_section(views, texts, labels, vectors)
with section("neighbours"):
    neighbours_section(texts, labels, prepared.neighbours, focus)
    search_section(active, texts, labels, vectors, imported)
with section("vectors"):
    vectors_section(active, texts, labels, vectors, projection, imported)
with section("reference demo"):
    reference_demo_section(active)
with section("two models"):
    compare_section(active, texts)
page_done()
