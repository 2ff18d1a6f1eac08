"""Torch-free inference: the model's transformer in onnxruntime, its tokenizer from `tokenizers`.

The same numbers as sentence-transformers (within 1e-5, tests/unit/test_onnx_encoder.py) at a
fraction of the memory: a server that encodes through `OnnxEncoder` never imports torch,
transformers or sentence-transformers (~400 MB of RSS, see docs/memory.md).

- The transformer is exported to ONNX once per model, in a subprocess (`components.models.onnx_export`:
  assembled from the shipped graph and the weights file without torch when it can, else traced
  with torch), and cached on disk under `cache_root()`, keyed by the model name and a hash of
  its weights file. Writes are atomic (a temporary folder renamed into place)
  and a file lock keeps two processes from exporting at once.
- Tokenization uses `tokenizers.Tokenizer` objects configured once, at construction
  (`components.runtime.safe_tokenizer`): one truncates at the model window (what the model reads), one
  never truncates (for counting and views). Neither is reconfigured per call, so threads can
  share them (a Hugging Face fast tokenizer changes its truncation settings on every call: not
  safe across threads). `OnnxEncoder.tokenizer` answers the Hugging Face calls the lab makes.
- Pooling and normalisation run in numpy (`components.vectors.array_pooling`).

Only pipelines of the form Transformer -> Pooling (cls / mean / max / mean_sqrt_len) [-> Normalize]
with a `tokenizer.json` can take this path; others raise `OnnxUnavailable`.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from components.models.onnx_export import INPUT_NAMES, ONNX_FILE
from components.models.onnx_files import (
    PACKAGED_NAME,
    OnnxUnavailable,
    ensure_onnx,
    onnxruntime_errors,
    packaged_model_path,
    read_pipeline,
)
from components.runtime.safe_tokenizer import SafeTokenizer
from components.vectors.array_pooling import (
    normalize_rows,
    pool_array,
)

ATTENTION_BUDGET = 2 * 256 * 256  # texts x tokens² per batch (see OnnxEncoder._batches)
DEFAULT_THREADS = 2  # the deployment targets (Community Cloud, the lab machines) have 2 cores


def default_threads() -> int:
    """Intra-op threads: the cores this process may use, at most DEFAULT_THREADS."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        available = os.cpu_count() or 1
    return max(1, min(DEFAULT_THREADS, available))


