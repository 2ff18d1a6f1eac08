"""Public mode: the allow-list, no local paths, size checks before downloads; all offline."""

from __future__ import annotations

import pathlib
import re
from types import SimpleNamespace

import pytest

from components.models import model_policy
from components.models.encoder import ModelLoadError, load_by_name, load_model, model_info
from components.models.model_policy import (
    ALLOWED_MODELS,
    HubFacts,
    ModelRefused,
    allowed_hub_id,
    check_download,
    hub_facts,
    public_mode,
    weights_bytes,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("environ", "root", "expected"),
    [
        ({}, "/work/lab", False),
        ({}, "/mount/src/sentence-lab", True),
        ({}, "/mount/src", True),
        ({}, "/mount/srcs/lab", False),
        ({"LAB_PUBLIC_MODE": "1"}, "/work/lab", True),
        ({"LAB_PUBLIC_MODE": "yes"}, "/home/me/lab", True),
        ({"LAB_PUBLIC_MODE": "0"}, "/mount/src/lab", False),
        ({"LAB_PUBLIC_MODE": "off"}, "/mount/src/lab", False),
        ({"LAB_PUBLIC_MODE": "maybe"}, "/work/lab", False),
    ],
)
def test_public_mode_rule(environ, root, expected):
    assert public_mode(environ, root) is expected


def test_public_mode_is_off_for_this_checkout(monkeypatch):
    monkeypatch.delenv("LAB_PUBLIC_MODE", raising=False)
    assert not str(ROOT).startswith("/mount/src") and public_mode() is False


@pytest.mark.parametrize(
    ("name", "hub_id"),
    [
        ("sentence-transformers/all-MiniLM-L12-v2", "sentence-transformers/all-MiniLM-L12-v2"),
        ("all-minilm-l12-v2", "sentence-transformers/all-MiniLM-L12-v2"),
        ("  paraphrase-MiniLM-L3-v2 ", "sentence-transformers/paraphrase-MiniLM-L3-v2"),
    ],
)
def test_allowed_names_resolve_to_hub_ids(name, hub_id):
    assert allowed_hub_id(name) == hub_id


def test_every_allowed_model_is_a_small_sentence_transformers_model():
    assert "sentence-transformers/all-MiniLM-L6-v2" in ALLOWED_MODELS
    assert all(hub_id.startswith("sentence-transformers/") for hub_id in ALLOWED_MODELS)
    sizes = [int(re.search(r"(\d+) MB", text).group(1)) for text in ALLOWED_MODELS.values()]
    assert max(sizes) <= model_policy.limits.MODEL_MB


PROBES = ["/", "/etc", "~", "/etc/passwd", "/no/such/folder", "../..", ".", "meta-llama/Llama-2-7b"]


def test_names_off_the_list_get_one_message_that_never_says_whether_a_path_exists(monkeypatch):
    looked_at: list[str] = []
    original_stat = pathlib.Path.stat

    def recording_stat(self, *args, **kwargs):
        looked_at.append(str(self))
        return original_stat(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "stat", recording_stat)  # exists() and is_dir() use it
    messages = set()
    for name in PROBES:
        with pytest.raises(ModelRefused) as refused:
            allowed_hub_id(name)
        messages.add(str(refused.value).replace(model_policy.shown(name), "NAME", 1))
    assert not any(path in PROBES or path in ("/etc", "/") for path in looked_at)
    assert len(messages) == 1
    (message,) = messages
    assert "exist" not in message and "folder" not in message.split("Run the lab")[0]
    assert "sentence-transformers/all-MiniLM-L12-v2" in message


def test_shown_names_cannot_break_out_of_their_backticks():
    assert model_policy.shown("a`b\n![x](http://e/x.png)") == "a'b ![x](http://e/x.png)"
    assert len(model_policy.shown("x" * 500)) == 80


def test_weights_bytes_counts_what_a_torch_model_downloads():
    files = {
        "model.safetensors": 90_000_000,
        "pytorch_model.bin": 90_000_000,
        "onnx/model.onnx": 90_000_000,
        "openvino/openvino_model.bin": 90_000_000,
        "config.json": 600,
    }
    assert weights_bytes(files) == 90_000_000
    assert weights_bytes({"pytorch_model.bin": 5, "tf_model.h5": 7, "vocab.txt": 9}) == 12
    assert weights_bytes({"2_Dense/model.safetensors": None, "model.safetensors": 3}) == 3


def test_check_download_refuses_big_models_and_remote_code():
    with pytest.raises(ModelRefused, match="7,000 MB of weights.*up to 150 MB"):
        check_download("big/model", max_mb=150, facts=lambda _: HubFacts(7_000_000_000, False))
    with pytest.raises(ModelRefused, match="never runs remote code"):
        check_download("code/model", facts=lambda _: HubFacts(1_000, True))
    fits = check_download("small/model", max_mb=150, facts=lambda _: HubFacts(90_000_000, False))
    assert fits.weights_bytes == 90_000_000


