"""What a loaded sentence-transformers model is made of, read from the model itself.

No streamlit here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from components.encoder import get_tokenizer, trained_pooling
from components.onnx_encoder import OnnxEncoder

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

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
    if isinstance(model, OnnxEncoder):
        return _onnx_model_card(model)
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


def _onnx_model_card(model: OnnxEncoder) -> ModelCard:
    """The same card for the torch-free encoder, read from its folder's configs and tokenizer."""
    config_file = model.pipeline.transformer_dir / "config.json"
    config = json.loads(config_file.read_text()) if config_file.exists() else {}
    modules = ("Transformer (ONNX)", "Pooling") + (
        ("Normalize",) if model.pipeline.normalize else ()
    )
    return ModelCard(
        dimension=int(model.get_embedding_dimension()),
        window=int(model.max_seq_length),
        pooling=model.pipeline.pooling,
        normalized=model.pipeline.normalize,
        tokenizer=tokenizer_algorithm(model.tokenizer),
        vocabulary_size=len(model.tokenizer),
        architecture=str(config.get("model_type", "unknown")),
        modules=modules,
    )
