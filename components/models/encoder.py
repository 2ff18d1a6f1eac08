"""The sentence encoder: load a model, turn texts into vectors, look at tokens.

The one place that reaches inside a model (its tokenizer, its Transformer module, its window and
vector size): every other module asks through the functions here. No streamlit here:
`components/services/` adds the caching.

A model is either a sentence-transformers `SentenceTransformer` (torch) or, for the packaged
default, an `OnnxEncoder` (onnxruntime + tokenizers, no torch in the process; see
components/models/onnx_encoder.py). Every function here takes either and gives the same numbers (within
1e-5). torch and sentence-transformers are imported only when a torch model is loaded or used.
"""

from __future__ import annotations

import copy
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from components.models import model_policy
from components.models.onnx_encoder import OnnxEncoder
from components.models.onnx_files import OnnxUnavailable, packaged_model_path
from components.runtime.thread_safety import GuardedTokenizer, guarded, model_lock, seeded
from components.vectors.array_pooling import SENTENCE_TRANSFORMERS_MODE

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

    from components.runtime.safe_tokenizer import SafeTokenizer

    Model = SentenceTransformer | OnnxEncoder

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

    @property
    def short_name(self) -> str:
        """The name without its hub organisation: `all-MiniLM-L6-v2`."""
        return self.name.split("/")[-1]


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
    from sentence_transformers import SentenceTransformer

    name = name.strip()
    if not name:
        raise ModelLoadError("Type a model name: a Hugging Face id or a local folder.")
    if is_default_model(name):
        return SentenceTransformer(packaged_model_path(), device=device, local_files_only=True)
    return load_by_name(SentenceTransformer, name, "model", device)


def load_fast_model(name: str = DEFAULT_MODEL) -> OnnxEncoder | None:
    """The packaged model on the torch-free path (onnxruntime + tokenizers), or None for any other
    model (those load with `load_model`).

    Its tokenizer works at once; its transformer is exported to ONNX on first need (once per
    cache folder, ~5-10 s, in a subprocess) unless `prepare()` / `prepare_in_background()` ran.
    """
    if not is_default_model(name):
        return None
    try:
        return OnnxEncoder(packaged_model_path(), DEFAULT_MODEL)
    except OnnxUnavailable:
        return None


def is_fast(model: Model) -> bool:
    """True for the torch-free `OnnxEncoder`."""
    return isinstance(model, OnnxEncoder)


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
    folder = _local_path(name)
    if folder is not None:
        try:
            return factory(str(folder), device=device, trust_remote_code=False)
        except Exception as error:  # noqa: BLE001 - any failure becomes a user message
            raise ModelLoadError(
                f"The folder `{name}` is not a loadable {kind}: {error}"
            ) from error
    try:  # already downloaded once?
        return _load_cached(factory, name, kind, device)
    except _NotCached:
        pass
    if os.environ.get("HF_HUB_OFFLINE") == "1" or not _hub_reachable():
        raise ModelLoadError(
            f"Cannot load `{name}`: it is not on this machine and the Hugging Face hub cannot be "
            f"reached (no internet), so this {kind} is unavailable."
        )
    try:
        return factory(name, device=device, trust_remote_code=False)
    except Exception as error:  # noqa: BLE001 - a failed download of any kind: a user message
        raise ModelLoadError(f"Cannot load `{name}`: {_first_line(error)}") from error


class _NotCached(Exception):
    """The model is not in the local Hugging Face cache: a download may fetch it."""


def _load_cached(factory: Callable[..., T], name: str, kind: str, device: str) -> T:
    """`name` from the local Hugging Face cache, without the network.

    Raises:
        _NotCached: it is not there (transformers and huggingface_hub raise an `OSError` for a
            file missing from the cache, e.g. `LocalEntryNotFoundError`), or `name` is no valid
            hub id (the hub's own attempt then says why).
        ModelLoadError: it is there but does not load (damaged files, a config this version cannot
            read, ...): a download would not help, so none is tried.
    """
    from huggingface_hub.errors import HFValidationError

    try:
        return factory(name, device=device, local_files_only=True, trust_remote_code=False)
    except (OSError, HFValidationError) as error:  # not cached, or not a hub id the cache knows
        raise _NotCached(name) from error
    except Exception as error:  # noqa: BLE001 - whatever the loader raises becomes a user message
        raise ModelLoadError(
            f"`{name}` is in this machine's model cache but does not load as a {kind}: "
            f"{_first_line(error)}"
        ) from error


def _local_path(name: str) -> Path | None:
    """`name` as an existing local path, else None (also for names no file system accepts:
    too long, with a NUL byte, ...)."""
    try:
        path = Path(name).expanduser()
        return path if path.exists() else None
    except (OSError, ValueError, RuntimeError):
        return None


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
        return _load_cached(factory, hub_id, kind, device)
    except _NotCached:
        pass  # check its size before downloading
    try:
        model_policy.check_download(hub_id)
    except model_policy.ModelRefused as error:
        raise ModelLoadError(str(error)) from None
    try:
        return factory(hub_id, device=device, trust_remote_code=False)
    except Exception as error:  # noqa: BLE001 - a failed download of any kind: a user message
        raise ModelLoadError(f"Cannot load `{hub_id}`: {_first_line(error)}") from None


