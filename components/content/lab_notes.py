"""The longer explanations the labs show under their charts and controls (Markdown).

Kept out of the page scripts so that each page reads as a short list of sections; the
glossary and the tests can read them too. Texts with measured numbers in them are built by
the page (or by the readings of `components.pooling.pooling_readings`), never written here.
"""

from __future__ import annotations

from components.core import limits

TOKENS_TOKEN_CHIPS = (
    "Each box is one word; the pieces inside it are joined (orange = a continuation piece). "
    "Grey: special tokens the tokenizer adds to every text. Red: [UNK], a character the "
    "vocabulary cannot spell. The small number under each piece is its id in the vocabulary."
)

TOKENS_WORD_HEATMAP = (
    "Cosine between the token vectors of each occurrence (a word cut into several pieces "
    "uses the mean of its pieces). Same sense → higher cosine, but every *bank* stays far "
    "closer to every other *bank* than to a different word: the piece's own identity still "
    "dominates its vector."
)

TOKENS_CONTEXT = (
    "Before the transformer, every occurrence of *bank* is the same vector from the "
    "vocabulary table (cosine 1.000 with itself). After six layers of self-attention, each "
    "occurrence has absorbed its neighbours, so two river banks should agree more with each "
    "other than with a bank loan. Measure it below; the word vectors move less than you "
    "might think."
)

TOKENS_RANDOM_WEIGHTS = (
    "Same architecture, same tokenizer, same mean pooling, but the transformer's weights are "
    "random (built locally from the model's config with a fixed seed: no download). "
    "Everything the trained model knows about meaning is in the weights it learned."
)

LOSS_LANDSCAPES = (
    "Each map is a loss over every possible pair (cos(a,p), cos(a,n)); your triplets are the "
    "markers (○ easy, ◇ semi-hard, ✕ hard). Training moves them right (positive closer) and "
    "down (negative further), towards the dark, zero-loss corner. The dotted line is "
    "cos(a,p) = cos(a,n)."
)

LOSS_TWO_CANDIDATES = (
    "The InfoNCE map shows one anchor whose softmax holds only its positive and its own "
    "negative: softplus((cos(a,n) − cos(a,p)) / τ). In the table above every other sentence "
    "of the batch also sits in the denominator, so the real values are higher."
)

LOSS_FINE_TUNE = (
    "Train starts from a fresh copy of the model (the shared model every visitor uses is "
    "never touched) and runs a few epochs on your triplets. Afterwards the copy appears in "
    "the sidebar as **fine-tuned copy** and every page of this session uses it; Reset drops it."
)

LOSS_ZERO_LOSS = (
    "The training loss was 0 at every step: all training triplets are already easy for "
    "this loss, so there was no gradient and the model did not change (apart from weight "
    "decay). Raise α or the margin, use InfoNCE, or add harder triplets."
)

SEARCH_EXACT_AND_APPROXIMATE = (
    "**Exact** search compares the query with every chunk (one matrix–vector product in "
    "numpy). **Approximate** search (faiss HNSW, a graph of near neighbours) visits only part "
    "of the chunks: much faster on millions of vectors, at the price of sometimes missing "
    "one. Recall@k = the share of the exact top-k that the approximate index also finds."
)

SEARCH_QUERY_MAP = (
    "PCA of the chunk vectors (fitted on the chunks only, so the map stays still); the query "
    "is placed with the same rotation. Ringed numbers are the top-k. Two dimensions of 384 "
    "lose a lot: trust the cosine column over the picture."
)

SEARCH_BOOK_VECTORS = (
    "Pooling all chunk vectors of a document gives one 'book vector'. **Mean** pooling "
    "averages them. **Attention** pooling (parameter-free here) weights each chunk by "
    "softmax(cos(chunk, document mean) / temperature): chunks typical of the document count "
    "more than digressions."
)

SEARCH_BOOK_VS_CHUNK = (
    "A book vector finds the right **book** for a question, but it is one point for "
    "thousands of words: it cannot say *where* the answer is, and a document about many "
    "things is pulled towards its average. Chunk vectors find the **passage** (the section "
    "it falls in is shown). That is why retrieval systems store chunk vectors, and use book "
    "vectors for 'which document is this about?' (routing, clustering, deduplication). `?`: "
    "your own question has no known answer."
)

