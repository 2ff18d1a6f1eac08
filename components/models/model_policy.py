"""Which models a visitor may load: everything locally, a short allow-list in public mode.

On a public server (Streamlit Community Cloud, a classroom machine) one visitor's model is loaded
into the one process everybody shares: a 7B model fills disk and memory for all, and a local
path (`/`, `/etc`, `~`) must not be probed. So in **public mode**:

- the model pickers accept only the small sentence-transformers models of `ALLOWED_MODELS` (and
  the cross-encoders of `ALLOWED_CROSS_ENCODERS`), by hub id or short name;
- no local folders: any name off the list gets the same message, which never says whether a path
  exists (the file system is not even looked at);
- before any download, the hub is asked for the model's files and their sizes (with a timeout);
  weights over `limits.MODEL_MB` are refused, as are models that need remote code; offline, the
  message says the hub cannot be reached;
- remote code is never trusted (`trust_remote_code=False`, always, in both modes).

Locally (public mode off) any hub id or local folder loads, as before.

The rule (`public_mode`): the environment variable `LAB_PUBLIC_MODE` decides when it is set
(`1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off`); otherwise public mode is on when the app runs
from `/mount/src`, where Streamlit Community Cloud clones every app, and off anywhere else.

No streamlit and no torch here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from components.core import limits
from components.core.paths import PROJECT_ROOT

PUBLIC_ENV = "LAB_PUBLIC_MODE"
CLOUD_ROOT = Path("/mount/src")  # Streamlit Community Cloud clones apps under this folder
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_APP_ROOT = PROJECT_ROOT

# hub id -> what it is (weights size from the hub, 2025; `check_download` measures it again).
ALLOWED_MODELS: dict[str, str] = {
    "sentence-transformers/all-MiniLM-L6-v2": "the lab's model, packaged (offline), 91 MB",
    "sentence-transformers/all-MiniLM-L12-v2": "twice the layers of L6, 133 MB",
    "sentence-transformers/paraphrase-MiniLM-L3-v2": "three layers, 70 MB",
    "sentence-transformers/multi-qa-MiniLM-L6-cos-v1": "trained for questions and answers, 91 MB",
    "sentence-transformers/paraphrase-albert-small-v2": "ALBERT with a SentencePiece tokenizer, 47 MB",
}
ALLOWED_CROSS_ENCODERS: dict[str, str] = {
    "cross-encoder/ms-marco-MiniLM-L6-v2": "MiniLM trained on MS MARCO, 91 MB",
    "cross-encoder/ms-marco-TinyBERT-L2-v2": "a two-layer TinyBERT, 18 MB",
}
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".msgpack", ".onnx")
_OTHER_BACKENDS = ("onnx/", "openvino/")  # folders a torch model never downloads


class ModelRefused(ValueError):
    """The policy refuses this model name; the message is meant for the user."""


def public_mode(
    environ: Mapping[str, str] | None = None, app_root: Path | str | None = None
) -> bool:
    """True when the lab runs as a public app (see the module docstring for the rule)."""
    environ = os.environ if environ is None else environ
    setting = environ.get(PUBLIC_ENV, "").strip().lower()
    if setting in _TRUE:
        return True
    if setting in _FALSE:
        return False
    root = Path(app_root) if app_root is not None else _APP_ROOT
    return root == CLOUD_ROOT or CLOUD_ROOT in root.parents


def shown(name: str, width: int = 80) -> str:
    """A user-typed name safe to put in a message between backticks: one line, no backticks."""
    name = " ".join(str(name).replace("`", "'").split())
    return name if len(name) <= width else name[: width - 1] + "…"


def allowed_names(kind: str = "model") -> dict[str, str]:
    return ALLOWED_CROSS_ENCODERS if kind == "cross-encoder" else ALLOWED_MODELS


def allowed_hub_id(name: str, kind: str = "model") -> str:
    """The hub id of an allowed name (full id or the part after the `/`, any case).

    Raises:
        ModelRefused: the name is not on the allow-list. The message is the same for every such
            name (a hub id, a local path that exists, one that does not): nothing is looked up.
    """
    allowed = allowed_names(kind)
    wanted = name.strip().lower()
    if wanted:
        for hub_id in allowed:
            if wanted in (hub_id.lower(), hub_id.split("/", 1)[1].lower()):
                return hub_id
    choices = ", ".join(f"`{hub_id}`" for hub_id in allowed)
    raise ModelRefused(
        f"`{shown(name)}` is not available: this public lab loads only these small {kind}s "
        f"(to keep the shared server fast for everyone): {choices}. Run the lab on your own "
        "machine to load any model or folder."
    )


@dataclass(frozen=True)
class HubFacts:
    """What the hub says about a model repository, before anything is downloaded."""

    weights_bytes: int  # the weights a torch model would download (safetensors, else others)
    custom_code: bool  # needs trust_remote_code (auto_map in its config, or tagged custom_code)


def weights_bytes(files: Mapping[str, int | None]) -> int:
    """Bytes of the weights a sentence-transformers torch model downloads, from {path: size}.

    Safetensors when the repository has them (the loader prefers them), else the other weight
    files; ONNX and OpenVINO folders are not downloaded for torch. Unknown sizes count as 0.
    """
    weights = {
        path: size or 0
        for path, size in files.items()
        if path.endswith(WEIGHT_SUFFIXES) and not path.startswith(_OTHER_BACKENDS)
    }
    safetensors = {path: size for path, size in weights.items() if path.endswith(".safetensors")}
    return sum((safetensors or weights).values())


def hub_facts(repo_id: str, timeout: float = 5.0) -> HubFacts:
    """Ask the hub for the repository's files and sizes (nothing is downloaded).

    Raises:
        ModelRefused: offline, unreachable within `timeout`, or no such repository.
    """
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in _TRUE:
        raise ModelRefused(_offline(repo_id))
    from huggingface_hub import HfApi
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    try:
        info = HfApi().model_info(repo_id, files_metadata=True, timeout=timeout)
    except (RepositoryNotFoundError, GatedRepoError) as error:
        raise ModelRefused(f"`{shown(repo_id)}` is not a public model on the hub.") from error
    except Exception as error:  # noqa: BLE001 - network trouble of any kind: a message
        raise ModelRefused(_offline(repo_id)) from error
    files = {sibling.rfilename: sibling.size for sibling in info.siblings or []}
    config = info.config or {}
    custom = bool(config.get("auto_map")) or "custom_code" in (info.tags or [])
    return HubFacts(weights_bytes(files), custom)


def _offline(repo_id: str) -> str:
    return (
        f"Cannot download `{shown(repo_id)}`: the Hugging Face hub cannot be reached from this "
        "server (no internet), so only models already on the server can be used."
    )


def check_download(
    repo_id: str,
    *,
    max_mb: float = limits.MODEL_MB,
    facts: Callable[[str], HubFacts] | None = None,
) -> HubFacts:
    """Refuse a download that is too big or needs remote code; call before downloading.

    Args:
        facts: how to ask the hub (default `hub_facts`).

    Raises:
        ModelRefused: weights over `max_mb`, remote code, or the hub cannot be asked.
    """
    found = (hub_facts if facts is None else facts)(repo_id)
    if found.custom_code:
        raise ModelRefused(
            f"`{shown(repo_id)}` needs to run its own code to load; this lab never runs remote "
            "code."
        )
    if found.weights_bytes > max_mb * 1e6:
        raise ModelRefused(
            f"`{shown(repo_id)}` has {found.weights_bytes / 1e6:,.0f} MB of weights; this server "
            f"downloads models of up to {max_mb:,.0f} MB."
        )
    return found
