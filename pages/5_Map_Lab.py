"""Map lab: how far to trust a map, three maps side by side, clusters with names, semantic axes,
the geometry under the maps, and finding and selecting sentences on a map."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import streamlit as st

from components import widgets as ui
from components.charts import map_charts
from components.core import limits
from components.core.texts import is_blank
from components.explore.axes import (
    SUBJECT_VS_MEANING,
    AxisError,
    axis_map,
    axis_positions,
    make_axis,
    parse_pole,
)
from components.services.caches import cached_figure
from components.services.encoding import embed_texts
from components.services.maps import (
    MapView,
    clustering,
    geometry_lessons,
    map_view,
    unnormalized_vectors,
)
from components.services.models import ActiveModel
from components.services.session_keys import (
    MAPLAB_APPLIED_KEY,
    MAPLAB_SEEN_KEY,
    MAPLAB_SELECTED_KEY,
)
from components.vectors.clusters import NOISE, clusters_table, inverse_purity, purity
from components.vectors.find import find_near, find_text, found_table
from components.vectors.geometry import PRECISIONS, metric_neighbours
from components.vectors.projection import METHOD_NAMES, explained_variance, honesty_reading

METHODS = ["pca", "umap", "tsne"]
EXPLAINED_AXES = 10  # PCA axes in the explained-variance bars
PRESET, WORDS, GROUPS = "Preset lesson", "Words or sentences", "Groups of your sentences"
POLE_DEFAULTS = [
    "physics, energy, particles",
    "cooking, food, recipe",
    "money, bank, savings",
    "music, song, band",
]


def map_settings(n: int, texts_id: int) -> tuple[list[str], dict[str, dict], int]:
    """The maps to draw, their parameters and k, chosen first and applied with a button."""
    with st.form("maplab_settings"):
        columns = st.columns([3, 2, 2, 2, 2])
        methods = columns[0].multiselect(
            "Maps", METHODS, key=ui.persist("maplab_methods", METHODS), format_func=METHOD_NAMES.get
        )
        neighbours = columns[1].slider("UMAP neighbours", 2, 100, key=ui.persist("maplab_nn", 15))
        min_dist = columns[2].slider(
            "UMAP min distance", 0.0, 0.99, step=0.01, key=ui.persist("maplab_min_dist", 0.1)
        )
        perplexity = columns[3].slider(
            "t-SNE perplexity", 2, 100, key=ui.persist("maplab_perp", 30)
        )
        k = columns[4].slider(
            "Neighbours judged (k)",
            2,
            50,
            key=ui.persist("maplab_k", 10),
            help="Honesty compares each sentence's k nearest neighbours in the space and on the map.",
        )
        if st.form_submit_button("Compute the maps", type="primary", key="maplab_apply"):
            st.session_state[MAPLAB_APPLIED_KEY] = texts_id
    if n > limits.MAP_AUTO_SENTENCES and st.session_state.get(MAPLAB_APPLIED_KEY) != texts_id:
        st.info(f"{n:,} sentences: UMAP and t-SNE wait for **Compute the maps**; PCA is shown.")
        methods = ["pca"]
    params = {
        "pca": {},
        "umap": {"n_neighbors": neighbours, "min_dist": min_dist},
        "tsne": {"perplexity": perplexity},
    }
    return [m for m in METHODS if m in methods] or ["pca"], params, int(k)


def honesty_panel(view: MapView, container) -> None:
    """Trustworthiness and mean kept share of one map, with a line for learners."""
    left, right = container.columns(2)
    left.metric(
        "Trustworthiness",
        f"{view.honesty.trustworthiness:.3f}",
        help="1 = no map neighbour is a stranger in the space (Venna & Kaski).",
    )
    right.metric(
        f"Kept (k = {view.honesty.k})",
        f"{view.honesty.mean_kept:.0%}",
        help="Mean share of each sentence's cosine neighbours that stay its map neighbours.",
    )
    container.caption(honesty_reading(view.honesty))


def maps_section(active: ActiveModel, texts: list[str], labels: list[str], vectors) -> dict:
    st.header("1 · Three maps, and how far to trust each")
    st.caption(
        f"A map squeezes {vectors.shape[1]} dimensions onto two. Under each map: how many of every "
        "sentence's real neighbours it kept. UMAP and t-SNE are turned, mirrored and scaled "
        "(Procrustes) onto the PCA map, so the same sentence sits in about the same place."
    )
    methods, params, k = map_settings(len(texts), hash(tuple(texts)))
    colour = st.radio(
        "Colour the maps by",
        ["your labels", "kept share"],
        horizontal=True,
        key=ui.persist("maplab_colour", "your labels"),
        help="Kept share: dark points have map neighbours that are not their real neighbours.",
    )
    views = {}
    columns = st.container(key="wide_maplab_maps").columns(len(methods))  # stack when narrow
    for column, method in zip(columns, methods, strict=True):
        knobs = tuple(sorted(params[method].items()))
        with st.spinner(f"{METHOD_NAMES[method]} of {len(texts):,} sentences…"):
            view = views[method] = map_view(active, tuple(texts), method, knobs, k, vectors)
        details = map_charts.map_title(params[method], len(texts), aligned=method != "pca")
        kept = view.honesty.kept if colour == "kept share" else None
        figure = cached_figure(
            map_charts.map_scatter,
            view.coords,
            texts,
            groups=labels,
            kept=kept,
            height=430,
            title=METHOD_NAMES[view.method_used],
            subtitle=details,
            legend_below=True,
        )
        ui.chart(figure, f"maplab_map_{method}", column)
        if view.note:
            column.info(view.note)
        honesty_panel(view, column)
        if method == "pca":
            shares = _maplab_explained_shares(vectors)
            ui.chart(
                cached_figure(map_charts.explained_variance_bars, shares),
                "maplab_explained",
                column,
            )
            column.caption(
                f"PCA's two axes keep **{shares[:2].sum():.1%}** of the vectors' "
                f"variance, {EXPLAINED_AXES} axes {shares.sum():.1%}: the rest is "
                "invisible on any flat map."
            )
    return views


def base_map(views: dict, key: str) -> str:
    methods = list(views)
    return st.radio(
        "Draw on the map of",
        methods,
        format_func=METHOD_NAMES.get,
        horizontal=True,
        index=methods.index("umap") if "umap" in methods else 0,
        key=key,
    )


def names_order(name: str) -> tuple[int, str]:
    """Cluster names in id order ("0 · ...", "1 · ..."), the unclustered last."""
    number = name.split(" · ", 1)[0]
    return (int(number), name) if number.isdigit() else (1_000_000, name)


def _maplab_explained_shares(vectors: np.ndarray) -> np.ndarray:
    """PCA's explained variance of the vectors, kept per vectors (the page's reruns reuse it)."""
    key = (vectors.shape, hashlib.blake2b(np.ascontiguousarray(vectors), digest_size=16).digest())
    kept = st.session_state.get("_maplab_explained")
    if kept is None or kept[0] != key:
        kept = (key, explained_variance(vectors, EXPLAINED_AXES))
        st.session_state["_maplab_explained"] = kept
    return kept[1]


@st.fragment
def clusters_section(active: ActiveModel, texts: list[str], labels: list[str], vectors, views):
    st.header("2 · Clusters, named by their words")
    st.caption(
        "Clusters are found in the full vectors, not on the map. Each is named by its most "
        "distinctive words: class-based TF-IDF (BERTopic's c-TF-IDF) scores a word high when it "
        "is frequent in one cluster and rare in the others. No external service is used."
    )
    distinct = len(set(labels) - {""})
    columns = st.columns(4)
    method = columns[0].radio(
        "Method",
        ["kmeans", "hdbscan"],
        horizontal=True,
        format_func={"kmeans": "k-means", "hdbscan": "HDBSCAN"}.get,
        key=ui.persist("maplab_cluster_method", "kmeans"),
        help="k-means makes exactly k groups; HDBSCAN finds dense groups "
        "and leaves the rest unclustered.",
    )
    k = columns[1].slider(
        "k (k-means)",
        2,
        30,
        disabled=method != "kmeans",
        key=ui.persist("maplab_n_clusters", distinct if 2 <= distinct <= 30 else 8),
    )
    size = columns[2].slider(
        "Min cluster size (HDBSCAN)",
        2,
        50,
        disabled=method != "hdbscan",
        key=ui.persist("maplab_min_size", 5),
    )
    seed = columns[3].number_input(
        "Seed (k-means)", 0, 10_000, disabled=method != "kmeans", key=ui.persist("maplab_seed", 42)
    )
    found = clustering(active, tuple(texts), method, k, size, int(seed), vectors)
    if found.note:
        st.info(found.note)
    metrics = {"Clusters": found.n_clusters, "Unclustered": int((found.ids == NOISE).sum())}
    if distinct:
        metrics["Purity"] = f"{purity(found.ids, labels):.2f}"
        metrics["Inverse purity"] = f"{inverse_purity(found.ids, labels):.2f}"
    ui.metric_row(
        metrics,
        help={
            "Purity": "Share of sentences whose label is their cluster's most common label.",
            "Inverse purity": "Share of sentences in their label's most common cluster.",
        },
    )
    left, right = st.container(key="wide_maplab_clusters").columns([3, 2])
    with left:
        pick_map, pick_colour = st.columns(2)
        with pick_map:
            method_used = base_map(views, "maplab_cluster_map")
        by = pick_colour.radio(
            "Colour by",
            ["clusters", "your labels"],
            horizontal=True,
            disabled=not distinct,
            key=ui.persist("maplab_cluster_colour", "clusters"),
        )
        names = [f"{c} · {found.names[c]}" if c != NOISE else found.names[c] for c in found.ids]
        figure = cached_figure(
            map_charts.map_scatter,
            views[method_used].coords,
            texts,
            groups=labels if by == "your labels" else names,
            group_order=sorted(set(names), key=names_order),
            legend_below=True,  # a legend beside the map would leave the map a sliver
        )
        ui.chart(figure, "maplab_cluster_scatter")
    sizes = pd.Series(found.ids).value_counts()
    ui.number_table(
        {
            "cluster": list(found.words),
            "name": [found.names[c] for c in found.words],
            "sentences": [int(sizes[c]) for c in found.words],
        },
        key="maplab_cluster_table",
        container=right,
        fit_px=330,  # two fifths of the page beside the map at 1400 px (stacked when narrower)
    )
    ui.csv_download(
        "Download the clusters (CSV)",
        lambda: clusters_table(texts, found, labels if distinct else None),
        "clusters.csv",
        "maplab_cluster_csv",
        right,
    )


def pole(active: ActiveModel, labels: list[str], vectors, kind: str, number: int, container):
    """One pole's vectors and name: typed words/sentences, or the sentences of one label."""
    title = ["x axis: pole A", "x axis: pole B", "y axis: pole A", "y axis: pole B"][number]
    if kind == GROUPS:
        options, key = sorted(set(labels) - {""}), f"maplab_group_{number}"
        if st.session_state.get(ui.kept_copy_key(key)) not in options:  # new sentences, labels
            ui.set_persisted(key, options[number % len(options)])
        choice = container.selectbox(title, options, key=ui.persist(key, options[0]))
        return vectors[[i for i, label in enumerate(labels) if label == choice]], choice
    items = parse_pole(
        container.text_input(
            title,
            key=ui.persist(f"maplab_pole_{number}", POLE_DEFAULTS[number]),
            max_chars=limits.SENTENCE_CHARS,
        )
    )
    return embed_texts(active, items), ", ".join(items)[:40]


