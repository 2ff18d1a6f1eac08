"""Explore: encode sentences, compare them by cosine, and map the space they live in."""

from __future__ import annotations

import numpy as np
import streamlit as st

from components import widgets as ui
from components.charts import block_charts, charts
from components.charts.scatter import projection_scatter
from components.content import lab_notes as notes
from components.core import limits
from components.core.tables import hits_table, similarity_table, vectors_table
from components.core.texts import is_blank
from components.data.imported_vectors import query_check, unit_vectors
from components.data.sentence_input import colour_labels, truncation_warning
from components.data.vector_io import EXPORT_FORMATS, ImportedVectors, formula_warning
from components.explore import scale
from components.explore.reference_demo import ReferenceDemo, demo_sentences
from components.models.encoder import DEFAULT_MODEL
from components.services.caches import cached_figure
from components.services.encoding import embed_texts, embeddings_csv, token_counts
from components.services.inputs import imported_source
from components.services.maps import HONESTY_SAMPLE, map_honesty, similarity_matrix_view
from components.services.models import (
    ActiveModel,
    encoder_backend,
    is_session_model,
    untrained_model,
)
from components.services.session_keys import EXPLORE_QUERY_MODEL_KEY, LOADED_MODELS_KEY
from components.services.session_models import model_named, registered_session_model_labels
from components.state.page_state import ExploreState
from components.vectors.heatmap_blocks import BlockSummary, block_pair
from components.vectors.model_comparison import compare_models, comparison_choices
from components.vectors.neighbours import NeighbourSearch
from components.vectors.predictions import pair_cosines, pair_names, pick_pairs, score_pair_ranking
from components.vectors.projection import METHOD_NAMES, ProjectionResult, honesty_reading
from components.vectors.search import top_k
from components.vectors.similarity import vector_figures
from components.widgets.room_student import send_from_explore

VALUES_MAX = 12  # print the cosine in each cell up to this many sentences (cells of 25 px)
MAX_COLOURS = 24  # a label column with more distinct values is not used for colour
SELECT_MAX = 2_000  # up to this many sentences, the neighbour list picks one from a select box
FOCUS_KEYS = ("explore_focus", "explore_focus_number")  # its select box, its number past that
HONESTY_K = 10  # neighbours per sentence judged by the honesty figures under the map
COMPARE_MAX = 60  # sentences encoded by the second model when two models are compared
RANDOM_WEIGHTS = "the same model with random weights (untrained)"


def sentences_section() -> tuple[list[str], list[str], ImportedVectors | None]:
    """The sentences, their colour labels ("" for none) and the user's own vectors when they
    brought them; stops the page when there are no sentences."""
    st.header("1 · Your sentences", anchor="your-sentences")
    ui.try_notice(
        "type two sentences that share words but not meaning",
        "duplicates and blank lines are merged, and every line becomes one vector",
    )
    parsed, imported = ui.sentence_source()
    ui.show_messages(parsed.messages)
    if not parsed.texts:
        st.stop()
    labels, warning = colour_labels(parsed.labels, len(parsed.texts), MAX_COLOURS)
    ui.show_message("warning", warning)
    return parsed.texts, labels, imported


def encode_section(active: ActiveModel, texts: list[str]) -> scale.Prepared | None:
    """The sentence vectors (n, dim) and what the views need of them, with a warning for
    sentences past the window; None while many are being encoded in the background."""
    result = ui.prepared_views(active, texts)
    if result is None:
        return None
    counts = result.token_counts or token_counts(active, tuple(texts))
    ui.show_message("warning", truncation_warning(counts, active.info.max_tokens))
    ui.metric_row(
        vector_figures("Sentences", result.vectors, ("Longest sentence", f"{max(counts)} tokens"))
    )
    st.caption(f"Vectors made by **{encoder_backend(active)}** (sidebar: encoder backend).")
    return result


