"""Explore: encode sentences, compare them by cosine, and map the space they live in."""

from __future__ import annotations

import numpy as np
import streamlit as st

from components import backend, block_charts, charts, limits, scale
from components import lab_notes as notes
from components.backend import ActiveModel, is_session_model
from components.encoder import DEFAULT_MODEL
from components.heatmap_blocks import BlockSummary, block_pair
from components.imported_vectors import (
    describe,
    query_check,
    text_and_label_columns,
    texts_and_labels,
    unit_vectors,
)
from components.model_comparison import compare_models, comparison_choices
from components.neighbours import NeighbourSearch
from components.page_state import ExploreState
from components.predictions import pair_cosines, pair_names, pick_pairs, score_pair_ranking
from components.projection import METHOD_NAMES, ProjectionResult, honesty_reading
from components.reference_demo import ReferenceDemo, demo_sentences
from components.samples import DEFAULT_PRESET, PRESETS, load_preset
from components.search import top_k
from components.sentence_input import colour_labels, read_sentence_file, truncation_warning
from components.similarity import vector_figures
from components.tables import hits_table, similarity_table, vectors_table
from components.texts import (
    ParsedInput,
    guess_text_column,
    parse_csv,
    parse_lines,
    texts_from_table,
)
from components.vector_io import EXPORT_FORMATS, FORMATS_HELP, ImportedVectors, check_upload_size
from components.widgets import (
    chart,
    clicked_row,
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
    rank_inputs,
    row_picker,
    section,
    select_pair,
    share_sentences,
    show_message,
    show_messages,
    try_notice,
    wait_for_reveal,
)

VALUES_MAX = 20  # print the cosine in each cell up to this many sentences
MAX_COLOURS = 24  # a label column with more distinct values is not used for colour
SELECT_MAX = 2_000  # up to this many sentences, the neighbour list picks one from a select box
FOCUS_KEYS = ("explore_focus", "explore_focus_number")  # its select box, its number past that
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
    preset_picker("Start from a preset", PRESETS, "explore_preset", DEFAULT_PRESET, use_preset,
                  help=notes.EXPLORE_PRESET_HELP)  # fmt: skip
    st.caption(PRESETS[st.session_state["explore_preset"]].description)
    text = limited_text(st.text_area, "One sentence per line", "explore_text", "",
                        limits.EXPLORE_CHARS, height=220, help=notes.EXPLORE_TEXT_HELP)  # fmt: skip
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
    text, label = column_pickers(list(table.columns), guess_text_column(table), None,
                                 ("explore_text_column", "explore_label_column"))  # fmt: skip
    return texts_from_table(table, text, label)


def own_vectors() -> tuple[ParsedInput, ImportedVectors]:
    """Vectors made elsewhere, with the texts and labels of their metadata columns."""
    files = kept_uploads(f"Your vectors: {FORMATS_HELP}", VECTOR_TYPES, "explore_vectors",
                         check_upload_size, help=notes.EXPLORE_VECTORS_HELP)  # fmt: skip
    imported = backend.imported_vectors(files)
    st.caption(describe(imported))
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
    n = left.slider("Sentences", 1_000, scale.MAX_SENTENCES, step=1_000,
                    key=persist("explore_generate_n", 20_000), help=notes.EXPLORE_GENERATE_HELP)  # fmt: skip
    seed = right.number_input("Seed", 0, 999, key=persist("explore_generate_seed", 0))
    corpus = backend.generated_corpus(int(n), int(seed))
    st.caption(notes.explore_generated(n, len(set(corpus.labels))))
    return ParsedInput(corpus.texts, corpus.labels)


def sentences_section() -> tuple[list[str], list[str], ImportedVectors | None]:
    """The sentences, their colour labels ("" for none) and the user's own vectors when they
    brought them; stops the page when there are no sentences."""
    st.header("1 · Your sentences")
    try_notice("type two sentences that share words but not meaning",
               "duplicates and blank lines are merged, and every line becomes one vector")  # fmt: skip
    if "_explore_text" not in st.session_state:  # first visit: the default preset, no typing
        use_preset(DEFAULT_PRESET)
    source = st.radio(
        "Where the sentences come from", [TYPE, UPLOAD, GENERATE, VECTORS], horizontal=True,
        key=persist("explore_source", TYPE),
        help=notes.explore_sources(scale.LIMITS_TEXT, VECTORS),
    )  # fmt: skip
    sources = {TYPE: typed_sentences, UPLOAD: uploaded_sentences, GENERATE: generated_sentences}
    parsed, imported = own_vectors() if source == VECTORS else (sources[source](), None)
    show_messages(parsed.messages)
    if not parsed.texts:
        st.stop()
    labels, warning = colour_labels(parsed.labels, len(parsed.texts), MAX_COLOURS)
    show_message("warning", warning)
    return parsed.texts, labels, imported


