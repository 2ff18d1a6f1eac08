"""Long text & search: chunk documents, index the chunks, query, re-rank, and pool book vectors."""

from __future__ import annotations

import hashlib
import time

import numpy as np
import pandas as pd
import streamlit as st

from components import backend, charts, search_charts
from components.book_vectors import attention_weights, book_vectors
from components.chunking import MIN_MAX_TOKENS, count_content_tokens, default_max_tokens
from components.documents import (
    LESSON_QUERIES,
    Document,
    from_sample,
    from_text,
    sample_names,
    sample_title,
    section_at,
)
from components.encoder import ModelLoadError
from components.highlight import CHUNK_COLOURS, OVERLAP_COLOUR, chunk_map_html, context_html
from components.index import DEFAULT_EF_SEARCH, compare
from components.rerank import (
    LOCAL_CROSS_ENCODER,
    cross_encode,
    hybrid_bm25,
    late_interaction,
    mmr,
)
from components.search import top_k
from components.similarity import cosine_similarity_matrix
from components.texts import InputError
from components.widgets import model_sidebar, persist, show_messages

st.set_page_config(page_title="Long text & search · Sentence Embedding Lab", page_icon="🔎",
                   layout="wide")  # fmt: skip
active = model_sidebar()
tokenizer = active.model.tokenizer
WINDOW = default_max_tokens(active.info.max_tokens, tokenizer)  # e.g. 256 - [CLS] - [SEP] = 254
DEFAULT_QUERY = "How does a glass lens make a lighthouse beam visible far away?"
RERANKERS = ["MMR (diversity)", "Hybrid: BM25 + RRF", "Late interaction (MaxSim)", "Cross-encoder"]
TIMING_QUERIES = 100  # chunk vectors used as queries to time the two indexes