def test_hub_facts_offline_is_a_clear_message_without_any_request(monkeypatch):
    from huggingface_hub import HfApi

    monkeypatch.setattr(HfApi, "model_info", lambda *a, **k: pytest.fail("no request offline"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelRefused, match="cannot be reached"):
        hub_facts("sentence-transformers/all-MiniLM-L12-v2")


def test_hub_facts_network_errors_and_missing_repos_are_messages(monkeypatch):
    from huggingface_hub import HfApi

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    calls = []

    def unreachable(self, repo_id, **kwargs):
        calls.append(kwargs)
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(HfApi, "model_info", unreachable)
    with pytest.raises(ModelRefused, match="cannot be reached"):
        hub_facts("sentence-transformers/all-MiniLM-L12-v2", timeout=2.0)
    assert calls[0]["timeout"] == 2.0 and calls[0]["files_metadata"] is True


def test_hub_facts_reads_sizes_and_custom_code(monkeypatch):
    from huggingface_hub import HfApi

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)

    def answer(self, repo_id, **kwargs):
        return SimpleNamespace(
            siblings=[
                SimpleNamespace(rfilename="model.safetensors", size=133_000_000),
                SimpleNamespace(rfilename="onnx/model.onnx", size=133_000_000),
            ],
            config={"auto_map": {"AutoModel": "modeling.Custom"}},
            tags=[],
        )

    monkeypatch.setattr(HfApi, "model_info", answer)
    assert hub_facts("x/y") == HubFacts(133_000_000, True)


# ---------------------------------------------------------------- through the loader
class SpyFactory:
    def __init__(self, cached: bool = False) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.cached = cached

    def __call__(self, name, **kwargs):
        self.calls.append((name, kwargs))
        if kwargs.get("local_files_only") and not self.cached:
            raise OSError("not in the cache")
        return SimpleNamespace(name=name)


@pytest.mark.parametrize("name", PROBES)
def test_public_loader_refuses_without_calling_the_factory(name):
    factory = SpyFactory()
    with pytest.raises(ModelLoadError, match="not available: this public lab"):
        load_by_name(factory, name, "model", public=True)
    assert factory.calls == []


def test_public_loader_uses_the_cache_first_then_checks_size_before_downloading(monkeypatch):
    cached = SpyFactory(cached=True)
    assert load_by_name(cached, "all-MiniLM-L12-v2", "model", public=True).name == (
        "sentence-transformers/all-MiniLM-L12-v2"
    )
    assert len(cached.calls) == 1 and cached.calls[0][1]["local_files_only"] is True

    monkeypatch.setattr(
        model_policy, "hub_facts", lambda repo_id, timeout=5.0: HubFacts(10**12, False)
    )
    too_big = SpyFactory()
    with pytest.raises(ModelLoadError, match="MB of weights"):
        load_by_name(too_big, "all-MiniLM-L12-v2", "model", public=True)
    assert len(too_big.calls) == 1  # only the cache lookup: no download was tried


def test_public_loader_offline_says_so(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    factory = SpyFactory()
    with pytest.raises(ModelLoadError, match="cannot be reached"):
        load_by_name(factory, "paraphrase-MiniLM-L3-v2", "model", public=True)


def test_cross_encoders_have_their_own_list():
    with pytest.raises(ModelLoadError, match="small cross-encoders"):
        load_by_name(SpyFactory(), "all-MiniLM-L12-v2", "cross-encoder", public=True)
    factory = SpyFactory(cached=True)
    load_by_name(factory, "cross-encoder/ms-marco-MiniLM-L6-v2", "cross-encoder", public=True)


@pytest.mark.parametrize("public", [True, False])
def test_remote_code_is_never_trusted(public, tmp_path, monkeypatch):
    monkeypatch.setattr(
        model_policy, "hub_facts", lambda repo_id, timeout=5.0: HubFacts(1_000, False)
    )
    factory = SpyFactory(cached=not public)  # public: downloaded after the (faked) size check
    load_by_name(factory, "all-MiniLM-L12-v2", "model", public=public)
    if not public:
        load_by_name(factory, str(tmp_path), "model", public=False)  # a local folder
    assert factory.calls and all(k["trust_remote_code"] is False for _, k in factory.calls)
    sources = "".join(path.read_text() for path in (ROOT / "components").rglob("*.py"))
    assert "trust_remote_code=True" not in sources


def test_the_packaged_model_loads_in_public_mode(monkeypatch):
    monkeypatch.setenv("LAB_PUBLIC_MODE", "1")
    model = load_model("all-MiniLM-L6-v2")
    assert model_info(model, "sentence-transformers/all-MiniLM-L12-v2").source == (
        "Hugging Face hub"
    )


@pytest.mark.parametrize("name", ["é" * 300, "a\x00b", "~" + "x" * 5000, "🚀" * 100])
def test_names_no_file_system_accepts_are_messages_not_crashes(name):
    with pytest.raises(ModelLoadError):
        load_by_name(SpyFactory(), name, "model", public=False)
    with pytest.raises(ModelLoadError):
        load_by_name(SpyFactory(), name, "model", public=True)