LOSS_CURVE_NOISE = (
    "Each step is one batch. Dropout is on while training, so the curve is noisy; with so "
    "few triplets it falls quickly because the model is memorising them."
)

LOSS_GAP = (
    "gap = mean of cos(a,p) − cos(a,n) over the group (higher is better); wins = triplets "
    "whose positive is closer to the anchor than the negative."
)

LOSS_MOVEMENT = (
    "One PCA of the vectors before and after training, so both share the same axes: faint "
    "dots are the original model; a line (its arrowhead at the new place) leads to where the "
    "fine-tuned copy puts each sentence."
)

LOSS_COPIES = (
    f"At most {limits.FINE_TUNED_COPIES} fine-tuned copies live on this server at once; a "
    f"run stops after {limits.TRAIN_SECONDS} s; a copy unused for "
    f"{limits.COPY_IDLE_MINUTES} minutes may be dropped for another session."
)


def loss_one_row(use_negatives: bool) -> str:
    """Why InfoNCE has nothing (or only its own negative) to compare with on a single row."""
    return (
        "With one row there are no in-batch negatives: InfoNCE compares the positive only with "
        + ("the row's own negative." if use_negatives else "itself, so its loss is 0. Add rows.")
    )


def loss_classes(alpha: float) -> str:
    """What easy, semi-hard and hard mean at the triplet margin `alpha`."""
    return (
        f"**easy**: the positive wins by α = {alpha:g} or more, so the triplet loss is 0 "
        "and the triplet teaches nothing more. **semi-hard**: the positive wins, by less than α. "
        "**hard**: the negative is as close as the positive, or closer. Hard and semi-hard "
        "triplets carry the learning signal; InfoNCE is never exactly 0, it only gets small."
    )


def loss_softmax_bars(count: int, use_negatives: bool, colour: str = "green") -> str:
    """How to read the softmax bars of one anchor over `count` positives (+ `count` negatives);
    `colour` is the colour its own positive is drawn in (presenter mode draws another)."""
    return (
        f"Bars 1–{count} are the batch's positives"
        + (f", bars {count + 1}–{2 * count} its negatives" if use_negatives else "")
        + f"; {colour} is this anchor's own positive (the others are grey). The loss is −log of "
        f"the {colour} bar. At τ = 1 "
        "every candidate gets a similar share (cosines differ by < 2); at small τ the softmax "
        "becomes a hard maximum, and all the gradient goes to the closest competitors."
    )


SEARCH_RERANKING = (
    "A fast first search returns candidates; a second, slower or different scorer re-orders "
    "them. The table compares the ranks before and after."
)


def search_chunking(max_tokens: int, fits: int) -> str:
    """Chunking by tokens, for a model of `max_tokens` tokens that fits `fits` besides specials."""
    return (
        f"Chunks are counted in tokens, the unit the model reads. The default window is the "
        f"model's {max_tokens} tokens minus the 2 special tokens ([CLS], [SEP]) = "
        f"**{fits}**, so nothing is truncated. Chunks end between words, and each one is "
        "tokenised again to check it fits. Overlap repeats the end of one chunk at the start of "
        "the next, so a sentence cut by a boundary is still whole in one of them."
    )


def search_encoded(chunks: int, reused: bool, seconds: float) -> str:
    """Whether the chunk vectors were reused or encoded on this run (and how long it took)."""
    if reused:
        return f"✅ {chunks:,} chunk vectors reused: nothing was encoded on this run."
    return (
        f"Encoded {chunks:,} chunks in {seconds:.1f} s (batches already seen "
        "come from the cache). A new query only encodes the query."
    )


def search_timing(queries: int) -> str:
    """Where the timings of exact and approximate search come from."""
    return (
        f"Measured on {queries} chunk vectors used as queries. With a few hundred "
        "chunks exact search is already instant: an approximate index pays off at ~100k+ "
        "vectors (see `make bench` for 100k)."
    )


def search_overlap(overlap: int, window: int) -> str:
    """Why an overlap as large as the window cannot chunk."""
    return (
        f"The overlap ({overlap} tokens) must be smaller than the window ({window} tokens): "
        "otherwise a chunk never moves forward. Lower the overlap or widen the window."
    )