def predict_section(texts: list[str], vectors: np.ndarray) -> None:
    """Predict, then reveal: rank a few pairs before the heatmap (the page waits for Reveal)."""
    if len(texts) < 3 or not st.toggle(
        "Predict first: rank a few pairs before the heatmap appears",
        key=ui.persist("explore_predict", False),
        help=notes.EXPLORE_PREDICT_HELP,
    ):
        return
    pairs = pick_pairs(vectors, count=5, seed=len(texts))
    names = pair_names(texts, pairs)
    st.markdown(notes.EXPLORE_RANK_PAIRS)
    ranks = ui.rank_inputs(names, "explore_rank", "pair")
    ui.wait_for_reveal(
        "explore_predict", "\n".join(texts), "The heatmap, the map and the neighbours"
    )
    score = score_pair_ranking(ranks, pair_cosines(vectors, pairs))
    ui.metric_row(score.figures())
    formats = {"your rank": "%.1f", "model's rank": "%.1f", "cosine": "%.3f"}
    ui.number_table(score.table(names), formats, key="explore_predict_table")
    st.caption(notes.explore_ranking(score.reading))


def imported_section(views: ActiveModel, imported: ImportedVectors) -> scale.Prepared | None:
    """The user's vectors at unit length (n, dim) and what the views need of them (None while
    many are being prepared in the background)."""
    vectors, note = unit_vectors(imported.vectors)
    ui.show_messages([note] if note else [])
    texts = [str(i) for i in range(len(vectors))]  # the views key on the import, not on texts
    result = ui.prepared_views(views, texts, vectors)
    if result is not None:
        made_by = imported.model.split("/")[-1] if imported.model else "unknown"
        ui.metric_row(vector_figures("Vectors", vectors, ("Made by", made_by)))
    return result


def block_heatmap_section(texts: list[str], vectors: np.ndarray, blocks: BlockSummary) -> None:
    """Past `limits.HEATMAP_SENTENCES` sentences: the mean cosine between blocks of similar
    sentences, and one pair of blocks up close."""
    st.caption(notes.explore_blocks(len(texts), blocks.n_blocks))
    ui.chart(cached_figure(block_charts.block_heatmap, blocks, texts), "explore_blocks")
    names = {b: block_charts.block_label(blocks, b, texts, 50) for b in range(blocks.n_blocks)}
    rows, columns = ui.select_pair(
        names, ("Rows: block", "Columns: block"), ("explore_block_rows", "explore_block_columns")
    )
    pair = block_pair(vectors, blocks, int(rows), int(columns))
    ui.chart(
        cached_figure(block_charts.pair_heatmap, pair, texts, list(range(1, len(texts) + 1))),
        "explore_block_pair",
    )
    st.caption(
        notes.explore_block_pair(
            (pair.rows_a.size, pair.rows_b.size), (pair.total_a, pair.total_b), (rows, columns)
        )
    )


def heatmap_section(views: ActiveModel, texts: list[str], prepared: scale.Prepared) -> None:
    st.header("2 · Cosine similarity of every pair", anchor="cosine-similarity-of-every-pair")
    ui.try_notice(
        "switch between input order and clustered",
        "topics form blocks on the diagonal; paraphrases are the darkest cells off it",
    )
    st.latex(r"\cos(u, v) = \frac{u \cdot v}{\lVert u \rVert \, \lVert v \rVert}")
    if prepared.blocks is not None:
        block_heatmap_section(texts, prepared.vectors, prepared.blocks)
        return
    order = st.radio(
        "Order",
        ["Input order", "Clustered"],
        horizontal=True,
        key=ui.persist("explore_order", "Clustered"),
        help=notes.EXPLORE_ORDER_HELP,
    )
    n = len(texts)
    heatmap = similarity_matrix_view(
        views,
        texts,
        prepared.vectors,
        rows=n,
        clustered=order == "Clustered",
        show_values=n <= VALUES_MAX,
    )
    ui.chart(heatmap.figure, "explore_heatmap")
    st.caption(notes.explore_heatmap_colours(ui.presenter_mode()))
    ui.csv_download(
        "Download this similarity matrix (CSV)",
        lambda: similarity_table([texts[i] for i in heatmap.shown], heatmap.similarity),
        "similarity_matrix.csv",
        "explore_download_similarity",
    )