@st.fragment
def axes_section(active: ActiveModel, texts: list[str], labels: list[str], vectors) -> None:
    st.header("3 · Semantic axes: place sentences between two poles")
    st.caption(
        "Name two poles; the axis runs from one to the other and each sentence lands where its "
        "vector projects on that direction (0 = halfway). Unlike UMAP or t-SNE, you chose the "
        "direction, so you know what it means."
    )
    kinds = [PRESET, WORDS] + ([GROUPS] if len(set(labels) - {""}) >= 2 else [])
    kind = st.radio("Poles", kinds, horizontal=True, key=ui.persist("maplab_axes_kind", PRESET))
    if kind == PRESET:
        preset = SUBJECT_VS_MEANING
        sentences = preset.sentences()
        texts, labels = sentences.texts, sentences.labels
        vectors = embed_texts(active, texts)
        poles = [embed_texts(active, parse_pole(p)) for p in preset.x_poles + preset.y_poles]
        names = [*preset.x_names, *preset.y_names]
        st.markdown(
            f"**{preset.name}**: {len(texts)} sentences written for the lab; x runs "
            "between the lesson's two physics sentences, y between subject words."
        )
    else:
        picked = [pole(active, labels, vectors, kind, i, c) for i, c in enumerate(st.columns(4))]
        poles, names = [p[0] for p in picked], [p[1] for p in picked]
    try:
        x_axis = make_axis(poles[0], poles[1], names[0], names[1])
        y_axis = make_axis(poles[2], poles[3], names[2], names[3])
    except AxisError as error:
        st.warning(str(error))
        return
    result = axis_map(vectors, x_axis, y_axis)
    if result.note:
        st.warning(result.note)
    strip = cached_figure(
        map_charts.axis_strip, axis_positions(vectors, x_axis), texts, labels, x_axis
    )
    ui.chart(strip, "maplab_axis_strip")
    ui.chart(
        cached_figure(map_charts.axis_map_chart, result.coords, texts, labels, x_axis, y_axis),
        "maplab_axis_map",
    )
    st.caption(
        f"Cosine between the two axes {result.axes_cosine:+.2f} (0 = independent); between "
        f"the two x poles {x_axis.pole_cosine:.2f}."
    )
    if kind == PRESET:
        st.markdown(SUBJECT_VS_MEANING.lesson)


