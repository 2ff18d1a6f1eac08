"""Long text & search: chunk documents, index the chunks, query, re-rank, and pool book vectors."""

from __future__ import annotations

import numpy as np
import streamlit as st

from components import widgets as ui
from components.charts import charts, search_charts
from components.content import lab_notes as notes
from components.core import limits
from components.core.texts import is_blank
from components.data.chunking import MIN_MAX_TOKENS, default_max_tokens
from components.data.corpus import Corpus, build_corpus, unique_names
from components.data.documents import (
    Document,
    from_sample,
    from_text,
    sample_names,
    sample_title,
    within_budget,
)
from components.models.encoder import get_tokenizer
from components.retrieval.highlight import chunk_legend_html, chunk_map_html
from components.retrieval.rerank import (
    RERANKERS,
    Reranked,
    Reranker,
    content_vectors,
    cross_encode,
    hybrid_bm25,
    late_interaction,
    mmr,
)
from components.retrieval.search_report import (
    RERANKER_NOTES,
    Query,
    chunk_rows,
    chunking_summary,
    document_words,
    lesson_questions,
    lesson_rows,
    query_problem,
    rank_change_rows,
    result_contexts,
    result_rows,
)
from components.services import search
from components.services.caches import cached_figure
from components.services.encoding import chunk_vectors, embed_texts, token_counts, token_vectors
from components.services.models import ActiveModel
from components.services.queue import heavy
from components.services.search import bm25_index, hnsw_index
from components.services.session_keys import SEARCH_WINDOW_DEFAULT_KEY
from components.state.page_state import BOOK_POOLINGS, DEFAULT_QUERY, SearchState
from components.vectors.book_vectors import attention_weights, book_vectors
from components.vectors.index import DEFAULT_EF_SEARCH, compare_on_corpus
from components.vectors.projection import project_with_query
from components.vectors.search import top_k
from components.vectors.similarity import cosine_similarity_matrix

UPLOAD_HELP = (
    "PDF text is extracted with pypdf; a scanned PDF (images only) has no text to extract. Up "
    f"to {limits.UPLOADS} files and {limits.UPLOADS_MB} MB together; the first "
    f"{limits.DOCUMENT_CHARS:,} characters of each are used."
)


def documents_section() -> list[Document]:
    """The shipped, pasted and uploaded documents; stops the page when there is none."""
    st.header("1 · Documents")
    ui.try_notice(
        "paste a long article of your own",
        "each document is cut into chunks before anything is encoded",
    )
    samples = sample_names()
    left, right = st.columns(2)
    chosen = left.multiselect(
        "Shipped long texts",
        samples,
        key=ui.persist("search_samples", samples),
        format_func=sample_title,
        help="Two essays of 5,000+ words on different topics, written for this lab (CC0).",
    )
    with left:
        pasted = ui.limited_text(
            st.text_area,
            "Paste a text (optional)",
            "search_paste",
            "",
            limits.PASTE_DOCUMENT_CHARS,
            height=120,
            placeholder="Paste an article, a chapter, a chat log…",
            help=f"Up to {limits.PASTE_DOCUMENT_CHARS:,} characters.",
        )
    loaded = [from_sample(name) for name in chosen]
    if pasted.strip():
        loaded.append(from_text(pasted))
    loaded.extend(ui.kept_documents(right, "search_uploads", UPLOAD_HELP))
    ui.show_messages([message for document in loaded for message in document.messages])
    kept, messages = within_budget([document.document for document in loaded])
    ui.show_messages(messages)
    if not kept:
        st.info("Pick a shipped text, paste one or upload a file to start.")
        st.stop()
    return kept