def honesty_section(
    active: ActiveModel,
    texts: list[str],
    vectors: np.ndarray,
    method: str,
    dims: int,
    settings: tuple,
) -> None:
    """How far the map can be trusted: the neighbours it keeps (judged on a sample of many)."""
    trust = map_honesty(active, tuple(texts), method, dims, settings, HONESTY_K, vectors)
    if not trust.trust_k:
        return
    if len(texts) > HONESTY_SAMPLE:
        st.caption(notes.explore_honesty_sample(HONESTY_SAMPLE, len(texts)))
    ui.metric_row(
        {
            "Trustworthiness": f"{trust.trustworthiness:.3f}",
            f"Neighbours kept (k = {trust.k})": f"{trust.mean_kept:.0%}",
        },
        help={
            "Trustworthiness": "1 = no sentence has a map neighbour that is far from it "
            "in the space (sklearn.manifold.trustworthiness)."
        },
    )
    st.caption(f"{honesty_reading(trust)} Compare the methods in the 🗺️ Map lab.")


def map_section(
    active: ActiveModel, texts: list[str], labels: list[str], vectors: np.ndarray
) -> tuple[int, ProjectionResult | None]:
    """The projection of every sentence; returns the sentence picked on it, and the map."""
    st.header("3 · A map of the space", anchor="a-map-of-the-space")
    ui.try_notice(
        "compare UMAP, PCA and t-SNE on the same sentences",
        "clusters move between methods; the cosine numbers do not",
    )
    st.caption(notes.explore_map_intro(vectors.shape[1]))
    method, dims, params = ui.projection_controls("explore")
    settings = tuple(sorted(params.items()))
    focus = ui.clicked_row("explore_scatter", texts, FOCUS_KEYS, SELECT_MAX)  # or in the list below
    projection = None
    if method == "tsne" and len(texts) > limits.TSNE_SENTENCES:
        st.warning(notes.explore_tsne_limit(limits.TSNE_SENTENCES, len(texts)))
    else:
        projection = ui.map_projection(active, texts, vectors, method, dims, settings)
    if projection is None:
        return focus, None
    ui.show_message("info", projection.note)
    scatter = cached_figure(projection_scatter, projection.coords, texts, labels, highlight=focus)
    ui.chart(scatter, "explore_scatter", on_select="rerun", selection_mode="points")
    st.caption(notes.explore_map(METHOD_NAMES[projection.method_used]))
    honesty_section(active, texts, vectors, method, dims, settings)
    return focus, projection


def neighbours_section(
    texts: list[str], labels: list[str], search: NeighbourSearch, focus: int
) -> None:
    st.header("4 · Nearest neighbours", anchor="nearest-neighbours")
    ui.try_notice(
        "click a point on the map, then a look-alike sentence",
        "a neighbour by cosine can sit far away on the map",
    )
    n = len(texts)
    if n < 2:
        st.info("Add a second sentence to see neighbours.")
        return
    left, right = st.columns([3, 1])
    focus = ui.row_picker(
        texts,
        focus,
        FOCUS_KEYS,
        SELECT_MAX,
        left,
        help="The sentence whose closest neighbours are listed (a click on the map picks it too).",
    )
    most = min(20, n - 1)
    if most > 1:  # a slider needs two different ends
        ui.keep_in_range("explore_k", 1, most)
        k = right.slider(
            "How many",
            1,
            most,
            key=ui.persist("explore_k", min(5, most)),
            help="How many of the closest sentences to list, by cosine.",
        )
    else:
        k = 1
        right.caption("With two sentences, each is the other's only neighbour.")
    indices, scores = search.neighbours_of(focus, k)
    if search.method == "hnsw":
        st.caption(notes.explore_hnsw(n, limits.INDEX_SENTENCES))
    ui.chart(
        cached_figure(charts.neighbor_bars, [texts[i] for i in indices], scores.tolist()),
        "explore_neighbors",
    )
    ui.number_table(hits_table("neighbour", texts, labels, indices, scores), {"cosine": "%.4f"})


