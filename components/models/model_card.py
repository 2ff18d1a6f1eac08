"""What a loaded sentence encoder is made of, read from the model itself.

Works for a sentence-transformers model and for the packaged model's torch-free `OnnxEncoder`
(reading the card never imports torch). No streamlit here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from components.models.encoder import get_tokenizer, is_fast, trained_pooling

if TYPE_CHECKING:
    from components.models.encoder import Model

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


def _backend(tokenizer: Any) -> Any:
    """The `tokenizers.Tokenizer` behind a Hugging Face or `SafeTokenizer` tokenizer, or None."""
    backend = getattr(tokenizer, "backend", None)
    if callable(backend):  # SafeTokenizer.backend()
        return backend()
    return getattr(tokenizer, "backend_tokenizer", None)


def tokenizer_algorithm(tokenizer: Any) -> str:
    """The sub-word algorithm of a tokenizer (fast, slow or the ONNX path's `SafeTokenizer`)."""
    backend = _backend(tokenizer)
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


def vocabulary_size(tokenizer: Any) -> int:
    backend = _backend(tokenizer)
    if backend is not None:
        return int(backend.get_vocab_size(with_added_tokens=True))
    return int(len(tokenizer))


def model_card(model: Model) -> ModelCard:
    """Dimension, window, pooling mode, tokenizer type and vocabulary size of a loaded model.

    Reads attributes and config files only: the model is never changed.
    """
    tokenizer = get_tokenizer(model)
    if is_fast(model):
        pipeline = model.pipeline
        modules = ("Transformer", "Pooling", *(("Normalize",) if pipeline.normalize else ()))
        config_file = Path(pipeline.transformer_dir) / "config.json"
        config = json.loads(config_file.read_text()) if config_file.exists() else {}
        architecture = str(config.get("model_type", "unknown"))
    else:
        modules = tuple(type(module).__name__ for module in model)
        config = getattr(getattr(model[0], "auto_model", None), "config", None)
        architecture = str(getattr(config, "model_type", "unknown"))
    return ModelCard(
        dimension=int(model.get_embedding_dimension()),
        window=int(model.max_seq_length),
        pooling=trained_pooling(model) or "unknown",
        normalized="Normalize" in modules,
        tokenizer=tokenizer_algorithm(tokenizer),
        vocabulary_size=vocabulary_size(tokenizer),
        architecture=architecture,
        modules=modules,
    )