def chunking_section(
    active: ActiveModel, documents: list[Document], fits: int
) -> tuple[Corpus, str]:
    """The documents cut into chunks by the user's window and overlap, and their fingerprint."""
    st.header("2 · Chunking by tokens", anchor="chunking-by-tokens")
    ui.try_notice(
        "set the window above the model's window",
        "the model silently drops the end of every longer chunk",
    )
    st.caption(notes.search_chunking(active.info.max_tokens, fits))
    left, right = st.columns(2)
    st.session_state[SEARCH_WINDOW_DEFAULT_KEY] = fits
    ui.keep_in_range("search_window", MIN_MAX_TOKENS, 2 * active.info.max_tokens)
    ui.keep_in_range("search_overlap", 0, active.info.max_tokens)
    window = left.slider(
        "Window (tokens per chunk)",
        MIN_MAX_TOKENS,
        2 * active.info.max_tokens,
        key=ui.persist("search_window", fits),
        help=f"Above {fits}, chunks no longer fit the model: it reads the first {fits} tokens and "
        "drops the rest without telling you.",
    )
    overlap = right.slider(
        "Overlap (tokens)",
        0,
        active.info.max_tokens,
        key=ui.persist("search_overlap", 32),
        help="Tokens shared by consecutive chunks. 10–20% of the window is common.",
    )
    if overlap >= window:
        st.error(notes.search_overlap(overlap, window))
        st.stop()
    chunker = lambda text: search.chunks(active, text, window, overlap, limits.CHUNKS)  # noqa: E731
    corpus = ui.or_stop(lambda: build_corpus(documents, chunker, max_chunks=limits.CHUNKS))
    ui.show_messages(corpus.messages)
    if not len(corpus):
        st.stop()
    metrics, messages = chunking_summary(corpus, len(documents), window, fits)
    ui.show_messages(messages)
    ui.metric_row(metrics)
    return corpus, corpus.fingerprint(active.key, window, overlap)


def chunk_view(corpus: Corpus) -> int:
    """The chunks of one document drawn over its text; returns that document's index."""
    ui.keep_if_in("search_view_document", range(len(corpus.documents)))
    shown = st.selectbox(
        "Show the chunks of",
        range(len(corpus.documents)),
        format_func=corpus.names.__getitem__,
        key="search_view_document",
        help="Which document's chunks are drawn over its text below.",
    )
    st.html(chunk_legend_html())
    chunks = corpus.chunks_of(shown)
    with st.container(height=360, key="search_chunk_view"):
        st.html(chunk_map_html(corpus.documents[shown].text, chunks))
    with st.expander(f"Table of the {len(chunks)} chunks of {corpus.names[shown]}"):
        ui.number_table(chunk_rows(chunks))
    return shown


def index_section(active: ActiveModel, corpus: Corpus, fingerprint: str) -> tuple[np.ndarray, int]:
    """The chunk vectors (chunks, dim), and k, after timing exact against approximate search."""
    st.header("3 · The index: exact and approximate search", anchor="the-index")
    ui.try_notice("lower efSearch to 1", "recall@k falls: the graph walk misses true neighbours")
    encoded = chunk_vectors(active, fingerprint, corpus.texts)
    st.caption(notes.search_encoded(len(corpus), encoded.reused, encoded.seconds))
    vectors = encoded.vectors
    st.caption(notes.SEARCH_EXACT_AND_APPROXIMATE)
    left, right = st.container(key="advanced_search_index").columns(2)  # hidden when presenting
    ef_search = left.slider(
        "HNSW efSearch",
        1,
        256,
        key=ui.persist("search_ef", DEFAULT_EF_SEARCH),
        help="Candidates the graph walk keeps (at least k). Higher: better recall, slower queries.",
    )
    k = right.slider(
        "k (results per query)",
        1,
        20,
        key=ui.persist("search_k", 5),
        help="How many chunks a search returns.",
    )
    if k > len(corpus):
        only = "is only 1 chunk" if len(corpus) == 1 else f"are only {len(corpus)} chunks"
        st.info(f"There {only}: every search returns all of them.")
    index = hnsw_index(active, fingerprint, vectors)
    comparison = compare_on_corpus(index, vectors, k, ef_search)  # 100 chunks as queries
    ui.metric_row(comparison.metrics())
    st.caption(notes.search_timing(comparison.queries))
    return vectors, k