@st.fragment
def geometry_section(active: ActiveModel, texts: list[str], vectors) -> None:
    st.header("4 · The geometry under the maps")
    used = texts[: limits.GEOMETRY_SENTENCES]
    if len(texts) > limits.RAW_SENTENCES:
        st.caption(
            f"These lessons use the first {len(used):,} of {len(texts):,} sentences (the "
            f"first lesson, which encodes them again, the first {limits.RAW_SENTENCES:,})."
        )
    k = st.select_slider("Neighbours compared (k)", [1, 5, 10, 20], key=ui.persist("maplab_gk", 10))
    lessons = geometry_lessons(active, tuple(used), int(k), vectors[: len(used)])
    overlap = next(c for c in lessons.truncation.columns if c.startswith("overlap"))

    st.subheader("Cosine, dot product, Euclidean: with and without length")
    st.markdown(
        "This model ends with a Normalize layer: its vectors have length 1, and then cosine, dot "
        "product and Euclidean distance rank neighbours **identically** (|a − b|² = 2 − 2 a·b). "
        f"Before that layer the lengths run from **{lessons.raw_lengths.min():.2f}** to "
        f"**{lessons.raw_lengths.max():.2f}**, and the metrics disagree: share of each sentence's "
        f"{k} cosine neighbours that each metric also finds:"
    )
    table = lessons.metrics.assign(
        variant=lessons.metrics["metric"] + " · " + lessons.metrics["vectors"]
    )
    ui.chart(
        cached_figure(map_charts.overlap_bars, table, "variant", overlap), "maplab_metric_bars"
    )
    raw_texts = used[: limits.RAW_SENTENCES]
    focus = st.selectbox(
        "One sentence's 5 nearest under each metric (raw lengths)",
        raw_texts,
        key="maplab_metric_focus",
    )
    raw = unnormalized_vectors(active, tuple(raw_texts))
    ranks = metric_neighbours(raw, raw_texts.index(focus), 5)
    ranks.insert(2, "neighbour", [raw_texts[i] for i in ranks.pop("index")])
    ui.number_table(ranks, {"score": "%.3f"}, key="maplab_metric_table", narrow=["neighbour"])
    st.caption("Where the cosine rank differs from the rank, the metric moved that neighbour.")

    st.subheader("Fewer dimensions")
    ui.chart(
        cached_figure(map_charts.truncation_line, lessons.truncation, overlap), "maplab_truncation"
    )
    half = lessons.truncation.set_index("dims")[overlap].get(vectors.shape[1] // 2, np.nan)
    st.caption(
        f"Half the dimensions keep {half:.0%} of the neighbours: this model was not trained "
        "to pack meaning into its first dimensions (Matryoshka training does that)."
    )

    st.subheader("Quantisation: fewer bytes per number")
    ui.chart(
        cached_figure(map_charts.overlap_bars, lessons.quantisation, "precision", overlap),
        "maplab_quant",
    )
    quantised = lessons.quantisation.assign(how=lessons.quantisation["precision"].map(PRECISIONS))
    ui.number_table(
        quantised.drop(columns=["bytes for all"], errors="ignore"),  # bytes per vector says it
        {overlap: "%.3f", "same nearest": "%.3f"},
        key="maplab_quant_table",
        narrow=["how"],
    )


@st.fragment
def find_section(active: ActiveModel, texts: list[str], labels: list[str], vectors, views) -> None:
    st.header("5 · Find and select")
    left, middle, right = st.columns([2, 2, 1])
    word = left.text_input(
        "Find text",
        key=ui.persist("maplab_find_text", ""),
        placeholder="bank",
        max_chars=limits.SENTENCE_CHARS,
    )
    query = middle.text_input(
        "Find by meaning",
        key=ui.persist("maplab_find_meaning", ""),
        placeholder="a goal in the last minute",
        max_chars=limits.QUERY_CHARS,
    )
    top = right.slider(
        "Nearest", 1, max(2, min(50, len(texts))), min(10, len(texts)), key="maplab_top"
    )
    found = {int(i): np.nan for i in find_text(texts, word)}
    if not is_blank(query):
        indices, cosines = find_near(embed_texts(active, [query])[0], vectors, top)
        found.update(zip(indices.tolist(), cosines.tolist(), strict=True))
    texts_id, picked = hash(tuple(texts)), ui.selected_rows("maplab_select")
    if picked and picked != st.session_state.get(MAPLAB_SEEN_KEY):  # a new box or lasso
        st.session_state[MAPLAB_SEEN_KEY] = picked
        st.session_state[MAPLAB_SELECTED_KEY] = (texts_id, picked)
    kept_for, selected = st.session_state.get(MAPLAB_SELECTED_KEY, (None, []))
    selected = selected if kept_for == texts_id else []  # never a selection of other sentences
    method = base_map(views, "maplab_select_method")
    searching = not (is_blank(word) and is_blank(query))
    highlight = selected or (list(found) if searching else None)
    figure = cached_figure(
        map_charts.map_scatter,
        views[method].coords,
        texts,
        groups=labels,
        highlight=highlight,
        title="Drag a box (or pick the lasso above the map) to select sentences",
        dragmode="select",
    )
    ui.chart(figure, "maplab_select", on_select="rerun", selection_mode=("points", "box", "lasso"))
    if selected and st.button("Clear the selection", key="maplab_clear"):
        # The chart still reports its last box until the next one: mark that box as seen.
        st.session_state[MAPLAB_SELECTED_KEY], st.session_state[MAPLAB_SEEN_KEY] = (
            (None, []),
            picked,
        )
        st.rerun(scope="fragment")
    rows = selected or sorted(found, key=lambda i: -np.nan_to_num(found[i], nan=-2.0))
    if not rows:
        st.caption("Type to find sentences, or drag on the map: the rest is greyed out.")
        return
    table = found_table(rows, texts, labels, found if not is_blank(query) else None)
    st.markdown(f"**{ui.plural(len(rows), 'sentence')} {'selected' if selected else 'found'}**")
    ui.number_table(table, {"cosine to query": "%.3f"}, key="maplab_selection_table")
    ui.csv_download("Download these sentences (CSV)", lambda: table, "selection.csv", "maplab_csv")


active = ui.page_setup("Map lab", "🗺️")
st.title("🗺️ Map lab")
st.caption(
    "Every embedding explorer draws a 2D map. This lab also says how much of the space a map "
    "kept, names the clusters, lets you build your own axes and shows the geometry underneath."
)
texts, labels = ui.shared_sentences()
st.page_link(
    "pages/1_Explore.py",
    label=f"The {ui.plural(len(texts), 'sentence')} of 🔭 Explore (change them there)",
    icon="✏️",
)
vectors, views = None, {}
with ui.section("sentences"):
    vectors = embed_texts(active, texts)  # (n, dim), unit length
if vectors is None:  # could not be encoded: the message is above
    st.stop()
with ui.section("maps"):
    views = maps_section(active, texts, labels, vectors)
with ui.section("clusters"):
    clusters_section(active, texts, labels, vectors, views)
with ui.section("axes"):
    axes_section(active, texts, labels, vectors)
with ui.section("geometry"):
    geometry_section(active, texts, vectors)
with ui.section("find"):
    find_section(active, texts, labels, vectors, views)
ui.page_done()