def prepare_views(
    views: ActiveModel, texts: list[str], vectors: np.ndarray | None = None
) -> scale.Prepared | None:
    """The vectors (n, dim) of the texts (or the user's own) and what the views need of them:
    past `scale.BACKGROUND_MIN` sentences from a background job (None while it runs or after it
    stopped), below that here and now (heatmap blocks past `scale.HEATMAP_MAX`)."""
    refusal = scale.memory_refusal(len(texts), views.info.dimension, scale.public_mode())
    show_message("error", refusal, stop=True)  # in public mode: a corpus this session can't hold
    if len(texts) >= scale.BACKGROUND_MIN:
        st.caption(scale.memory_note(len(texts), views.info.dimension))
        return job_result(
            lambda restart: backend.preparation(views, texts, vectors, restart=restart),
            "explore_prepare", "encoding", "Encoding" if vectors is None else "Preparing",
            caption=f"{len(texts):,} sentences: preparing them in the background.",
        )  # fmt: skip
    vectors = backend.embed_texts(views, texts) if vectors is None else vectors
    many = len(texts) > scale.HEATMAP_MAX  # blocks: k-means on at most 2,000 rows (~1 s)
    blocks = backend.heatmap_blocks(views, tuple(texts), vectors) if many else None
    return scale.Prepared(vectors, [], NeighbourSearch(vectors), blocks)


def encode_section(active: ActiveModel, texts: list[str]) -> scale.Prepared | None:
    """The sentence vectors (n, dim) and what the views need of them, with a warning for
    sentences past the window; None while many are being encoded in the background."""
    result = prepare_views(active, texts)
    if result is None:
        return None
    counts = result.token_counts or backend.token_counts(active, tuple(texts))
    show_message("warning", truncation_warning(counts, active.info.max_tokens))
    metric_row(
        vector_figures("Sentences", result.vectors, ("Longest sentence", f"{max(counts)} tokens"))
    )
    st.caption(f"Vectors made by **{backend.encoder_backend(active)}** (sidebar: encoder backend).")
    return result


def predict_section(texts: list[str], vectors: np.ndarray) -> None:
    """Predict, then reveal: rank a few pairs before the heatmap (the page waits for Reveal)."""
    if len(texts) < 3 or not st.toggle(
        "Predict first: rank a few pairs before the heatmap appears",
        key=persist("explore_predict", False),
        help=notes.EXPLORE_PREDICT_HELP,
    ):  # fmt: skip
        return
    pairs = pick_pairs(vectors, count=5, seed=len(texts))
    names = pair_names(texts, pairs)
    st.markdown(notes.EXPLORE_RANK_PAIRS)
    ranks = rank_inputs(names, "explore_rank", "pair")
    wait_for_reveal("explore_predict", "\n".join(texts), "The heatmap, the map and the neighbours")
    score = score_pair_ranking(ranks, pair_cosines(vectors, pairs))
    metric_row(score.figures())
    number_table(score.table(names), {"your rank": "%.1f", "model's rank": "%.1f", "cosine": "%.3f"},
                 key="explore_predict_table")  # fmt: skip
    st.caption(notes.explore_ranking(score.reading))


def imported_section(views: ActiveModel, imported: ImportedVectors) -> scale.Prepared | None:
    """The user's vectors at unit length (n, dim) and what the views need of them (None while
    many are being prepared in the background)."""
    vectors, note = unit_vectors(imported.vectors)
    show_messages([note] if note else [])
    texts = [str(i) for i in range(len(vectors))]  # the views key on the import, not on texts
    result = prepare_views(views, texts, vectors)
    if result is not None:
        made_by = imported.model.split("/")[-1] if imported.model else "unknown"
        metric_row(vector_figures("Vectors", vectors, ("Made by", made_by)))
    return result


def block_heatmap_section(texts: list[str], vectors: np.ndarray, blocks: BlockSummary) -> None:
    """Past `limits.HEATMAP_SENTENCES` sentences: the mean cosine between blocks of similar
    sentences, and one pair of blocks up close."""
    st.caption(notes.explore_blocks(len(texts), blocks.n_blocks))
    chart(block_charts.block_heatmap(blocks, texts), "explore_blocks")
    names = {b: block_charts.block_label(blocks, b, texts, 50) for b in range(blocks.n_blocks)}
    rows, columns = select_pair(names, ("Rows: block", "Columns: block"),
                                ("explore_block_rows", "explore_block_columns"))  # fmt: skip
    pair = block_pair(vectors, blocks, int(rows), int(columns))
    chart(block_charts.pair_heatmap(pair, texts, range(1, len(texts) + 1)), "explore_block_pair")
    st.caption(notes.explore_block_pair((pair.rows_a.size, pair.rows_b.size),
                                        (pair.total_a, pair.total_b), (rows, columns)))  # fmt: skip