def query_section(
    active: ActiveModel, corpus: Corpus, vectors: np.ndarray, k: int, fits: int
) -> Query | None:
    """The user's question, encoded and answered; None when there is no usable question."""
    st.header("4 · Ask a question", anchor="ask-a-question")
    ui.try_notice(
        "ask with words that are not in the text",
        "meaning still finds the passage; the map is only a rough picture",
    )
    text = st.text_input(
        "Your question",
        key=ui.persist("search_query", DEFAULT_QUERY),
        max_chars=limits.QUERY_CHARS,
        help="Encoded like a chunk, then compared with every chunk vector by cosine. Up to "
        f"{limits.QUERY_CHARS:,} characters, and the model window in tokens.",
    )
    if is_blank(text):  # zero-width characters alone are no question
        st.info("Type a question to search the chunks.")
        return None
    tokens = token_counts(active, (text,))[0] - (active.info.max_tokens - fits)
    problem = query_problem(text, tokens, fits, limits.QUERY_CHARS)
    if problem:
        st.error(problem)
        return None
    vector = embed_texts(active, [text])[0]  # (dim,)
    query = Query(text, vector, vectors @ vector)  # cosine: both unit length
    hits, scores = top_k(vector, vectors, k, normalized=True)
    results = result_rows(hits, scores, corpus)
    ui.number_table(results, {"cosine": "%.4f"}, key="search_results")
    ui.csv_download(
        "Download these results (CSV)",
        lambda: results.assign(query=text),
        "search_results.csv",
        "search_download_results",
    )
    st.caption("Each result in its document (highlighted), with the text around it:")
    for rank, (title, context) in enumerate(result_contexts(hits, scores, corpus)):
        with st.expander(title, expanded=rank == 0):
            st.html(context)
    coords = project_with_query(vectors, vector)
    names = [corpus.document_name(i) for i in range(len(corpus))]
    ui.chart(
        cached_figure(search_charts.query_map, coords, corpus.texts, names, hits, text),
        "search_map",
    )
    st.caption(notes.SEARCH_QUERY_MAP)
    return query


def rerank(
    active: ActiveModel,
    corpus: Corpus,
    vectors: np.ndarray,
    query: Query,
    reranker: Reranker,
    candidates: np.ndarray,
    fingerprint: str,
) -> Reranked | None:
    """The candidates in the re-ranker's order (None when the cross-encoder is unavailable)."""
    formula, note = RERANKER_NOTES[reranker]
    if formula:
        st.latex(formula)
    st.caption(note)
    if reranker is Reranker.MMR:
        lambda_ = st.slider(
            "λ (relevance vs diversity)",
            0.0,
            1.0,
            step=0.05,
            key=ui.persist("search_mmr_lambda", 0.5),
            help="1 = plain cosine order; lower values penalise chunks similar to ones already "
            "picked (overlapping neighbours of the same passage).",
        )
        return mmr(query.vector, vectors, candidates, len(candidates), lambda_)
    if reranker is Reranker.HYBRID_BM25:
        bm25 = bm25_index(fingerprint, tuple(corpus.texts))
        return hybrid_bm25(query.text, query.cosines, bm25, candidates, len(candidates))
    texts = [corpus.chunks[i].text for i in candidates]
    if reranker is Reranker.LATE_INTERACTION:
        with st.spinner("Computing token vectors of the candidates…"):
            query_tokens = content_vectors(token_vectors(active, (query.text,)))[0]
            chunk_tokens = content_vectors(token_vectors(active, tuple(texts)))
        return late_interaction(query_tokens, chunk_tokens, candidates)
    # Reranker.CROSS_ENCODER
    model = ui.loaded_cross_encoder("search_ce_name")
    if model is None:
        return None
    with heavy("cross-encoder", "Scoring query–chunk pairs"):
        return cross_encode(model, query.text, texts, candidates)


def rerank_section(
    active: ActiveModel,
    corpus: Corpus,
    vectors: np.ndarray,
    query: Query | None,
    k: int,
    fingerprint: str,
) -> None:
    st.header("5 · Re-ranking", anchor="re-ranking")
    ui.try_notice(
        "switch re-rankers on the same question",
        "MMR removes near-duplicate chunks; BM25 rescues rare words",
    )
    st.caption(notes.SEARCH_RERANKING)
    if query is None:
        st.info("Ask a question above to re-rank its results.")
        return
    left, right = st.columns([2, 1])
    reranker = left.radio(
        "Re-ranker",
        RERANKERS,
        horizontal=True,
        key=ui.persist("search_reranker", RERANKERS[0]),
        help="The second scorer that re-orders the first search's candidates.",
    )
    n_candidates = right.slider(
        "Candidates from the first search",
        2,
        50,
        key=ui.persist("search_candidates", 20),
        help="The dense top-N handed to the re-ranker.",
    )
    candidates, _ = top_k(query.vector, vectors, n_candidates, normalized=True)
    result = rerank(active, corpus, vectors, query, Reranker(reranker), candidates, fingerprint)
    if result is None:
        return
    rows = rank_change_rows(result, candidates, query.cosines, corpus)
    with st.container(key="search_rerank"):
        ui.number_table(
            rows.head(max(k, 10)),
            {"re-rank score": "%.4f", "cosine": "%.4f"},
            key="search_rerank_table",
            hidden=["dense rank"],  # new rank and change say it; the numbers fit a 1024 px screen
        )
    moved = int((rows["change"].head(k) != "=").sum())
    st.caption(
        f"{moved} of the top {min(k, len(rows))} changed place after re-ranking (▲ 2: two places "
        "higher than in the dense ranking)."
    )