def model_info(model: Model, name: str, source: str | None = None) -> ModelInfo:
    """Name, vector size, window and where the model came from (`source` overrides the guess)."""
    if source is None and is_default_model(name):
        source = "packaged offline copy"
    elif source is None and model_policy.public_mode():
        source = "Hugging Face hub"  # public mode never looks at the file system
    elif source is None:
        source = "local folder" if _local_path(name) is not None else "Hugging Face hub"
    return ModelInfo(
        name=name,
        dimension=int(model.get_embedding_dimension()),
        max_tokens=int(model.max_seq_length),
        source=source,
    )


def embed(
    model: Model,
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
    if isinstance(model, OnnxEncoder):
        return model.embed(texts, normalize=normalize, batch_size=batch_size)
    with model_lock(model):  # encode sets the shared tokenizer's truncation and padding
        vectors = model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=normalize,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
    return np.asarray(vectors, dtype=np.float32)  # (n, dim)


def unnormalized_embed(model: Model, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
    """The model's sentence vectors before its final Normalize module (if it has one).

    all-MiniLM-L6-v2 ends in Normalize, so `embed` always returns unit vectors; these are the
    mean-pooled vectors that module receives, with their natural, unequal lengths. Normalising
    them gives `embed`'s vectors back (tested).

    Returns:
        float32 (n, dim).
    """
    texts = list(texts)
    if isinstance(model, OnnxEncoder):
        return model.pooled(texts, batch_size=batch_size)
    import torch  # only a torch model needs its modules run one by one

    parts = []
    modules = [module for module in model if type(module).__name__ != "Normalize"]
    with model_lock(model), torch.no_grad():  # preprocess uses the shared tokenizer
        for start in range(0, len(texts), batch_size):
            features = model.preprocess(texts[start : start + batch_size])
            features = {
                key: value.to(model.device) if isinstance(value, torch.Tensor) else value
                for key, value in features.items()
            }
            for module in modules:
                features = module(features)
            parts.append(features["sentence_embedding"].float().cpu().numpy())
    if not parts:
        return np.zeros((0, int(model.get_embedding_dimension())), dtype=np.float32)
    return np.concatenate(parts).astype(np.float32)  # (n, dim)


def count_tokens(model: Model, texts: Sequence[str]) -> list[int]:
    """Number of tokens of each text including [CLS]/[SEP], before truncation."""
    if isinstance(model, OnnxEncoder):
        return model.count_tokens(texts)
    texts = list(texts)
    if not texts:
        return []
    encoded = get_tokenizer(model)(texts, add_special_tokens=True, truncation=False, verbose=False)
    return [len(ids) for ids in encoded["input_ids"]]


def get_tokenizer(model: Model) -> GuardedTokenizer | SafeTokenizer:
    """The model's tokenizer, safe to call from any thread (for chunking and the token views).

    A Hugging Face tokenizer is shared by every session and changes its truncation/padding
    settings on every call, so each call holds the tokenizer's lock
    (`components/runtime/thread_safety.py`). An `OnnxEncoder`'s `SafeTokenizer` is never reconfigured
    (one `tokenizers` object per setting), so it needs no lock. Use this, never
    `model.tokenizer`, outside this module; never mutate it.
    """
    if isinstance(model, OnnxEncoder):
        return model.tokenizer
    return guarded(model.tokenizer)


def is_inspectable(model: Model) -> bool:
    """True when the model starts with a transformer module and a fast tokenizer (token views)."""
    if isinstance(model, OnnxEncoder):
        return True
    return hasattr(model[0], "auto_model") and bool(getattr(model.tokenizer, "is_fast", False))


def trained_pooling(model: Model | Sequence[Any]) -> str | None:
    """The `pooling_mode` of the model's sentence-transformers Pooling module (None: no such module
    or a combination of modes)."""
    if isinstance(model, OnnxEncoder):
        return SENTENCE_TRANSFORMERS_MODE[model.pipeline.pooling]
    from sentence_transformers.sentence_transformer.modules import Pooling

    for module in model:
        if isinstance(module, Pooling) and isinstance(module.pooling_mode, str):
            return module.pooling_mode
    return None


@dataclass(frozen=True)
class TokenizedText:
    tokens: list[str]  # subword pieces, special tokens included
    ids: list[int]
    special: list[bool]  # True for [CLS], [SEP], [PAD] ...
    truncated: bool  # True when the text had more tokens than the model window


def tokenize(model: Model, text: str) -> TokenizedText:
    """The pieces the model actually sees for one text (truncated at its window)."""
    tokenizer = get_tokenizer(model)
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


@dataclass(frozen=True)
class TokenBatch:
    """Contextual token vectors of several texts, padded to the longest, with their pieces.

    Attributes:
        embeddings: (n, tokens, dim) float32, as the pooling layer receives them; 0 past each
            text's end.
        attention_mask: (n, tokens) int64, 1 for each token the model read.
        pieces: per text, the pieces the model read (special tokens included, truncated at the
            window), one per row of `embeddings` up to the text's length.
        special: per text, True where the piece is a special token ([CLS], [SEP]).
    """

    embeddings: np.ndarray
    attention_mask: np.ndarray
    pieces: list[list[str]]
    special: list[list[bool]]

    def __len__(self) -> int:
        return len(self.pieces)


def _contextual_rows(
    model: Model, texts: list[str], batch_size: int
) -> list[tuple[np.ndarray, list[int]]]:
    """The Transformer module's output for each text: (tokens_i, dim) vectors and the token ids.

    The one place that runs the transformer for token vectors. Texts are sorted by length so each
    batch pads little (like `model.encode`), run without gradients, and returned in input order.
    """
    if isinstance(model, OnnxEncoder):
        return model.contextual_rows(texts, batch_size)
    import torch

    order = np.argsort([-len(text) for text in texts], kind="stable")
    rows: list[tuple[np.ndarray, list[int]]] = [None] * len(texts)  # type: ignore[list-item]
    with torch.no_grad():
        for start in range(0, len(texts), batch_size):
            picked = order[start : start + batch_size]
            with model_lock(model):  # preprocess calls the shared tokenizer
                features = model.preprocess([texts[i] for i in picked])
            features = {
                key: value.to(model.device) if isinstance(value, torch.Tensor) else value
                for key, value in features.items()
            }
            output = model[0](features)["token_embeddings"]  # (b, t, dim)
            for row, vectors, mask, ids in zip(
                picked, output, features["attention_mask"], features["input_ids"], strict=True
            ):
                length = int(mask.sum())
                rows[row] = (vectors[:length].float().cpu().numpy(), ids[:length].tolist())
    return rows


def _padded(vectors: list[np.ndarray], dimension: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, longest, dim) zero-padded vectors and the (n, longest) mask of the real rows."""
    longest = max((len(rows) for rows in vectors), default=0)
    embeddings = np.zeros((len(vectors), longest, dimension), dtype=np.float32)
    attention_mask = np.zeros((len(vectors), longest), dtype=np.int64)
    for row, rows in enumerate(vectors):
        embeddings[row, : len(rows)] = rows
        attention_mask[row, : len(rows)] = 1
    return embeddings, attention_mask


def token_embeddings(
    model: Model, texts: Sequence[str], batch_size: int = 32
) -> tuple[torch.Tensor, torch.Tensor] | tuple[np.ndarray, np.ndarray]:
    """Contextual token vectors of many texts, as the pooling layer receives them.

    Equal to `model.encode(texts, output_value="token_embeddings")` within 1e-5, batched by length
    and padded to the longest text.

    Returns:
        token_embeddings (batch, tokens, dim) and attention_mask (batch, tokens) (0 past each
        text's end, where the vectors are 0): torch tensors for a torch model, numpy arrays for
        an `OnnxEncoder`.
    """
    rows = _contextual_rows(model, list(texts), batch_size)
    dimension = int(model.get_embedding_dimension())
    embeddings, attention_mask = _padded([vectors for vectors, _ in rows], dimension)
    if isinstance(model, OnnxEncoder):
        return embeddings, attention_mask
    import torch

    return torch.from_numpy(embeddings), torch.from_numpy(attention_mask)


def token_batch(model: Model, texts: Sequence[str], batch_size: int = 32) -> TokenBatch:
    """`token_embeddings` of the texts as numpy arrays, with the pieces the model read."""
    rows = _contextual_rows(model, list(texts), batch_size)
    embeddings, attention_mask = _padded(
        [vectors for vectors, _ in rows], int(model.get_embedding_dimension())
    )
    tokenizer = get_tokenizer(model)
    special_ids = set(tokenizer.all_special_ids)
    return TokenBatch(
        embeddings=embeddings,
        attention_mask=attention_mask,
        pieces=[tokenizer.convert_ids_to_tokens(ids) for _, ids in rows],
        special=[[token_id in special_ids for token_id in ids] for _, ids in rows],
    )


def untrained_copy(model: Model, seed: int = 0) -> Model:
    """The same architecture and tokenizer with randomly initialised transformer weights.

    Built locally from the model's own config (no download): `AutoModel.from_config` under a fixed
    seed, so the "untrained" model is the same every time. The given model is not changed. For an
    `OnnxEncoder` the random transformer is built and exported in the export subprocess (torch
    stays out of this process); call `prepare()` on the copy to wait for it.
    """
    if isinstance(model, OnnxEncoder):
        return OnnxEncoder(model.model_dir, model.name, random_seed=seed, threads=model.threads)
    from transformers import AutoModel

    with model_lock(model):  # copying the tokenizer while another thread calls it is unsafe
        untrained = copy.deepcopy(model)
    config = copy.deepcopy(model[0].auto_model.config)
    with seeded(seed):
        random_transformer = AutoModel.from_config(config)
    random_transformer.eval()
    untrained[0].model = random_transformer
    untrained.eval()
    return untrained