def heatmap_section(views: ActiveModel, texts: list[str], prepared: scale.Prepared) -> None:
    st.header("2 · Cosine similarity of every pair")
    try_notice("switch between input order and clustered",
               "topics form blocks on the diagonal; paraphrases are the darkest cells off it")  # fmt: skip
    st.latex(r"\cos(u, v) = \frac{u \cdot v}{\lVert u \rVert \, \lVert v \rVert}")
    if prepared.blocks is not None:
        block_heatmap_section(texts, prepared.vectors, prepared.blocks)
        return
    order = st.radio(
        "Order", ["Input order", "Clustered"], horizontal=True,
        key=persist("explore_order", "Clustered"),
        help=notes.EXPLORE_ORDER_HELP,
    )  # fmt: skip
    n = len(texts)
    heatmap = backend.similarity_heatmap(
        views, texts, prepared.vectors, rows=n, clustered=order == "Clustered",
        show_values=n <= VALUES_MAX,
    )  # fmt: skip
    chart(heatmap.figure, "explore_heatmap")
    st.caption(notes.explore_heatmap_colours(presenter_mode()))
    csv_download("Download this similarity matrix (CSV)",
                 lambda: similarity_table([texts[i] for i in heatmap.shown], heatmap.similarity),
                 "similarity_matrix.csv", "explore_download_similarity")  # fmt: skip


def projection_of(
    active: ActiveModel, texts: list[str], vectors: np.ndarray, method: str, dims: int,
    settings: tuple,
) -> ProjectionResult | None:  # fmt: skip
    """The map's coordinates: here and now for a few sentences, from a background job (with its
    progress) for many; None while that job runs or when it stopped."""
    if len(texts) < scale.BACKGROUND_MIN:
        with st.spinner(f"Projecting {len(texts):,} sentences with {METHOD_NAMES[method]}…"):
            return backend.projection(active, tuple(texts), method, dims, settings, vectors)
    return job_result(
        lambda restart: backend.projection_job(
            active, texts, method, dims, settings, vectors, restart=restart
        ),
        "explore_map", "the projection", "The projection", wait=1.0,
        caption=notes.explore_projection_job(METHOD_NAMES[method], len(texts)),
    )  # fmt: skip


def honesty_section(active: ActiveModel, texts: list[str], vectors: np.ndarray, method: str,
                    dims: int, settings: tuple) -> None:  # fmt: skip
    """How far the map can be trusted: the neighbours it keeps (judged on a sample of many)."""
    trust = backend.map_honesty(active, tuple(texts), method, dims, settings, HONESTY_K, vectors)
    if not trust.trust_k:
        return
    if len(texts) > backend.HONESTY_SAMPLE:
        st.caption(notes.explore_honesty_sample(backend.HONESTY_SAMPLE, len(texts)))
    metric_row(
        {"Trustworthiness": f"{trust.trustworthiness:.3f}",
         f"Neighbours kept (k = {trust.k})": f"{trust.mean_kept:.0%}"},
        help={"Trustworthiness": "1 = no sentence has a map neighbour that is far from it "
              "in the space (sklearn.manifold.trustworthiness)."},
    )  # fmt: skip
    st.caption(f"{honesty_reading(trust)} Compare the methods in the 🗺️ Map lab.")


def map_section(
    active: ActiveModel, texts: list[str], labels: list[str], vectors: np.ndarray
) -> tuple[int, ProjectionResult | None]:
    """The projection of every sentence; returns the sentence picked on it, and the map."""
    st.header("3 · A map of the space")
    try_notice("compare UMAP, PCA and t-SNE on the same sentences",
               "clusters move between methods; the cosine numbers do not")  # fmt: skip
    st.caption(notes.explore_map_intro(vectors.shape[1]))
    method, dims, params = projection_controls("explore")
    settings = tuple(sorted(params.items()))
    focus = clicked_row("explore_scatter", texts, FOCUS_KEYS, SELECT_MAX)  # or in the list below
    projection = None
    if method == "tsne" and len(texts) > scale.TSNE_MAX:
        st.warning(notes.explore_tsne_limit(scale.TSNE_MAX, len(texts)))
    else:
        projection = projection_of(active, texts, vectors, method, dims, settings)
    if projection is None:
        return focus, None
    show_message("info", projection.note)
    scatter = charts.projection_scatter(projection.coords, texts, labels, highlight=focus)
    chart(scatter, "explore_scatter", on_select="rerun", selection_mode="points")
    st.caption(notes.explore_map(METHOD_NAMES[projection.method_used]))
    honesty_section(active, texts, vectors, method, dims, settings)
    return focus, projection