def search_section(
    active: ActiveModel,
    texts: list[str],
    labels: list[str],
    vectors: np.ndarray,
    imported: ImportedVectors | None,
) -> None:
    """A typed query against the vectors, when the model in use made them."""
    st.subheader("Search with a query")
    if imported is not None:
        check = query_check(
            imported.model,
            vectors.shape[1],
            active.info.name,
            active.info.dimension,
            confirmed=st.session_state.get(EXPLORE_QUERY_MODEL_KEY, False),
        )
        if check.needs_confirmation:
            st.checkbox(f"{active.info.short_name} made these vectors", key=EXPLORE_QUERY_MODEL_KEY)
        (st.caption if check.can_encode else st.info)(check.reason)
        if not check.can_encode:
            return
    query = ui.limited_text(
        st.text_input,
        "Query",
        "explore_query",
        "",
        limits.QUERY_CHARS,
        placeholder="Type a question or a phrase: the closest sentences by cosine are listed",
    )
    if not is_blank(query):  # zero-width characters alone are no query
        query_vector = embed_texts(active, [query])[0]  # (dim,)
        indices, scores = top_k(query_vector, vectors, min(10, len(texts)))
        ui.number_table(
            hits_table("sentence", texts, labels, indices, scores),
            {"cosine": "%.4f"},
            container=st.container(key="explore_query_results"),
        )


def vectors_section(
    active: ActiveModel,
    texts: list[str],
    labels: list[str],
    vectors: np.ndarray,
    projection: ProjectionResult | None,
    imported: ImportedVectors | None,
) -> None:
    st.header("5 · The vectors themselves", anchor="the-vectors-themselves")
    ui.try_notice(
        "download the vectors and open them in a spreadsheet",
        "single dimensions carry no meaning on their own",
    )
    st.caption(notes.explore_vectors(vectors.shape[1]))
    # Every number of each vector as bars, the first two as numbers: all fit a 1024 px screen;
    # the download below has every number.
    preview = vectors_table(texts[:50], labels[:50], vectors[:50], max_dims=2)
    preview.insert(2, f"all {vectors.shape[1]} numbers", [row.tolist() for row in vectors[:50]])
    ui.number_table(preview, {"dim_0": "%.3f", "dim_1": "%.3f"}, key="explore_vectors_table")
    raw = vectors if imported is None else imported.vectors  # as imported, for the exports
    st.download_button(
        f"Download all {ui.plural(len(texts), 'vector')} (CSV)",
        lambda: embeddings_csv(active, texts, labels, raw),
        file_name="embeddings.csv",
        mime="text/csv",
        key="explore_download",
        on_click="ignore",
        help=notes.EXPLORE_CSV_FORMULAS,
    )
    st.caption(notes.EXPLORE_EXPORTS)
    model = imported.model if imported else None if is_session_model(active) else active.info.name
    ui.download_buttons(
        EXPORT_FORMATS,
        "explore_export",
        texts=texts,
        labels=labels,
        vectors=raw,
        coordinates=None if projection is None else projection.coords,
        model=model,
    )
    ui.show_messages([warning] if (warning := formula_warning(texts, labels)) else [])


