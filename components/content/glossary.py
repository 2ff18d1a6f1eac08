"""The lab's glossary: every term of the lesson and the labs, in one line, and where to see it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

EXPLORE = "pages/1_Explore.py"
TOKENS = "pages/2_Tokens_and_Pooling.py"
LOSS = "pages/3_Loss_Lab.py"
SEARCH = "pages/4_Search_Long_Text.py"


@dataclass(frozen=True)
class Term:
    term: str
    definition: str  # one line
    page: str  # the script where to see it
    section: str  # the section of that page
    aliases: tuple[str, ...] = ()

    @property
    def anchor(self) -> str:
        """The section's anchor on its page (`st.header(..., anchor=...)`), e.g. `a-map-of-the-space`
        for "3 · A map of the space": the glossary's link opens the page there."""
        return section_anchor(self.section)


def section_anchor(section: str) -> str:
    """A section title as a header anchor: without its number, lower case, words joined by -."""
    words = re.findall(r"[a-z0-9]+", re.sub(r"^\d+ · ", "", section).casefold().replace("'", ""))
    return "-".join(words)


TERMS: tuple[Term, ...] = (
    # ------------------------------------------------ the encoder
    Term(
        "Sentence encoder",
        "A network that turns a whole sentence into one fixed-size vector "
        "whose direction stands for its meaning.",
        EXPLORE,
        "1 · Your sentences",
        ("sentence embedding model", "bi-encoder"),
    ),
    Term(
        "Embedding",
        "The vector a model gives a piece of text; texts that mean similar things "
        "get vectors that point the same way.",
        EXPLORE,
        "5 · The vectors themselves",
        ("vector", "sentence vector"),
    ),
    Term(
        "Dimension",
        "One of the numbers in a vector (all-MiniLM-L6-v2 has 384); a single "
        "dimension means nothing on its own, only directions do.",
        EXPLORE,
        "5 · The vectors themselves",
    ),
    Term(
        "Tokenizer",
        "Cuts text into sub-word pieces and maps each to an id in a fixed vocabulary.",
        TOKENS,
        "1 · The tokenizer",
    ),
    Term(
        "Token",
        "One sub-word piece of text, the unit a transformer reads.",
        TOKENS,
        "1 · The tokenizer",
        ("sub-word", "piece"),
    ),
    Term(
        "WordPiece",
        "BERT's tokenizer: a piece that continues a word starts with ## (quantum + ##ness).",
        TOKENS,
        "1 · The tokenizer",
    ),
    Term(
        "SentencePiece",
        "A tokenizer that marks the start of a word with ▁ (▁quant, um), the "
        "notation the lesson uses.",
        TOKENS,
        "1 · The tokenizer",
    ),
    Term(
        "[UNK]",
        "The unknown token: what a character becomes when the vocabulary has no piece "
        "for it (emoji, for this model).",
        TOKENS,
        "1 · The tokenizer",
        ("unknown token",),
    ),
    Term(
        "Special tokens",
        "Markers the tokenizer adds to every text, such as [CLS] at the start "
        "and [SEP] at the end.",
        TOKENS,
        "1 · The tokenizer",
        ("[CLS]", "[SEP]"),
    ),
    Term(
        "Context window",
        "The most tokens a model reads (256 here); the rest of a longer text is silently cut off.",
        TOKENS,
        "1 · The tokenizer",
        ("max_seq_length", "window"),
    ),
    Term(
        "Truncation",
        "Cutting a text at the context window: the model never sees the end of a long text.",
        SEARCH,
        "2 · Chunking by tokens",
    ),
    Term(
        "Transformer encoder",
        "A stack of self-attention layers that gives every token a "
        "vector that depends on its neighbours.",
        TOKENS,
        "2 · Contextual token vectors",
        ("BERT", "MiniLM"),
    ),
    Term(
        "Self-attention",
        "Each token mixes in the vectors of the other tokens, weighted by how "
        "relevant they are to it.",
        TOKENS,
        "2 · Contextual token vectors",
    ),
    Term(
        "Contextual token vector",
        "A token's vector after the transformer: the same word gets "
        "different vectors in different sentences (river bank vs bank loan).",
        TOKENS,
        "2 · Contextual token vectors",
        ("contextual embedding",),
    ),
    Term(
        "GELU",
        "The smooth activation inside each transformer block's feed-forward layer.",
        TOKENS,
        "2 · Contextual token vectors",
    ),
    Term(
        "Pooling",
        "Squeezing a sentence's token vectors into one sentence vector.",
        TOKENS,
        "3 · Pooling",
        ("pooling head",),
    ),
    Term(
        "CLS pooling",
        "Use the vector of the [CLS] token as the sentence vector.",
        TOKENS,
        "3 · Pooling",
    ),
    Term(
        "Mean pooling",
        "Average the token vectors (ignoring padding); what all-MiniLM-L6-v2 was trained with.",
        TOKENS,
        "3 · Pooling",
    ),
    Term(
        "Max pooling",
        "Take, for every dimension, the largest value over the tokens.",
        TOKENS,
        "3 · Pooling",
    ),
    Term(
        "Attention pooling",
        "A small layer scores each token (tanh, then softmax) and the "
        "sentence vector is the weighted sum.",
        TOKENS,
        "5 · An attention pooling head",
    ),
    Term(
        "Softmax",
        "Turns scores into positive weights that add up to 1; larger scores get "
        "exponentially more weight.",
        LOSS,
        "3 · Loss landscapes",
    ),
    Term(
        "Cosine similarity",
        "The cosine of the angle between two vectors: 1 = same direction, "
        "0 = unrelated, −1 = opposite.",
        EXPLORE,
        "2 · Cosine similarity of every pair",
        ("cosine", "similarity"),
    ),
    Term(
        "L2 normalisation",
        "Scaling a vector to length 1, so cosine similarity equals the dot product.",
        EXPLORE,
        "5 · The vectors themselves",
        ("normalize", "unit length"),
    ),
    Term(
        "Same subject is not same meaning",
        "Sentences about one field can be nearly orthogonal: "
        "this model learned paraphrase, not topic.",
        EXPLORE,
        "6 · The lesson's demo",
    ),
    # ------------------------------------------------ maps
    Term(
        "Projection",
        "Squeezing 384-d vectors onto a 2-D or 3-D map; distances on the map are approximate.",
        EXPLORE,
        "3 · A map of the space",
        ("map",),
    ),
    Term(
        "PCA",
        "A linear projection onto the directions of largest variance: exact, fast, "
        "crowds clusters together.",
        EXPLORE,
        "3 · A map of the space",
        ("principal component analysis",),
    ),
    Term(
        "UMAP",
        "A non-linear projection that keeps each point's neighbours together and some "
        "global shape.",
        EXPLORE,
        "3 · A map of the space",
    ),
    Term(
        "t-SNE",
        "A non-linear projection that separates clusters well but distorts the "
        "distances between them.",
        EXPLORE,
        "3 · A map of the space",
        ("tsne",),
    ),
    Term(
        "Nearest neighbours",
        "The sentences whose vectors have the highest cosine with a given one.",
        EXPLORE,
        "4 · Nearest neighbours",
        ("neighbors", "top-k"),
    ),
    Term(
        "Procrustes alignment",
        "Shifting, scaling and rotating one map onto another so the same "
        "point sits in the same place.",
        EXPLORE,
        "7 · Two models side by side",
    ),
    # ------------------------------------------------ training
    Term(
        "Contrastive learning",
        "Training by comparison: pull matching pairs together, push non-matching ones apart.",
        LOSS,
        "2 · Three losses",
        ("contrastive fine-tuning",),
    ),
    Term("Anchor", "The sentence a training triplet starts from.", LOSS, "1 · Your triplets"),
    Term(
        "Positive",
        "A sentence that means the same as the anchor (a duplicate question, a paraphrase).",
        LOSS,
        "1 · Your triplets",
        ("positive pair",),
    ),
    Term(
        "Negative",
        "A sentence that does not mean the same as the anchor.",
        LOSS,
        "1 · Your triplets",
    ),
    Term(
        "Triplet",
        "An anchor, a positive and a negative: one training example.",
        LOSS,
        "1 · Your triplets",
    ),
    Term(
        "Hard negative",
        "A negative that looks like the anchor (shared words, same subject) "
        "and so is easily confused with a positive.",
        LOSS,
        "1 · Your triplets",
    ),
    Term(
        "Easy / semi-hard / hard triplet",
        "Easy: the positive wins by the margin α or more; "
        "semi-hard: it wins by less; hard: the negative is as close or closer.",
        LOSS,
        "2 · Three losses",
        ("easy", "semi-hard", "hard"),
    ),
    Term(
        "Cosine-margin loss",
        "max(0, m − cos(a,p)) + max(0, cos(a,n) − m): positives above the "
        "margin m, negatives below it.",
        LOSS,
        "2 · Three losses",
        ("cosine similarity loss", "contrastive loss"),
    ),
    Term(
        "Triplet loss",
        "max(0, cos(a,n) − cos(a,p) + α): the positive must beat the negative by the margin α.",
        LOSS,
        "2 · Three losses",
    ),
    Term(
        "Margin",
        "How far apart a loss wants positive and negative similarities (m or α, ≈ 0.2 "
        "in the lesson).",
        LOSS,
        "2 · Three losses",
        ("alpha", "α"),
    ),
    Term(
        "InfoNCE",
        "−log of the softmax weight of the right positive among every candidate in "
        "the batch; also called NT-Xent or MultipleNegativesRankingLoss.",
        LOSS,
        "2 · Three losses",
        ("NT-Xent", "MultipleNegativesRankingLoss"),
    ),
    Term(
        "In-batch negatives",
        "Every other positive in the batch serves as a negative for an anchor, for free.",
        LOSS,
        "2 · Three losses",
    ),
    Term(
        "Temperature",
        "τ divides every cosine before the softmax: small τ makes it sharp, so "
        "the hardest competitor dominates.",
        LOSS,
        "3 · Loss landscapes",
        ("tau", "τ", "scale"),
    ),
    Term(
        "Loss landscape",
        "A loss drawn over every pair (cos(a,p), cos(a,n)); training moves "
        "triplets towards its zero region.",
        LOSS,
        "3 · Loss landscapes",
    ),
    Term(
        "Fine-tuning",
        "Training an already trained model a little more on your own examples.",
        LOSS,
        "4 · Fine-tune a private copy",
    ),
    Term(
        "Back-propagation",
        "How a loss's gradient reaches every layer, so every weight moves to lower it.",
        LOSS,
        "4 · Fine-tune a private copy",
        ("backprop", "gradient"),
    ),
    Term("Epoch", "One pass over all the training examples.", LOSS, "4 · Fine-tune a private copy"),
    Term(
        "Batch",
        "The examples used together for one training step.",
        LOSS,
        "4 · Fine-tune a private copy",
        ("batch size",),
    ),
    Term(
        "Learning rate",
        "How big a step each training update takes.",
        LOSS,
        "4 · Fine-tune a private copy",
    ),
    Term(
        "Held-out set",
        "Examples kept out of training to check that what was learned carries "
        "over to new sentences.",
        LOSS,
        "4 · Fine-tune a private copy",
        ("validation",),
    ),
    Term(
        "Overfitting",
        "Memorising the training examples instead of learning something that generalises.",
        LOSS,
        "4 · Fine-tune a private copy",
    ),
    Term(
        "Spearman ρ",
        "How well two rankings agree (1 = the same order, 0 = unrelated, −1 = reversed).",
        TOKENS,
        "4 · Measured quality",
        ("rank correlation", "spearman"),
    ),
    Term(
        "STS",
        "Semantic textual similarity: sentence pairs scored by people from 0 (unrelated) "
        "to 5 (same meaning).",
        TOKENS,
        "4 · Measured quality",
        ("semantic textual similarity",),
    ),
    # ------------------------------------------------ long text and search
    Term(
        "Chunking",
        "Cutting a long text into pieces that fit the context window, each encoded on its own.",
        SEARCH,
        "2 · Chunking by tokens",
        ("chunk",),
    ),
    Term(
        "Overlap",
        "Tokens repeated at the start of the next chunk so a sentence cut at a "
        "boundary stays whole in one of them.",
        SEARCH,
        "2 · Chunking by tokens",
    ),
    Term(
        "Semantic search",
        "Finding texts by meaning: encode the query, return the chunks whose vectors are closest.",
        SEARCH,
        "4 · Ask a question",
        ("dense retrieval",),
    ),
    Term(
        "RAG",
        "Retrieval-augmented generation: search your documents first, then hand the best "
        "chunks to a language model.",
        SEARCH,
        "4 · Ask a question",
        ("retrieval-augmented generation",),
    ),
    Term(
        "Vector database",
        "A store of vectors with a fast nearest-neighbour index.",
        SEARCH,
        "3 · The index",
        ("vector store",),
    ),
    Term(
        "Exact search",
        "Compare the query with every vector: always right, slower on millions.",
        SEARCH,
        "3 · The index",
        ("brute force",),
    ),
    Term(
        "Approximate nearest neighbours",
        "An index that visits only part of the vectors: much faster, sometimes misses one.",
        SEARCH,
        "3 · The index",
        ("ANN",),
    ),
    Term(
        "HNSW",
        "Hierarchical navigable small-world graph: an approximate index that walks a "
        "graph of near neighbours.",
        SEARCH,
        "3 · The index",
        ("efSearch",),
    ),
    Term(
        "Recall@k",
        "The share of the exact top-k results an approximate search also finds.",
        SEARCH,
        "3 · The index",
        ("recall",),
    ),
    Term(
        "Re-ranking",
        "A second, slower scorer re-orders the first search's candidates.",
        SEARCH,
        "5 · Re-ranking",
        ("reranker",),
    ),
    Term(
        "MMR",
        "Maximal marginal relevance: pick results that are relevant and different from "
        "those already picked.",
        SEARCH,
        "5 · Re-ranking",
        ("maximal marginal relevance",),
    ),
    Term(
        "BM25",
        "A classic word-match score: rare words shared by query and text count most.",
        SEARCH,
        "5 · Re-ranking",
        ("keyword search", "lexical search"),
    ),
    Term(
        "Hybrid search",
        "Combine word-match (BM25) and vector rankings, e.g. by reciprocal rank fusion.",
        SEARCH,
        "5 · Re-ranking",
        ("RRF", "reciprocal rank fusion"),
    ),
    Term(
        "Late interaction",
        "Compare every query token with every text token and keep the best "
        "matches (ColBERT's MaxSim).",
        SEARCH,
        "5 · Re-ranking",
        ("ColBERT", "MaxSim"),
    ),
    Term(
        "Cross-encoder",
        "A model that reads query and text together and outputs one relevance "
        "score: accurate, but slow.",
        SEARCH,
        "5 · Re-ranking",
    ),
    Term(
        "Book vector",
        "One vector for a whole document, pooled from its chunk vectors: finds "
        "the right book, not the passage.",
        SEARCH,
        "6 · Book vectors",
        ("document vector",),
    ),
)


def _fold(text: str) -> str:
    """Case- and accent-insensitive form for matching (Reykjavík ~ reykjavik)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def search_terms(query: str, terms: tuple[Term, ...] = TERMS) -> list[Term]:
    """Terms matching every word of `query`, best first: name matches, then aliases, then text.

    An empty query returns every term, alphabetically.
    """
    words = _fold(query).split()
    if not words:
        return sorted(terms, key=lambda term: _fold(term.term))
    scored = []
    for term in terms:
        name, aliases = _fold(term.term), [_fold(alias) for alias in term.aliases]
        text = " ".join([name, *aliases, _fold(term.definition)])
        if not all(word in text for word in words):
            continue
        phrase = " ".join(words)
        if name == phrase or phrase in aliases:
            rank = 0
        elif name.startswith(phrase) or any(alias.startswith(phrase) for alias in aliases):
            rank = 1
        elif all(word in name or any(word in a for a in aliases) for word in words):
            rank = 2
        else:
            rank = 3
        scored.append((rank, name, term))
    return [term for _, _, term in sorted(scored, key=lambda item: (item[0], item[1]))]