EXPLORE_INTRO = (
    "Each sentence becomes one vector. Sentences that mean similar things should point the same "
    "way: their cosine similarity is close to 1. Unrelated ones sit near 0."
)

EXPLORE_RANK_PAIRS = (
    "Rank the pairs: **1** = the pair you expect the model to find most similar. Equal "
    "ranks are allowed."
)


def explore_ranking(reading: str) -> str:
    """The reading of a pair ranking, then how Spearman's ρ compares two orders."""
    return (
        f"{reading} Spearman's ρ compares the two orders, not the numbers: 1 = the same "
        "order, 0 = unrelated, −1 = reversed (ties share their mean rank)."
    )


def explore_blocks(n: int, n_blocks: int) -> str:
    """How to read the block heatmap that stands for the `n` x `n` cosines."""
    return (
        f"{n:,} sentences make {n * n:,} pairs: far too many cells to draw. They are grouped into "
        f"{n_blocks} blocks of similar sentences (k-means); each cell is the **mean cosine** "
        "between the sentences of two blocks, exact over every pair. Hover a cell for the blocks' "
        "sizes and a typical sentence; pick two blocks below to see their sentences."
    )


def explore_block_pair(
    shown: tuple[int, int], totals: tuple[int, int], blocks: tuple[int, int]
) -> str:
    """Which sentences of the two picked blocks (0-based numbers) the pair heatmap shows."""
    return (
        f"Rows: {shown[0]} of the {totals[0]:,} sentences of block B{blocks[0] + 1}; "
        f"columns: {shown[1]} of the {totals[1]:,} of B{blocks[1] + 1} (a larger block "
        "is sampled evenly from its most to its least typical sentence). Each cell is one real "
        "cosine; hover it for both sentences."
    )


def explore_heatmap_colours(presenting: bool) -> str:
    """The colours of the cosine heatmap (the presenter's colour-blind-safe scale or not)."""
    similar, away = ("Orange", "purple") if presenting else ("Red", "blue")
    return (
        f"{similar}: similar (cosine → 1), white: unrelated (≈ 0), {away}: pointing away (< 0). "
        "Hover a cell for both sentences. The diagonal is each sentence with itself (1.000)."
    )


def explore_map_intro(dimension: int) -> str:
    """Why the map is only a picture of `dimension`-d vectors."""
    return (
        f"The vectors have {dimension} dimensions; a projection squeezes them onto a "
        "screen. Distances on the map are approximate: trust the cosine numbers over the picture."
    )


def explore_tsne_limit(most: int, n: int) -> str:
    """Why t-SNE is refused on `n` sentences past `most`."""
    return (
        f"t-SNE takes up to {most:,} sentences (past that it runs for many "
        f"minutes); with {n:,}, pick UMAP or PCA."
    )


def explore_projection_job(method: str, n: int) -> str:
    """The caption above the progress of a projection run in the background."""
    return (
        f"{method} on {n:,} sentences: progress by stage (neighbours, then the layout, epoch by "
        "epoch). The neighbours and the vectors below are ready."
    )


def explore_map(method: str) -> str:
    """How to use the map drawn by `method`."""
    return (
        f"{method} projection · hover a point to read it · "
        "click a point to list its nearest neighbours below."
    )


def explore_honesty_sample(sample: int, n: int) -> str:
    """The map's honesty was judged on `sample` of the `n` sentences."""
    return (
        f"Judged on {sample:,} sentences drawn at random from the "
        f"{n:,} (their neighbours among themselves): every pair would take minutes."
    )


def explore_hnsw(n: int, index_min: int) -> str:
    """The neighbours of `n` sentences come from an approximate index."""
    return (
        f"{n:,} sentences: the candidates come from a faiss HNSW index (8-bit vectors, built "
        f"once past {index_min:,} sentences), so a true neighbour can be missed; "
        "every cosine shown is then computed exactly."
    )


def explore_vectors(dimension: int) -> str:
    """What a row of the vector table is."""
    return (
        f"Each row is one sentence's {dimension}-d vector (unit length, so cosine = dot "
        f"product): all {dimension} numbers as bars, the first two as numbers (the download "
        "below has every number). Individual dimensions mean nothing on their own; only "
        "directions do."
    )