def reference_demo_section(active: ActiveModel) -> None:
    st.header("6 · The lesson's demo, with real numbers", anchor="the-lessons-demo")
    ui.try_notice(
        "read the lesson's claim, then the real number",
        "two physics sentences score lower than a paraphrase: same subject is not same meaning",
    )
    sentences = demo_sentences()
    demo = ReferenceDemo.measure(sentences, embed_texts(active, sentences))
    st.markdown(notes.EXPLORE_REFERENCE_CLAIM)
    table = demo.table()  # the cosines first: the sentences are in the text above
    order = ("pair", "lesson claims", "this model", "sentence A", "sentence B")
    ui.number_table(
        {name: table[name] for name in order},
        {"this model": "%.3f"},
        narrow=["sentence A", "sentence B"],
        key="explore_demo_table",
    )
    st.markdown(notes.explore_reference(active.info.short_name, *demo.cosines))


def compare_section(active: ActiveModel, texts: list[str]) -> None:
    """The same sentences under the model in use and another one: heatmaps, maps, neighbours."""
    st.header("7 · Two models side by side", anchor="two-models-side-by-side")
    st.caption(notes.EXPLORE_COMPARE_TRY)
    if not st.toggle(
        "Compare with another model",
        key=ui.persist("explore_compare", False),
        help=notes.explore_compare(COMPARE_MAX),
    ):
        return
    loaded = [*st.session_state.get(LOADED_MODELS_KEY, []), *registered_session_model_labels()]
    options = comparison_choices(active.info.name, loaded, DEFAULT_MODEL, RANDOM_WEIGHTS)
    ui.keep_if_in("explore_compare_with", options)
    choice = st.selectbox(
        "Compare the model in use with",
        options,
        key="explore_compare_with",
        help="Models loaded in the sidebar and this session's fine-tuned copies are listed too.",
    )
    shown = texts[:COMPARE_MAX]
    if len(shown) < 3:
        st.info("Add at least three sentences to compare two models.")
        return
    other = untrained_model(active) if choice == RANDOM_WEIGHTS else model_named(choice)
    vectors_a, vectors_b = embed_texts(active, shown), embed_texts(other, shown)
    result = compare_models(vectors_a, vectors_b, k=min(3, len(shown) - 1))
    names = (f"A: {active.info.short_name}", f"B: {other.info.short_name} ({other.info.source})")
    ui.chart(
        cached_figure(charts.similarity_heatmaps, result.heatmaps(names), shown),
        "explore_compare_heatmaps",
    )
    ui.metric_row(result.summary())
    ui.chart(
        cached_figure(charts.aligned_maps, result.coords_a, result.coords_b, shown, names),
        "explore_compare_map",
    )
    st.caption(notes.EXPLORE_ALIGNED_MAPS)
    ui.number_table(result.changes_table(shown, 8), {"kept": "%.2f"}, key="explore_compare_changes")


active = ui.page_setup("Explore", "🔭", ExploreState)
st.title("🔭 Explore the embedding space")
st.caption(notes.EXPLORE_INTRO)
prepared = None
with ui.section("sentences"):
    texts, labels, imported = sentences_section()
    if imported is None:
        ui.share_sentences(texts, labels)  # the Map lab works on the same sentences
        send_from_explore(texts)  # a student in a class room may send some to its map
        views = active
        prepared = encode_section(active, texts)
    else:  # the user's own vectors: the views cache them under the import, not the model
        views = imported_source(active, imported)
        prepared = imported_section(views, imported)
if prepared is None:  # being prepared in the background, stopped, or the input was unusable
    with ui.section("reference demo"):
        reference_demo_section(active)
    ui.page_done()
    st.stop()
vectors = prepared.vectors
with ui.section("predict"):
    predict_section(texts, vectors)
with ui.section("heatmap"):
    heatmap_section(views, texts, prepared)
focus, projection = 0, None
with ui.section("map"):
    focus, projection = map_section(views, texts, labels, vectors)
with ui.section("neighbours"):
    neighbours_section(texts, labels, prepared.neighbours, focus)
    search_section(active, texts, labels, vectors, imported)
with ui.section("vectors"):
    vectors_section(active, texts, labels, vectors, projection, imported)
with ui.section("reference demo"):
    reference_demo_section(active)
with ui.section("two models"):
    compare_section(active, texts)
ui.page_done()