def preview(text: str, width: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


st.title("🔎 Long text & semantic search")
st.caption(
    f"A sentence encoder reads at most {active.info.max_tokens} tokens and silently ignores the "
    "rest. Long documents are therefore cut into overlapping chunks; each chunk gets a vector; a "
    "question is encoded the same way and answered by the chunks whose vectors point the same way."
)

# ---------------------------------------------------------------- 1. Documents
st.header("1 · Documents")
samples = sample_names()
left, right = st.columns(2)
with left:
    chosen_samples = st.multiselect(
        "Shipped long texts",
        samples,
        key=persist("search_samples", samples),
        format_func=sample_title,
        help="Two essays of 5,000+ words on different topics, written for this lab (CC0).",
    )
    pasted = st.text_area(
        "Paste a text (optional)",
        key=persist("search_paste", ""),
        height=120,
        placeholder="Paste an article, a chapter, a chat log…",
    )
with right:
    uploads = st.file_uploader(
        "Upload .txt, .md or .pdf files",
        type=["txt", "md", "pdf"],
        accept_multiple_files=True,
        key="search_uploads",
        help="PDF text is extracted with pypdf; a scanned PDF (images only) has no text to "
        "extract. Up to 50 MB per file; the first 1,000,000 characters of each are used.",
    )

documents: list[Document] = []
messages = []
for name in chosen_samples:
    documents.append(from_sample(name).document)
if pasted.strip():
    loaded = from_text(pasted)
    documents.append(loaded.document)
for upload in uploads or []:
    try:
        loaded = backend.search_read_upload(upload.getvalue(), upload.name)
    except InputError as error:
        st.error(str(error))
        continue
    messages.extend(loaded.messages)
    documents.append(loaded.document)
show_messages(messages)
if not documents:
    st.info("Pick a shipped text, paste one or upload a file to start.")
    st.stop()
names = [document.name for document in documents]
for number, name in enumerate(names):  # unique names: they label charts and tables
    if names.count(name) > 1:
        names[number] = f"{name} ({number + 1})"
st.caption(
    " · ".join(f"**{name}**: {len(d.text.split()):,} words" for name, d in zip(names, documents))
)

# ---------------------------------------------------------------- 2. Chunking
st.header("2 · Chunking by tokens")
st.caption(
    f"Chunks are counted in tokens, the unit the model reads. The default window is the model's "
    f"{active.info.max_tokens} tokens minus the 2 special tokens ([CLS], [SEP]) = **{WINDOW}**, so "
    "nothing is truncated. Chunks end between words, and each one is tokenised again to check it "
    "fits. Overlap repeats the end of one chunk at the start of the next, so a sentence cut by a "
    "boundary is still whole in one of them."
)
left, right = st.columns(2)
window = left.slider(
    "Window (tokens per chunk)",
    MIN_MAX_TOKENS,
    2 * active.info.max_tokens,
    key=persist("search_window", WINDOW),
    help=f"Above {WINDOW}, chunks no longer fit the model: it reads the first {WINDOW} tokens "
    "and drops the rest without telling you.",
)
overlap = right.slider(
    "Overlap (tokens)",
    0,
    active.info.max_tokens,
    key=persist("search_overlap", 32),
    help="Tokens shared by consecutive chunks. 10–20% of the window is common.",
)
if overlap >= window:
    st.error(
        f"The overlap ({overlap} tokens) must be smaller than the window ({window} tokens): "
        "otherwise a chunk never moves forward. Lower the overlap or widen the window."
    )
    st.stop()

chunks, owners = [], []  # all chunks of all documents; owners[i] = document index of chunk i
for number, document in enumerate(documents):
    try:
        document_chunks = backend.search_chunks(
            active.key, document.text, window, overlap, tokenizer
        )
    except ValueError as error:
        st.error(f"{names[number]}: {error}")
        st.stop()
    if not document_chunks:
        st.warning(f"{names[number]} has no tokens to chunk (only spaces?); it is left out.")
    chunks.extend(document_chunks)
    owners.extend([number] * len(document_chunks))
if not chunks:
    st.stop()
owners = np.asarray(owners)
chunk_texts = [chunk.text for chunk in chunks]
token_counts = np.asarray([chunk.n_tokens for chunk in chunks])
too_long = int((token_counts > WINDOW).sum())
if window > WINDOW:
    st.warning(
        f"A window of {window} tokens is larger than the model reads ({WINDOW} + 2 special "
        f"tokens): {too_long} of {len(chunks)} chunks are longer than that, and the model will "
        f"silently drop their ends. Use at most {WINDOW}."
    )
metrics = st.columns(4)
metrics[0].metric("Documents", len(documents))
metrics[1].metric("Chunks", f"{len(chunks):,}")
metrics[2].metric(
    "Tokens per chunk (mean / max)", f"{token_counts.mean():.0f} / {token_counts.max()}"
)
metrics[3].metric("Chunks over the model window", too_long)

shown = st.selectbox(
    "Show the chunks of", range(len(documents)), format_func=names.__getitem__,
    key="search_view_document",
)  # fmt: skip
st.caption(
    f'<span style="background:{CHUNK_COLOURS[0]}">chunk</span> '
    f'<span style="background:{CHUNK_COLOURS[1]}">next chunk</span> '
    f'<span style="background:{OVERLAP_COLOUR}">overlap (in both)</span> · the dark number '
    "marks where each chunk starts · unshaded text is only whitespace the model never sees.",
    unsafe_allow_html=True,
)
shown_chunks = [chunk for chunk, owner in zip(chunks, owners) if owner == shown]
with st.container(height=360, key="search_chunk_view"):
    st.html(chunk_map_html(documents[shown].text, shown_chunks))
with st.expander(f"Table of the {len(shown_chunks)} chunks of {names[shown]}"):
    st.dataframe(
        pd.DataFrame(
            {
                "chunk": range(1, len(shown_chunks) + 1),
                "tokens": [chunk.n_tokens for chunk in shown_chunks],
                "characters": [f"{chunk.start:,}–{chunk.end:,}" for chunk in shown_chunks],
                "text": [preview(chunk.text, 200) for chunk in shown_chunks],
            }
        ),
        hide_index=True,
        width="stretch",
    )

# ---------------------------------------------------------------- 3. Index
st.header("3 · The index: exact and approximate search")
fingerprint = hashlib.sha256(
    "\x00".join([active.key, str(window), str(overlap), *chunk_texts]).encode()
).hexdigest()
cached = st.session_state.get("_search_index")
if cached is not None and cached["fingerprint"] == fingerprint:
    vectors = cached["vectors"]
    st.caption(f"✅ {len(chunks):,} chunk vectors reused: nothing was encoded on this run.")
else:
    started = time.perf_counter()
    vectors = backend.embed_texts(  # (chunks, dim), unit length
        active, chunk_texts, chunk=backend.SEARCH_BATCH, noun="chunks", progress_min=0
    )
    seconds = time.perf_counter() - started
    st.session_state["_search_index"] = {"fingerprint": fingerprint, "vectors": vectors}
    st.caption(
        f"Encoded {len(chunks):,} chunks in {seconds:.1f} s (batches already seen come from the "
        "cache). A new query only encodes the query."
    )
index = backend.search_hnsw_index(active.key, fingerprint, vectors)
st.caption(
    "**Exact** search compares the query with every chunk (one matrix–vector product in numpy). "
    "**Approximate** search (faiss HNSW, a graph of near neighbours) visits only part of the "
    "chunks: much faster on millions of vectors, at the price of sometimes missing one. "
    "Recall@k = the share of the exact top-k that the approximate index also finds."
)
left, right = st.columns(2)
ef_search = left.slider(
    "HNSW efSearch", 1, 256, key=persist("search_ef", DEFAULT_EF_SEARCH),
    help="Candidates the graph walk keeps (at least k). Higher: better recall, slower queries.",
)  # fmt: skip
k = right.slider(
    "k (results per query)", 1, 20, key=persist("search_k", 5),
    help="How many chunks a search returns.",
)  # fmt: skip
if k > len(chunks):
    only = "is only 1 chunk" if len(chunks) == 1 else f"are only {len(chunks)} chunks"
    st.info(f"There {only}: every search returns all of them.")
timing_rows = np.linspace(0, len(chunks) - 1, min(TIMING_QUERIES, len(chunks))).astype(int)
comparison = compare(index, vectors, vectors[timing_rows], k, ef_search)
metrics = st.columns(3)
metrics[0].metric("Exact (numpy), per query", f"{comparison.exact_ms:.3f} ms")
metrics[1].metric("Approximate (faiss HNSW), per query", f"{comparison.approximate_ms:.3f} ms")
metrics[2].metric(f"Recall@{comparison.k} of HNSW", f"{comparison.recall:.3f}")
st.caption(
    f"Measured on {len(timing_rows)} chunk vectors used as queries. With a few hundred chunks "
    "exact search is already instant: an approximate index pays off at ~100k+ vectors (see "
    "`make bench` for 100k)."
)

# ---------------------------------------------------------------- 4. Query
st.header("4 · Ask a question")
query = st.text_input(
    "Your question", key=persist("search_query", DEFAULT_QUERY),
    help="Encoded like a chunk, then compared with every chunk vector by cosine.",
)  # fmt: skip
query_tokens = count_content_tokens(tokenizer, [query])[0] if query.strip() else 0
query_ok = False
if not query.strip():
    st.info("Type a question to search the chunks.")
elif query_tokens > WINDOW:
    st.error(
        f"Your question has {query_tokens} tokens; the model reads only {WINDOW}. A query is one "
        "sentence or two: shorten it (a long passage belongs in the documents)."
    )
else:
    query_ok = True

if query_ok:
    query_vec = backend.embed_texts(active, [query])[0]  # (dim,)
    all_scores = vectors @ query_vec  # (chunks,) cosine: both unit length
    hits, hit_scores = top_k(query_vec, vectors, k, normalized=True)
    st.dataframe(
        pd.DataFrame(
            {
                "rank": range(1, len(hits) + 1),
                "cosine": hit_scores,
                "document": [names[owners[i]] for i in hits],
                "chunk": [int((owners[: i + 1] == owners[i]).sum()) for i in hits],
                "text": [preview(chunk_texts[i]) for i in hits],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={"cosine": st.column_config.NumberColumn(format="%.4f")},
        key="search_results",
    )
    st.caption("Each result in its document (highlighted), with the text around it:")
    for rank, (i, score) in enumerate(zip(hits, hit_scores), start=1):
        chunk = chunks[i]
        with st.expander(f"{rank}. {names[owners[i]]} · cosine {score:.3f}", expanded=rank == 1):
            st.html(context_html(documents[owners[i]].text, chunk.start, chunk.end))
    coords = search_charts.project_with_query(vectors, query_vec)
    st.plotly_chart(
        search_charts.query_map(coords, chunk_texts, [names[o] for o in owners], hits, query),
        width="stretch",
        key="search_map",
    )
    st.caption(
        "PCA of the chunk vectors (fitted on the chunks only, so the map stays still); the query "
        "is placed with the same rotation. Ringed numbers are the top-k. Two dimensions of 384 "
        "lose a lot: trust the cosine column over the picture."
    )

# ---------------------------------------------------------------- 5. Re-ranking
st.header("5 · Re-ranking")
st.caption(
    "A fast first search returns candidates; a second, slower or different scorer re-orders "
    "them. The table compares the ranks before and after."
)
if not query_ok:
    st.info("Ask a question above to re-rank its results.")
else:
    left, right = st.columns([2, 1])
    reranker = left.radio(
        "Re-ranker", RERANKERS, horizontal=True, key=persist("search_reranker", RERANKERS[0])
    )
    n_candidates = right.slider(
        "Candidates from the first search", 2, 50, key=persist("search_candidates", 20),
        help="The dense top-N handed to the re-ranker.",
    )  # fmt: skip
    candidates, _ = top_k(query_vec, vectors, n_candidates, normalized=True)
    dense_rank = {int(index): rank for rank, index in enumerate(candidates, start=1)}
    result = None
    if reranker == RERANKERS[0]:
        lambda_ = st.slider(
            "λ (relevance vs diversity)", 0.0, 1.0, step=0.05, key=persist("search_mmr_lambda", 0.5),
            help="1 = plain cosine order; lower values penalise chunks similar to ones already "
            "picked (overlapping neighbours of the same passage).",
        )  # fmt: skip
        st.caption(
            "**MMR** picks one chunk at a time by λ·cos(query, chunk) − (1−λ)·max cos(chunk, "
            "already picked): relevant *and* different from what is already shown."
        )
        result = mmr(query_vec, vectors, candidates, len(candidates), lambda_)
    elif reranker == RERANKERS[1]:
        st.caption(
            "**Hybrid**: BM25 (exact word matches, Lucene formula, via bm25s) ranks every chunk "
            "too; reciprocal-rank fusion adds 1/(60 + rank) from each ranking. Words the model "
            "blurs (names, numbers, rare terms) get a second chance."
        )
        bm25 = backend.search_bm25(fingerprint, tuple(chunk_texts))
        result = hybrid_bm25(query, all_scores, bm25, candidates, len(candidates))
    elif reranker == RERANKERS[2]:
        st.caption(
            "**Late interaction** (ColBERT-style MaxSim, with our own model's token vectors): each "
            "query token finds its best-matching token in the chunk; the score is the average of "
            "those best cosines. It keeps word-level detail that one pooled vector averages away."
        )
        with st.spinner("Computing token vectors of the candidates…"):
            query_tokens_vecs = backend.search_token_vectors(active.key, (query,), active.model)[0]
            chunk_token_vecs = backend.search_token_vectors(
                active.key, tuple(chunk_texts[i] for i in candidates), active.model
            )
        result = late_interaction(query_tokens_vecs, chunk_token_vecs, candidates)
    else:
        ce_name = st.text_input(
            "Cross-encoder", key=persist("search_ce_name", LOCAL_CROSS_ENCODER),
            help="A Hugging Face id (e.g. cross-encoder/ms-marco-MiniLM-L6-v2) or a local folder; "
            f"loads only when reachable. `{LOCAL_CROSS_ENCODER}` works offline.",
        )  # fmt: skip
        st.caption(
            "A **cross-encoder** reads query and chunk *together* and outputs one relevance "
            "score: more accurate than comparing two separate vectors, but it must run once per "
            "candidate, so it only re-ranks a short list."
        )
        if ce_name.strip() == LOCAL_CROSS_ENCODER:
            st.warning(
                "The local demo cross-encoder is MiniLM with a **new, untrained scoring head**: "
                "its scores are meaningless (the order below is noise). It shows the plumbing "
                "offline; name a trained cross-encoder when this machine has internet."
            )
        try:
            cross_encoder = backend.search_cross_encoder(ce_name.strip())
        except ModelLoadError as error:
            st.error(f"{error} Re-ranking with a cross-encoder is unavailable.")
        else:
            with backend.HEAVY_WORK, st.spinner("Scoring query–chunk pairs…"):
                result = cross_encode(
                    cross_encoder, query, [chunk_texts[i] for i in candidates], candidates
                )
    if result is not None:
        rows = []
        for new_rank, (index, score) in enumerate(zip(result.order, result.scores), start=1):
            before = dense_rank[int(index)]
            change = before - new_rank
            rows.append(
                {
                    "new rank": new_rank,
                    "dense rank": before,
                    "change": f"▲ {change}" if change > 0 else f"▼ {-change}" if change else "=",
                    "re-rank score": float(score),
                    "cosine": float(all_scores[index]),
                    "document": names[owners[index]],
                    "text": preview(chunk_texts[index]),
                }
            )
        with st.container(key="search_rerank"):
            st.dataframe(
                pd.DataFrame(rows[: max(k, 10)]),
                hide_index=True,
                width="stretch",
                key="search_rerank_table",
                column_config={
                    "re-rank score": st.column_config.NumberColumn(format="%.4f"),
                    "cosine": st.column_config.NumberColumn(format="%.4f"),
                },
            )
        moved = sum(1 for row in rows[:k] if row["change"] != "=")
        st.caption(f"{moved} of the top {min(k, len(rows))} changed place after re-ranking.")

# ---------------------------------------------------------------- 6. Book vectors
st.header("6 · Book vectors: one vector per document")
st.caption(
    "Pooling all chunk vectors of a document gives one 'book vector'. **Mean** pooling averages "
    "them. **Attention** pooling (parameter-free here) weights each chunk by softmax(cos(chunk, "
    "document mean) / temperature): chunks typical of the document count more than digressions."
)
if len(documents) < 2:
    st.info("Load at least two documents to compare book vectors.")
    st.stop()
left, right = st.columns(2)
pooling = left.radio(
    "Pooling", ["mean", "attention"], horizontal=True, key=persist("search_pooling", "mean")
)
temperature = right.slider(
    "Attention temperature", 0.01, 1.0, step=0.01, key=persist("search_temperature", 0.05),
    disabled=pooling == "mean",
    help="Low: the most typical chunks dominate. High: every chunk counts the same (= mean).",
)  # fmt: skip
books = book_vectors(vectors, owners, len(documents), pooling, temperature)  # (documents, dim)
st.plotly_chart(
    charts.similarity_heatmap(cosine_similarity_matrix(books), names, show_values=True),
    width="stretch",
    key="search_book_heatmap",
)
if pooling == "attention":
    weights = attention_weights(vectors[owners == shown], temperature)
    st.plotly_chart(
        search_charts.attention_bars(weights, f"Attention weights of the chunks of {names[shown]}"),
        width="stretch",
        key="search_attention",
    )

st.subheader("Lesson: search with book vectors vs chunk vectors")
lesson = [(q, sample_title(f), heading) for q, f, heading in LESSON_QUERIES
          if sample_title(f) in names]  # fmt: skip
if query_ok and query.strip() not in [row[0] for row in lesson]:
    lesson.insert(0, (query, "", ""))
if not lesson:
    st.info("Load the shipped texts (or ask a question above) to see the comparison.")
    st.stop()
lesson_vectors = backend.embed_texts(active, [row[0] for row in lesson])  # (queries, dim)
rows = []
for (question, right_book, right_section), vector in zip(lesson, lesson_vectors):
    book_index, book_score = top_k(vector, books, 1, normalized=True)
    chunk_index, chunk_score = top_k(vector, vectors, 1, normalized=True)
    hit = int(chunk_index[0])
    hit_document = documents[owners[hit]]
    section = section_at(hit_document.text, (chunks[hit].start + chunks[hit].end) // 2)
    rows.append(
        {
            "question": question,
            "book vectors → book": names[book_index[0]],
            "right book?": ("✅" if names[book_index[0]] == right_book else "❌")
            if right_book
            else "?",
            "chunk vectors → passage": preview(chunk_texts[hit], 90),
            "in section": section or "—",
            "right passage?": ("✅" if section == right_section else "❌")
            if right_section
            else "?",
        }
    )
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="search_lesson")
st.caption(
    "A book vector finds the right **book** for a question, but it is one point for thousands of "
    "words: it cannot say *where* the answer is, and a document about many things is pulled "
    "towards its average. Chunk vectors find the **passage** (the section it falls in is shown). "
    "That is why retrieval systems store chunk vectors, and use book vectors for "
    "'which document is this about?' (routing, clustering, deduplication). `?`: your own "
    "question has no known answer."
)