class OnnxEncoder:
    """A sentence-transformers model's inference, without torch: tokenize, transform, pool.

    The tokenizer works at once; the onnxruntime session needs the model's ONNX export, made on
    first need (`ensure_onnx`) or in the background (`prepare_in_background`), so a page that only
    counts tokens never waits for it. `is_ready` says whether a forward pass would wait.

    Thread-safe: the session and the tokenizers are created once and only read afterwards
    (`InferenceSession.run` may be called from many threads at once); creating the session is
    done once, under a lock.

    Args:
        model_dir: the sentence-transformers folder (configs, tokenizer.json).
        name: the model's name (part of the export's cache key).
        random_seed: run the same architecture with random weights, as `untrained_copy` draws them.
        threads: onnxruntime intra-op threads (default: `default_threads()`).
    """

    def __init__(
        self,
        model_dir: str | Path,
        name: str = PACKAGED_NAME,
        *,
        random_seed: int | None = None,
        threads: int | None = None,
    ) -> None:
        self.model_dir = str(model_dir)
        self.name = name
        self.random_seed = random_seed
        self.threads = threads or default_threads()
        self.pipeline = read_pipeline(model_dir)
        self.max_seq_length = self.pipeline.max_seq_length
        self.dimension = self.pipeline.dimension
        self.tokenizer = SafeTokenizer(
            self.pipeline.transformer_dir / "tokenizer.json", self.max_seq_length
        )
        self._window_tokenizer = self.tokenizer.backend(truncation=True)  # what the model reads
        self._full_tokenizer = self.tokenizer.backend()  # for counting and views
        self.special_ids = frozenset(self.tokenizer.all_special_ids)
        self.pad_id = self.tokenizer.pad_token_id
        self._run = None  # arrays -> last_hidden_state: the onnxruntime session (or the fallback)
        self._session_lock = threading.Lock()
        self._preparing: threading.Thread | None = None
        self.error: OnnxUnavailable | None = None  # why the ONNX path failed (then torch runs)

    # ------------------------------------------------------------------ the session
    @property
    def is_ready(self) -> bool:
        """True once a forward pass will not wait (the session is open)."""
        return self._run is not None

    @property
    def runtime(self) -> str:
        """What runs the transformer: "onnxruntime", "torch (fallback)" or "not ready"."""
        if self._run is None:
            return "not ready"
        return "torch (fallback)" if self.error is not None else "onnxruntime"

    def prepare(self, on_status: Callable[[str], None] | None = None) -> None:
        """Export (when not cached) and open the session now; idempotent, thread-safe.

        When the export fails (no writable cache folder, an exporter error), the same transformer
        runs in torch instead (`error` says why): the numbers are the same within 1e-5, only the
        memory is not.
        """
        if self._run is not None:
            return
        with self._session_lock:
            if self._run is not None:
                return
            try:
                self._run = self._onnx_runner(on_status)
            except OnnxUnavailable as error:
                self.error = error
                self._run = self._torch_runner()

    def _onnx_runner(self, on_status: Callable[[str], None] | None):
        folder = ensure_onnx(self.model_dir, self.name, self.random_seed, on_status=on_status)
        damaged, failed = onnxruntime_errors()
        try:
            try:
                session = self._open(folder)
            except damaged:  # a corrupt or incomplete cache entry: export again, once
                shutil.rmtree(folder, ignore_errors=True)
                folder = ensure_onnx(
                    self.model_dir, self.name, self.random_seed, on_status=on_status
                )
                session = self._open(folder)
        except failed as error:  # the export stays: the torch path runs instead
            raise OnnxUnavailable(f"onnxruntime cannot open the export: {error}") from error
        return lambda arrays: session.run(None, arrays)[0]

    def _torch_runner(self):
        import torch

        from components.models.onnx_export import load_transformer

        transformer = load_transformer(str(self.pipeline.transformer_dir), self.random_seed)

        def run(arrays: dict[str, np.ndarray]) -> np.ndarray:
            with torch.no_grad():
                inputs = {name: torch.from_numpy(array) for name, array in arrays.items()}
                return transformer(**inputs).last_hidden_state.numpy()

        return run

    def prepare_in_background(self) -> threading.Thread:
        """Start `prepare` on a daemon thread (once); a failure is kept in `error`."""
        with self._session_lock:
            if self._preparing is None:

                def run() -> None:
                    try:
                        self.prepare()
                    except OnnxUnavailable as error:
                        self.error = error

                self._preparing = threading.Thread(target=run, name="onnx-prepare", daemon=True)
                self._preparing.start()
        return self._preparing

    def _open(self, folder: Path):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        # Idle intra-op threads sleep instead of spinning: spinning burns CPU that a 2-core
        # server needs for other sessions (and counts as server CPU per student).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return onnxruntime.InferenceSession(
            str(folder / ONNX_FILE), options, providers=["CPUExecutionProvider"]
        )

    def weights_bytes(self) -> int:
        """Size of the transformer's weights file (about what its session holds in memory)."""
        folder = self.pipeline.transformer_dir
        files = [folder / "model.safetensors", folder / "pytorch_model.bin"]
        return next((path.stat().st_size for path in files if path.exists()), 0)

    def get_embedding_dimension(self) -> int:
        """The vector size (named like sentence-transformers' method)."""
        return self.dimension

    # ------------------------------------------------------------------ tokens
    def encoding(self, text: str, *, truncate: bool = True):
        """The `tokenizers.Encoding` of one text (ids, tokens, offsets, word_ids, ...)."""
        tokenizer = self._window_tokenizer if truncate else self._full_tokenizer
        return tokenizer.encode(text)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Number of tokens of each text including [CLS]/[SEP], before truncation."""
        return [len(encoding.ids) for encoding in self._full_tokenizer.encode_batch(list(texts))]

    def _pad(self, encodings: Sequence) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """input_ids, attention_mask, token_type_ids (batch, tokens), padded to the longest."""
        longest = max(len(encoding.ids) for encoding in encodings)
        input_ids = np.full((len(encodings), longest), self.pad_id, dtype=np.int64)
        attention_mask = np.zeros((len(encodings), longest), dtype=np.int64)
        token_type_ids = np.zeros((len(encodings), longest), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            length = len(encoding.ids)
            input_ids[row, :length] = encoding.ids
            attention_mask[row, :length] = encoding.attention_mask
            token_type_ids[row, :length] = encoding.type_ids
        return input_ids, attention_mask, token_type_ids

    def _forward(
        self, input_ids: np.ndarray, attention_mask: np.ndarray, token_type_ids: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        arrays = dict(zip(INPUT_NAMES, (input_ids, attention_mask, token_type_ids), strict=True))
        self.prepare()
        hidden = self._run(arrays)  # (batch, tokens, dim)
        return hidden, attention_mask

    def _batches(self, texts: list[str], batch_size: int, encodings: list | None = None):
        """(rows, token vectors, mask) per batch of similar lengths, longest first.

        A batch holds at most `batch_size` texts and at most ATTENTION_BUDGET // tokens²: the
        attention scores (batch, heads, tokens, tokens) of 32 texts of 256 tokens took the
        process from 270 MB to 1,080 MB; two at a time stay under +40 MB and use less CPU.
        """
        if encodings is None:
            encodings = self._window_tokenizer.encode_batch(texts)
        lengths = [len(encoding.ids) for encoding in encodings]
        order = np.argsort([-length for length in lengths], kind="stable")
        start = 0
        while start < len(order):
            longest = lengths[order[start]]
            size = max(1, min(batch_size, ATTENTION_BUDGET // max(longest, 1) ** 2))
            rows = order[start : start + size]
            hidden, mask = self._forward(*self._pad([encodings[i] for i in rows]))
            yield rows, hidden, mask
            start += size

    # ------------------------------------------------------------------ vectors
    def embed(
        self, texts: Sequence[str], *, normalize: bool = True, batch_size: int = 32
    ) -> np.ndarray:
        """Sentence vectors (n, dim) float32, equal to `model.encode(texts, normalize_embeddings=
        normalize)` within 1e-5 (unit rows either way when the pipeline ends in Normalize)."""
        vectors = self.pooled(texts, batch_size=batch_size)  # (n, dim)
        return normalize_rows(vectors) if normalize or self.pipeline.normalize else vectors

    def pooled(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        """The pooling layer's output (n, dim) float32: the vectors before a final Normalize."""
        texts = list(texts)
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)  # (n, dim)
        for rows, hidden, mask in self._batches(texts, batch_size):
            vectors[rows] = pool_array(hidden, mask, self.pipeline.pooling)  # (batch, dim)
        return vectors

    def token_embeddings(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Contextual token vectors of one padded batch, as the pooling layer receives them.

        Returns:
            token_embeddings (batch, tokens, dim) float32 and attention_mask (batch, tokens) int64.
            Real tokens' vectors equal the torch transformer's within 1e-5; at padding positions
            (mask 0) they are its output for [PAD], which no pooling reads (equal to ~1e-4).
        """
        texts = list(texts)
        if not texts:
            return np.zeros((0, 0, self.dimension), np.float32), np.zeros((0, 0), np.int64)
        encodings = self._window_tokenizer.encode_batch(texts)
        return self._forward(*self._pad(encodings))

    def contextual_rows(
        self, texts: Sequence[str], batch_size: int = 32
    ) -> list[tuple[np.ndarray, list[int]]]:
        """Each text's token vectors (tokens_i, dim) and token ids, in input order."""
        texts = list(texts)
        rows: list[tuple[np.ndarray, list[int]]] = [None] * len(texts)  # type: ignore[list-item]
        encodings = self._window_tokenizer.encode_batch(texts)
        for picked, hidden, mask in self._batches(texts, batch_size, encodings):
            for row, vectors, length in zip(picked, hidden, mask.sum(axis=1), strict=True):
                rows[row] = (vectors[:length], list(encodings[row].ids))
        return rows


def load_onnx_encoder(
    model_dir: str | Path | None = None,
    name: str = PACKAGED_NAME,
    *,
    random_seed: int | None = None,
    threads: int | None = None,
    on_status: Callable[[str], None] | None = None,
) -> OnnxEncoder:
    """A ready `OnnxEncoder` for a model folder (default: the packaged all-MiniLM-L6-v2).

    Exports the transformer on first use (see `ensure_onnx`); a cached export that onnxruntime
    cannot open (e.g. damaged on disk) is removed and exported again, once.

    Args:
        random_seed: the same architecture with random weights, as `untrained_copy(model, seed)`.
    """
    encoder = OnnxEncoder(
        model_dir or packaged_model_path(), name, random_seed=random_seed, threads=threads
    )
    encoder.prepare(on_status)
    return encoder