def neighbours_section(
    texts: list[str], labels: list[str], search: NeighbourSearch, focus: int
) -> None:
    st.header("4 · Nearest neighbours")
    try_notice("click a point on the map, then a look-alike sentence",
               "a neighbour by cosine can sit far away on the map")  # fmt: skip
    n = len(texts)
    if n < 2:
        st.info("Add a second sentence to see neighbours.")
        return
    left, right = st.columns([3, 1])
    focus = row_picker(
        texts, focus, FOCUS_KEYS, SELECT_MAX, left,
        help="The sentence whose closest neighbours are listed (a click on the map picks it too).",
    )  # fmt: skip
    most = min(20, n - 1)
    if most > 1:  # a slider needs two different ends
        keep_in_range("explore_k", 1, most)
        k = right.slider("How many", 1, most, key=persist("explore_k", min(5, most)),
                         help="How many of the closest sentences to list, by cosine.")  # fmt: skip
    else:
        k = 1
        right.caption("With two sentences, each is the other's only neighbour.")
    indices, scores = search.neighbours_of(focus, k)
    if search.method == "hnsw":
        st.caption(notes.explore_hnsw(n, limits.INDEX_SENTENCES))
    chart(charts.neighbor_bars([texts[i] for i in indices], scores.tolist()), "explore_neighbors")
    number_table(hits_table("neighbour", texts, labels, indices, scores), {"cosine": "%.4f"})


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
        number_table(hits_table("sentence", texts, labels, indices, scores), {"cosine": "%.4f"},
                     container=st.container(key="explore_query_results"))  # fmt: skip


def vectors_section(
    active: ActiveModel, texts: list[str], labels: list[str], vectors: np.ndarray,
    projection: ProjectionResult | None, imported: ImportedVectors | None,
) -> None:  # fmt: skip
    st.header("5 · The vectors themselves")
    try_notice("download the vectors and open them in a spreadsheet",
               "single dimensions carry no meaning on their own")  # fmt: skip
    st.caption(notes.explore_vectors(vectors.shape[1]))
    number_table(vectors_table(texts[:50], labels[:50], vectors[:50], max_dims=12))
    raw = vectors if imported is None else imported.vectors  # as imported, for the exports
    st.download_button(
        f"Download all {plural(len(texts), 'vector')} (CSV)",
        lambda: backend.embeddings_csv(active, texts, labels, raw),
        file_name="embeddings.csv", mime="text/csv", key="explore_download", on_click="ignore",
        help=notes.EXPLORE_CSV_FORMULAS,
    )  # fmt: skip
    st.caption(notes.EXPLORE_EXPORTS)
    model = imported.model if imported else None if is_session_model(active) else active.info.name
    download_buttons(
        EXPORT_FORMATS, "explore_export", texts=texts, labels=labels, vectors=raw,
        coordinates=None if projection is None else projection.coords, model=model,
    )  # fmt: skip


def reference_demo_section(active: ActiveModel) -> None:
    st.header("6 · The lesson's demo, with real numbers")
    try_notice("read the lesson's claim, then the real number", "two physics sentences score "
               "lower than a paraphrase: same subject is not same meaning")  # fmt: skip
    sentences = demo_sentences()
    demo = ReferenceDemo.measure(sentences, backend.embed_texts(active, sentences))
    st.markdown(notes.EXPLORE_REFERENCE_CLAIM)
    number_table(demo.table(), {"this model": "%.3f"})
    st.markdown(notes.explore_reference(active.info.short_name, *demo.cosines))


def compare_section(active: ActiveModel, texts: list[str]) -> None:
    """The same sentences under the model in use and another one: heatmaps, maps, neighbours."""
    st.header("7 · Two models side by side")
    st.caption(notes.EXPLORE_COMPARE_TRY)
    if not st.toggle(
        "Compare with another model", key=persist("explore_compare", False),
        help=notes.explore_compare(COMPARE_MAX),
    ):  # fmt: skip
        return
    loaded = [*st.session_state.get("loaded_model_names", []), *backend.session_model_names()]
    options = comparison_choices(active.info.name, loaded, DEFAULT_MODEL, RANDOM_WEIGHTS)
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
    chart(charts.similarity_heatmaps(result.heatmaps(names), shown), "explore_compare_heatmaps")
    metric_row(result.summary())
    chart(charts.aligned_maps(result.coords_a, result.coords_b, shown, names),
          "explore_compare_map")  # fmt: skip
    st.caption(notes.EXPLORE_ALIGNED_MAPS)
    number_table(result.changes_table(shown, 8), {"kept": "%.2f"}, key="explore_compare_changes")


active = page_setup("Explore", "🔭", ExploreState)
st.title("🔭 Explore the embedding space")
st.caption(notes.EXPLORE_INTRO)
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