EXPLORE_CSV_FORMULAS = (
    "Cells that start like a spreadsheet formula (=, +, -, @) get a leading ' so a "
    "spreadsheet shows them as text."
)

EXPLORE_EXPORTS = (
    "The same vectors with their text, label and map coordinates, for other tools: the "
    "[Embedding Projector](https://projector.tensorflow.org) (Load: vectors.tsv, then "
    "metadata.tsv), Parquet (pandas, DuckDB, Spark; it imports back here with the model's "
    "name) and NumPy. Files are built when you click."
)

EXPLORE_REFERENCE_CLAIM = (
    "The lesson encodes three sentences and promises that the two physics sentences score "
    "**~0.6–0.8** and physics vs tacos **near zero**. Here is what the model really says:"
)


def explore_reference(model: str, physics: float, tacos: float, paraphrase: float) -> str:
    """What `model` really says of the lesson's demo: its three measured cosines, read."""
    return (
        f"With **{model}** the two physics sentences score **{physics:.3f}**: hardly closer than "
        f"physics and tacos (**{tacos:.3f}**). The claim is wrong for this model, and the reason "
        "is the lesson itself: the model learned from *pairs that mean the same thing* (duplicate "
        "questions, paraphrases). Entanglement and superconductivity share a field, not a "
        f"meaning, so their vectors are nearly orthogonal. A real paraphrase scores "
        f"**{paraphrase:.3f}**. Cosine measures *same meaning*, not *same subject*: keep "
        "that in mind before trusting a similarity threshold in a search system."
    )


EXPLORE_COMPARE_TRY = (
    "Try: compare the model in use with its random-weight copy, or with a copy fine-tuned on "
    "the Loss lab. Notice which sentences change neighbours: that is what training changed."
)

EXPLORE_ALIGNED_MAPS = (
    "Each model's PCA map, B's turned, scaled and moved onto A's (Procrustes) so a sentence "
    "sits in the same place when both models agree; grey lines join its two places. The "
    "disparity is what is left: 0 = the same shape, 1 = nothing in common."
)

EXPLORE_PRESET_HELP = (
    "Picking a preset replaces the text below. Each preset's sentences carry a label "
    "used for colour; lines you type yourself are labelled 'typed'."
)

EXPLORE_TEXT_HELP = (
    f"Blank lines and duplicates are ignored. Up to {limits.SENTENCES:,} sentences and "
    f"{limits.EXPLORE_CHARS:,} characters; each sentence up to "
    f"{limits.SENTENCE_CHARS:,} characters."
)

EXPLORE_VECTORS_HELP = (
    f"Select several files at once for a pair, or for every part of a dataset. Up to "
    f"{limits.UPLOAD_MB} MB a file; the first {limits.SENTENCES:,} vectors are used."
)

EXPLORE_GENERATE_HELP = (
    "The shipped essays and presets cut into ~1,000 sentences, then framed "
    "('Note: …') and spliced within a topic into new distinct sentences, labelled by topic."
)


def explore_generated(n: int, topics: int) -> str:
    """What the generated corpus of `n` sentences on `topics` topics is."""
    return (
        f"{n:,} distinct sentences on {topics} topics: the same for the same "
        "seed, made on this machine without the internet."
    )


def explore_sources(limits_text: str, vectors: str) -> str:
    """The help of the choice of source: the limits, and what the `vectors` source is."""
    return (
        f"{limits_text} {vectors}: vectors made elsewhere (another model, an API, the batch "
        "embedder `python -m components.data.batch_embed`), with their texts and labels."
    )


EXPLORE_PREDICT_HELP = (
    "Five pairs chosen across the whole range of cosines. Guess their order, then "
    "compare with the model: the heatmap stays hidden until you press Reveal."
)

EXPLORE_ORDER_HELP = (
    "Clustered puts sentences that are similar to each other next to each other, so "
    "topics show up as blocks along the diagonal."
)


def explore_compare(most: int) -> str:
    """What the comparison of two models encodes (the first `most` sentences)."""
    return (
        f"Encodes the first {most} sentences with a second model (a fine-tuned copy, "
        "another loaded model, or the same architecture with random weights)."
    )