def book_vectors_section(
    active: ActiveModel, corpus: Corpus, vectors: np.ndarray, shown: int, query: Query | None
) -> None:
    st.header("6 · Book vectors: one vector per document", anchor="book-vectors")
    ui.try_notice(
        "switch mean and attention pooling",
        "book vectors find the book; chunk vectors find the passage",
    )
    st.latex(
        r"w_i = \frac{e^{\cos(c_i, \bar c)/T}}{\sum_j e^{\cos(c_j, \bar c)/T}}, \qquad \text{book} = \sum_i w_i c_i"
    )
    st.caption(notes.SEARCH_BOOK_VECTORS)
    if len(corpus.documents) < 2:
        st.info("Load at least two documents to compare book vectors.")
        return
    left, right = st.columns(2)
    pooling = left.radio(
        "Pooling",
        BOOK_POOLINGS,
        horizontal=True,
        key=ui.persist("search_pooling", "mean"),
        help="Mean: every chunk counts the same. Attention: chunks typical of the document count more.",
    )
    temperature = right.slider(
        "Attention temperature",
        0.01,
        1.0,
        step=0.01,
        key=ui.persist("search_temperature", 0.05),
        disabled=pooling == "mean",
        help="Low: the most typical chunks dominate. High: every chunk counts the same (= mean).",
    )
    books = book_vectors(vectors, corpus.owners, len(corpus.documents), pooling, temperature)
    similarity = cosine_similarity_matrix(books)
    ui.chart(
        cached_figure(charts.similarity_heatmap, similarity, corpus.names, show_values=True),
        "search_book_heatmap",
    )
    if pooling == "attention":
        weights = attention_weights(vectors[corpus.owners == shown], temperature)
        title = f"Attention weights of the chunks of {corpus.names[shown]}"
        ui.chart(search_charts.attention_bars(weights, title), "search_attention")
    st.subheader("Lesson: search with book vectors vs chunk vectors")
    questions = lesson_questions(corpus.names, query.text if query else None)
    if not questions:
        st.info("Load the shipped texts (or ask a question above) to see the comparison.")
        return
    question_vectors = embed_texts(active, [q.question for q in questions])
    rows = lesson_rows(questions, question_vectors, books, vectors, corpus)
    verdicts = ["question", "right book?", "right passage?"]  # what the lesson is about, first
    rows = rows[verdicts + [c for c in rows.columns if c not in verdicts]]
    ui.number_table(
        rows,
        key="search_lesson",
        narrow=[c for c in rows.columns if c not in verdicts[1:]],
    )
    st.caption(notes.SEARCH_BOOK_VS_CHUNK)


active = ui.page_setup("Long text & search", "🔎", SearchState)
fits = default_max_tokens(active.info.max_tokens, get_tokenizer(active.model))  # e.g. 256 - 2
st.title("🔎 Long text & semantic search")
st.caption(
    f"A sentence encoder reads at most {active.info.max_tokens} tokens and silently ignores the "
    "rest. Long documents are therefore cut into overlapping chunks; each chunk gets a vector; a "
    "question is encoded the same way and answered by the chunks whose vectors point the same way."
)
vectors = None
with ui.section("documents"):
    documents = documents_section()
    names = unique_names([document.name for document in documents])
    st.caption(document_words(names, [document.text for document in documents]))
    corpus, fingerprint = chunking_section(active, documents, fits)
    shown = 0
    with ui.section("chunk view"):
        shown = chunk_view(corpus)
    vectors, k = index_section(active, corpus, fingerprint)
if vectors is None:  # no documents, chunks or vectors: the message is above
    st.stop()
query = None
with ui.section("query"):
    query = query_section(active, corpus, vectors, k, fits)
with ui.section("re-ranking"):
    rerank_section(active, corpus, vectors, query, k, fingerprint)
with ui.section("book vectors"):
    book_vectors_section(active, corpus, vectors, shown, query)
ui.page_done()
