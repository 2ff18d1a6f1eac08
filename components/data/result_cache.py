"""Results kept on disk between server runs: sentence vectors and maps, keyed by what made them.

A cold server (Streamlit Community Cloud wakes a sleeping app into a fresh process) would
otherwise encode the default preset and fit its UMAP map again before the first visitor sees
Explore. The key of an entry is a sha256 of everything the result depends on: the model's name
and weights hash, the texts, and for a map the method and its parameters; any change is a miss.

Two places are read, in order:
- `sample_data/cache/`: entries shipped with the repository (the default preset's vectors and
  default map, the fresh attention head, a few hundred KB; regenerate with
  `python -m components.services.on_disk`);
- `cache_root() / "results"`: entries written by this machine (atomic: temp file + rename).

Files are `.npz` archives without pickles (arrays + a JSON string), so a damaged or foreign file
can only be a miss, never code.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from components.core.paths import SAMPLE_DIR
from components.models.onnx_files import (
    cache_root,
    packaged_model_path,
    read_pipeline,
    weights_digest,
)

SHIPPED_DIR = SAMPLE_DIR / "cache"
FORMAT = "v1"  # bump when an entry's meaning changes


def model_fingerprint(name: str, model_dir: str | Path) -> str:
    """The model's name and the sha256 of its weights: two different weights never share a key."""
    return f"{name.strip()}@{weights_digest(read_pipeline(model_dir).transformer_dir)}"


def packaged_fingerprint(name: str) -> str:
    return model_fingerprint(name, packaged_model_path())


def entry_key(kind: str, fingerprint: str, texts: Sequence[str], **params: object) -> str:
    """sha256 of (format, kind, model, texts, sorted params): the file name of one entry."""
    digest = hashlib.sha256()
    for part in (FORMAT, kind, fingerprint, json.dumps(sorted(params.items()), default=str)):
        digest.update(part.encode("utf-8") + b"\x00")
    digest.update(len(texts).to_bytes(8, "little"))
    for text in texts:
        encoded = text.encode("utf-8", "surrogatepass")
        digest.update(len(encoded).to_bytes(8, "little") + encoded)  # no two lists collide
    return f"{kind}-{digest.hexdigest()[:40]}"


def _results_dir() -> Path:
    return cache_root() / "results"


def load(key: str) -> tuple[dict[str, np.ndarray], dict] | None:
    """The arrays and metadata of an entry, or None when no readable entry exists."""
    for folder in (SHIPPED_DIR, _results_dir()):
        path = folder / f"{key}.npz"
        if not path.exists():
            continue
        try:
            with np.load(path, allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in archive.files if name != "meta"}
                meta = json.loads(str(archive["meta"])) if "meta" in archive.files else {}
        except (OSError, ValueError, KeyError, EOFError):
            continue  # damaged or foreign: a miss
        return arrays, meta
    return None


def save(
    key: str,
    arrays: Mapping[str, np.ndarray],
    meta: Mapping | None = None,
    folder: Path | None = None,
) -> Path | None:
    """Write an entry atomically (a temp file renamed into place); None when the disk refuses."""
    folder = folder or _results_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=folder)
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, meta=np.array(json.dumps(dict(meta or {}))), **arrays)
        final = folder / f"{key}.npz"
        os.replace(temporary, final)
        return final
    except OSError:
        return None


def load_vectors(fingerprint: str, texts: Sequence[str]) -> np.ndarray | None:
    """Cached sentence vectors (n, dim) of `texts` under this model, or None."""
    entry = load(entry_key("vectors", fingerprint, texts))
    if entry is None or entry[0]["vectors"].shape[0] != len(texts):
        return None
    return entry[0]["vectors"]


def save_vectors(fingerprint: str, texts: Sequence[str], vectors: np.ndarray, **kw) -> Path | None:
    return save(entry_key("vectors", fingerprint, texts), {"vectors": vectors}, **kw)


def projection_key(
    fingerprint: str, texts: Sequence[str], method: str, n_components: int, params: Mapping
) -> str:
    return entry_key(
        "map", fingerprint, texts, method=method, n_components=n_components, **dict(params)
    )


def load_projection(
    fingerprint: str, texts: Sequence[str], method: str, n_components: int, params: Mapping
):
    """A cached `ProjectionResult`, or None."""
    from components.vectors.projection import ProjectionResult

    entry = load(projection_key(fingerprint, texts, method, n_components, params))
    if entry is None:
        return None
    arrays, meta = entry
    coords = arrays["coords"]
    if coords.shape != (len(texts), n_components):
        return None
    return ProjectionResult(coords, str(meta.get("method_used", method)), str(meta.get("note", "")))


def save_projection(
    fingerprint: str,
    texts: Sequence[str],
    method: str,
    n_components: int,
    params: Mapping,
    result,
    **kw,
) -> Path | None:
    meta = {"method_used": result.method_used, "note": result.note}
    key = projection_key(fingerprint, texts, method, n_components, params)
    return save(key, {"coords": np.asarray(result.coords)}, meta, **kw)


def load_order(fingerprint: str, texts: Sequence[str]) -> list[int] | None:
    """A cached heatmap order of `texts` (`similarity.cluster_order` of their cosines), or None."""
    entry = load(entry_key("order", fingerprint, texts))
    if entry is None:
        return None
    order = entry[0]["order"]
    if sorted(order.tolist()) != list(range(len(texts))):
        return None  # not a permutation of these texts: a miss
    return order.tolist()


def save_order(fingerprint: str, texts: Sequence[str], order: Sequence[int], **kw) -> Path | None:
    key = entry_key("order", fingerprint, texts)
    return save(key, {"order": np.asarray(order, dtype=np.int64)}, **kw)


# The default view of the Explore lab: the default preset's map as the page first draws it.
DEFAULT_MAP = ("umap", 2, {"n_neighbors": 15, "min_dist": 0.1})
