"""What a loaded sentence-transformers model is made of, read from the model itself.

No streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sentence_transformers import SentenceTransformer

from components.encoder import get_tokenizer, trained_pooling

# tokenizers' model classes -> the algorithm's usual name.
_TOKENIZER_ALGORITHMS = {
    "WordPiece": "WordPiece",
    "Unigram": "SentencePiece (Unigram)",
    "BPE": "BPE",
    "WordLevel": "word-level",
}


@dataclass(frozen=True)
class ModelCard:
    dimension: int  # length of a sentence vector
    window: int  # tokens the model reads (max_seq_length); longer texts are truncated
    pooling: str  # how token vectors become one vector: "mean", "cls", "max", ... or "unknown"
    normalized: bool  # whether the model ends in a Normalize module (unit-length vectors)
    tokenizer: str  # WordPiece, SentencePiece (Unigram), BPE, ...
    vocabulary_size: int  # entries in the tokenizer's vocabulary, added tokens included
    architecture: str  # the transformer's model type, e.g. "bert"
    modules: tuple[str, ...]  # the pipeline, e.g. ("Transformer", "Pooling", "Normalize")


def tokenizer_algorithm(tokenizer: object) -> str:
    """The sub-word algorithm of a Hugging Face tokenizer (fast or slow)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        kind = type(backend.model).__name__
        return _TOKENIZER_ALGORITHMS.get(kind, kind)
    name = type(tokenizer).__name__.lower()
    if getattr(tokenizer, "sp_model", None) is not None or "sentencepiece" in name:
        return "SentencePiece"
    for marker, algorithm in (("bert", "WordPiece"), ("gpt2", "BPE"), ("roberta", "BPE")):
        if marker in name:
            return algorithm
    return type(tokenizer).__name__


def model_card(model: SentenceTransformer) -> ModelCard:
    """Dimension, window, pooling mode, tokenizer type and vocabulary size of a loaded model.

    Reads attributes only: the model is never changed.
    """
    modules = tuple(type(module).__name__ for module in model)
    first = model[0]
    config = getattr(getattr(first, "auto_model", None), "config", None)
    tokenizer = get_tokenizer(model)
    return ModelCard(
        dimension=int(model.get_embedding_dimension()),
        window=int(model.max_seq_length),
        pooling=trained_pooling(model) or "unknown",
        normalized="Normalize" in modules,
        tokenizer=tokenizer_algorithm(tokenizer),
        vocabulary_size=int(len(tokenizer)),
        architecture=str(getattr(config, "model_type", "unknown")),
        modules=modules,
    )
