"""The torch-free ONNX path against the real SentenceTransformer (this test process imports torch).

The export is cached under the usual cache folder, so only the first run pays for it (~10 s).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from components.data.samples import DEFAULT_PRESET, load_preset
from components.models.encoder import (
    count_tokens,
    embed,
    token_batch,
    token_embeddings,
    tokenize,
    untrained_copy,
)
from components.models.onnx_encoder import load_onnx_encoder
from components.models.onnx_export import INFO_FILE, ONNX_FILE
from components.models.onnx_files import (
    CACHE_ENV,
    OnnxUnavailable,
    ensure_onnx,
    export_dir,
    packaged_model_path,
    read_pipeline,
)
from tests.conftest import ROOT

EDGE_TEXTS = [
    "",
    " ",
    "x",
    "   leading and trailing spaces   ",
    "tabs\tand\nnew lines\r\n",
    "Ünïcödé, naïve café, Émile",
    "emoji 🚀🔥👍🏽 and a flag 🇫🇷",
    "机器学习 is machine learning; 東京 is Tokyo; 한국어",
    "עברית ومرحبا mixed with English (RTL)",
    "combining a\u0301e\u0301 and zero\u200bwidth and NUL\x00 and bell\x07",
    "<script>alert('x')</script> &amp; &lt;b&gt;",
    "[CLS] [SEP] [PAD] [UNK] [MASK] typed as text",
    "quantumness superconductivity recieve pakage",
    "word " * 400,  # past the 256-token window
    "Ω" * 3000,  # one very long unknown-ish run
    "1234567890 " * 60,
]


@pytest.fixture(scope="module")
def onnx_model():
    return load_onnx_encoder()


@pytest.fixture(scope="module")
def texts():
    return load_preset(DEFAULT_PRESET).texts + EDGE_TEXTS


def test_pipeline_of_the_packaged_model():
    pipeline = read_pipeline(packaged_model_path())
    assert (pipeline.max_seq_length, pipeline.pooling, pipeline.normalize) == (256, "mean", True)


def test_dimension_and_window_equal_the_model(onnx_model, model):
    assert onnx_model.dimension == model.get_embedding_dimension() == 384
    assert onnx_model.max_seq_length == model.max_seq_length == 256


def test_embed_equals_model_encode(onnx_model, model, texts):
    ours = onnx_model.embed(texts)
    reference = model.encode(texts, normalize_embeddings=True)
    assert ours.shape == (len(texts), 384) and ours.dtype == np.float32
    np.testing.assert_allclose(ours, reference, atol=1e-5, rtol=0)
    np.testing.assert_allclose(ours, embed(model, texts), atol=1e-5, rtol=0)


@pytest.mark.parametrize("batch_size", [1, 7, 64])
def test_embed_does_not_depend_on_batching(onnx_model, model, batch_size):
    texts = EDGE_TEXTS
    reference = model.encode(texts, normalize_embeddings=True)
    np.testing.assert_allclose(
        onnx_model.embed(texts, batch_size=batch_size), reference, atol=1e-5, rtol=0
    )


def test_embed_unnormalised_equals_model_encode(onnx_model, model):
    np.testing.assert_allclose(
        onnx_model.embed(EDGE_TEXTS, normalize=False), model.encode(EDGE_TEXTS), atol=1e-5
    )


def test_embed_of_nothing_is_an_empty_matrix(onnx_model):
    assert onnx_model.embed([]).shape == (0, 384)


def transformer_output(model, texts):
    """sentence-transformers' own Transformer module on one padded batch."""
    import torch

    features = model.preprocess(list(texts))
    with torch.no_grad():
        output = model[0](features)
    return output["token_embeddings"].numpy(), features["attention_mask"].numpy()


def test_token_embeddings_equal_the_transformer_module(onnx_model, model):
    ours, our_mask = onnx_model.token_embeddings(EDGE_TEXTS)
    reference, reference_mask = transformer_output(model, EDGE_TEXTS)
    np.testing.assert_array_equal(our_mask, reference_mask)
    assert ours.shape == reference.shape  # (batch, tokens, dim), padding included
    real = our_mask.astype(bool)  # (batch, tokens)
    # Every real token's vector is equal; the vectors at padding positions are what the
    # transformer computes for [PAD] (no pooling mode reads them): equal to ~1.5e-4 only.
    np.testing.assert_allclose(ours[real], reference[real], atol=1e-5, rtol=0)
    np.testing.assert_allclose(ours[~real], reference[~real], atol=1e-3, rtol=0)


def test_token_batches_equal_the_torch_model(onnx_model, model, texts):
    """encoder.token_embeddings / token_batch give the same vectors, mask and pieces either way."""
    sample = texts[:80] + EDGE_TEXTS
    ours, our_mask = token_embeddings(onnx_model, sample)
    reference, reference_mask = token_embeddings(model, sample)
    np.testing.assert_array_equal(our_mask, reference_mask.numpy())
    np.testing.assert_allclose(ours, reference.numpy(), atol=1e-5, rtol=0)
    batch, reference_batch = token_batch(onnx_model, sample), token_batch(model, sample)
    assert batch.pieces == reference_batch.pieces and batch.special == reference_batch.special
    np.testing.assert_allclose(batch.embeddings, reference_batch.embeddings, atol=1e-5, rtol=0)


def test_count_tokens_equals_the_hf_tokenizer(onnx_model, model, texts):
    assert onnx_model.count_tokens(texts) == count_tokens(model, texts)
    assert count_tokens(onnx_model, texts) == count_tokens(model, texts)


def test_tokenize_equals_the_hf_tokenizer(onnx_model, model, texts):
    for text in texts:
        assert tokenize(onnx_model, text) == tokenize(model, text), text
    assert tokenize(onnx_model, "word " * 400).truncated
    assert len(tokenize(onnx_model, "word " * 400).ids) == 256


def test_embed_through_the_encoder_api(onnx_model, model, texts):
    np.testing.assert_allclose(embed(onnx_model, texts), embed(model, texts), atol=1e-5, rtol=0)


def test_twelve_threads_at_once_give_the_serial_results(onnx_model, texts):
    """Shared tokenizers and session: concurrent calls of every kind equal serial calls."""
    jobs = []
    for index in range(24):
        chunk = texts[(index * 17) % 200 : (index * 17) % 200 + 8] + EDGE_TEXTS[index % 5 :: 6]
        kind = ("embed", "count", "tokenize", "tokens")[index % 4]
        jobs.append((kind, chunk))

    def run(job):
        kind, chunk = job
        if kind == "embed":
            return onnx_model.embed(chunk)
        if kind == "count":
            return onnx_model.count_tokens(chunk)
        if kind == "tokenize":
            return [tokenize(onnx_model, text) for text in chunk]
        return onnx_model.token_embeddings(chunk)

    serial = [run(job) for job in jobs]
    start = threading.Barrier(12)

    def run_together(job):
        try:
            start.wait(timeout=30)
        except threading.BrokenBarrierError:
            pass
        return run(job)

    with ThreadPoolExecutor(max_workers=12) as pool:
        concurrent = list(pool.map(run_together, jobs))
    for (kind, _), alone, together in zip(jobs, serial, concurrent, strict=True):
        if kind == "embed":
            np.testing.assert_allclose(together, alone, atol=1e-6, rtol=0)
        elif kind == "tokens":
            np.testing.assert_array_equal(together[1], alone[1])
            np.testing.assert_allclose(together[0], alone[0], atol=1e-6, rtol=0)
        else:
            assert together == alone


def test_random_weights_export_equals_untrained_copy(onnx_model, model, tmp_path, monkeypatch):
    """The random-weights model (same seed) as the Tokens page builds it with torch, exported
    afresh (the subprocess replays torch's draws in numpy, without torch; the graph is the
    shipped one)."""
    from components.models.onnx_export import INFO_FILE

    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    reference = untrained_copy(model, 0)
    ours = untrained_copy(onnx_model, 0)
    ours.prepare()
    assert ours.runtime == "onnxruntime"
    info = json.loads((export_dir(packaged_model_path(), ours.name, 0) / INFO_FILE).read_text())
    assert info["method"] == "shipped graph + random weights replayed in numpy"
    assert info["torch_imported"] is False
    texts = load_preset(DEFAULT_PRESET).texts[:40] + EDGE_TEXTS[:8]
    np.testing.assert_allclose(
        ours.embed(texts), reference.encode(texts, normalize_embeddings=True), atol=1e-5, rtol=0
    )
    tokens, mask = token_embeddings(ours, texts[:10])
    reference_tokens, reference_mask = token_embeddings(reference, texts[:10])
    np.testing.assert_array_equal(mask, reference_mask.numpy())
    np.testing.assert_allclose(tokens, reference_tokens.numpy(), atol=1e-5, rtol=0)


def test_cache_key_has_the_name_and_weights_hash(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    folder = export_dir(packaged_model_path(), "sentence-transformers/all-MiniLM-L6-v2")
    assert folder.parent == tmp_path / "onnx"
    assert folder.name.startswith("sentence-transformers_all-MiniLM-L6-v2-53aa51172d142c89")
    seeded = export_dir(packaged_model_path(), "sentence-transformers/all-MiniLM-L6-v2", 0)
    assert seeded != folder and "random0" in seeded.name


def test_unsupported_pipelines_are_refused(tmp_path):
    (tmp_path / "modules.json").write_text(
        json.dumps(
            [
                {
                    "idx": 0,
                    "name": "0",
                    "path": "",
                    "type": "sentence_transformers.models.Transformer",
                },
                {
                    "idx": 1,
                    "name": "1",
                    "path": "1_Pooling",
                    "type": "sentence_transformers.models.Pooling",
                },
                {
                    "idx": 2,
                    "name": "2",
                    "path": "2_Dense",
                    "type": "sentence_transformers.models.Dense",
                },
            ]
        )
    )
    with pytest.raises(OnnxUnavailable, match="Dense"):
        read_pipeline(tmp_path)
    with pytest.raises(OnnxUnavailable, match="modules.json"):
        read_pipeline(tmp_path / "missing")


def test_server_side_use_never_imports_torch():
    program = (
        "import sys\n"
        "from components.models.onnx_encoder import load_onnx_encoder\n"
        "model = load_onnx_encoder()\n"
        "model.embed(['hello', 'world']); model.count_tokens(['a'])\n"
        "model.token_embeddings(['c d'])\n"
        "heavy = [name for name in ('torch', 'transformers', 'sentence_transformers') if name in sys.modules]\n"
        "print(heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_two_processes_export_once_atomically_and_a_damaged_export_is_redone(tmp_path):
    """Two processes asking at once: one exports, the other waits and reuses it (file lock)."""
    program = (
        "from components.models.onnx_files import ensure_onnx, packaged_model_path\n"
        "messages = []\n"
        "ensure_onnx(packaged_model_path(), 'all-MiniLM-L6-v2', on_status=messages.append)\n"
        "print('exported' if messages else 'reused')\n"
    )
    env = {**__import__("os").environ, CACHE_ENV: str(tmp_path)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", program], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = sorted(process.communicate(timeout=600)[0].strip() for process in processes)
    assert outputs == ["exported", "reused"]
    exports = list((tmp_path / "onnx").iterdir())
    folders = [path for path in exports if path.is_dir()]
    assert len(folders) == 1 and not [p for p in exports if ".tmp-" in p.name]  # no leftovers
    folder = folders[0]
    assert (folder / INFO_FILE).exists() and (folder / ONNX_FILE).exists()

    # A damaged export (e.g. a disk error) is detected when onnxruntime opens it, and redone.
    (folder / ONNX_FILE).write_bytes(b"not an onnx file")
    import os

    os.environ[CACHE_ENV] = str(tmp_path)
    try:
        repaired = load_onnx_encoder(name="all-MiniLM-L6-v2")
        assert repaired.embed(["hello"]).shape == (1, 384)
        assert ensure_onnx(packaged_model_path(), "all-MiniLM-L6-v2") == folder
    finally:
        del os.environ[CACHE_ENV]
    shutil.rmtree(tmp_path / "onnx")


def test_long_texts_run_in_small_batches(onnx_model):
    """The attention scores grow with batch x tokens²: long texts go a few at a time."""
    from components.models.onnx_encoder import ATTENTION_BUDGET

    texts = ["word " * 300] * 5 + ["short one"] * 40
    sizes = [(len(rows), hidden.shape[1]) for rows, hidden, _ in onnx_model._batches(texts, 32)]
    assert sum(size for size, _ in sizes) == len(texts)
    assert all(size * tokens**2 <= ATTENTION_BUDGET or size == 1 for size, tokens in sizes)
    assert sizes[0] == (2, 256) and sizes[-1][0] > 2  # short texts still batch up


def test_tokens_need_no_export_and_the_session_opens_in_the_background(tmp_path, monkeypatch):
    from components.models.onnx_encoder import OnnxEncoder

    monkeypatch.setenv(CACHE_ENV, str(tmp_path))  # an empty cache: nothing exported here
    encoder = OnnxEncoder(packaged_model_path())
    assert not encoder.is_ready and encoder.dimension == 384
    assert encoder.count_tokens(["hello world"]) == [4]
    assert tokenize(encoder, "quantumness").tokens == ["[CLS]", "quantum", "##ness", "[SEP]"]
    assert not encoder.is_ready and not (tmp_path / "onnx").exists()  # no export was started

    monkeypatch.delenv(CACHE_ENV)  # the usual cache, where the export already is
    thread = encoder.prepare_in_background()
    assert encoder.prepare_in_background() is thread  # once
    thread.join(timeout=120)
    assert encoder.is_ready and encoder.error is None
    assert encoder.embed(["hello"]).shape == (1, 384)


def test_when_the_export_fails_torch_runs_the_same_transformer(tmp_path, monkeypatch, model):
    """No writable cache folder (or any export failure): the encoder still works, via torch."""
    from components.models.onnx_encoder import OnnxEncoder

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv(CACHE_ENV, str(blocker))
    encoder = OnnxEncoder(packaged_model_path())
    texts = EDGE_TEXTS
    np.testing.assert_allclose(
        encoder.embed(texts), model.encode(texts, normalize_embeddings=True), atol=1e-5, rtol=0
    )
    assert encoder.runtime == "torch (fallback)" and isinstance(encoder.error, OnnxUnavailable)


def test_a_fresh_cache_assembles_the_export_without_torch(tmp_path, monkeypatch, model):
    """The shipped graph + the safetensors weights: no torch, same numbers as the traced export."""
    from components.models.onnx_encoder import OnnxEncoder
    from components.models.onnx_export import INFO_FILE, assemble, config_digest, shipped_graph

    pipeline = read_pipeline(packaged_model_path())
    assert shipped_graph(pipeline.transformer_dir).name == (
        f"{config_digest(pipeline.transformer_dir)}.onnx"
    )
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    encoder = OnnxEncoder(packaged_model_path())
    encoder.prepare()
    info = json.loads((export_dir(packaged_model_path(), encoder.name) / INFO_FILE).read_text())
    assert (info["method"], info["torch_imported"]) == ("assembled", False)
    np.testing.assert_allclose(
        encoder.embed(EDGE_TEXTS),
        model.encode(EDGE_TEXTS, normalize_embeddings=True),
        atol=1e-5,
        rtol=0,
    )
    monkeypatch.delenv(CACHE_ENV)
    traced = load_onnx_encoder()  # the usual cache
    np.testing.assert_allclose(encoder.embed(EDGE_TEXTS), traced.embed(EDGE_TEXTS), atol=1e-6)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "config.json").write_text("{}")  # an architecture without a shipped graph
    assert not assemble(empty, empty)


@pytest.mark.parametrize("damaged", [True, False])
def test_only_a_damaged_export_is_deleted_and_redone(tmp_path, monkeypatch, damaged):
    """A corrupt or incomplete export is removed and exported again; any other onnxruntime error
    leaves the export alone (and the torch path takes over)."""
    from onnxruntime.capi import onnxruntime_pybind11_state as state

    from components.models import onnx_encoder
    from components.models.onnx_encoder import OnnxEncoder
    from components.models.onnx_files import OnnxUnavailable

    export = tmp_path / "export"
    export.mkdir()
    (export / ONNX_FILE).write_bytes(b"an export")
    exports = []

    def fake_ensure_onnx(*args, **kwargs):
        export.mkdir(exist_ok=True)
        exports.append(export)
        return export

    opened = []

    def fake_open(self, folder):
        opened.append(folder)
        if len(opened) == 1:
            error = state.InvalidProtobuf if damaged else state.InvalidArgument
            raise error("[ONNXRuntimeError] : cannot open")
        return "session"

    monkeypatch.setattr(onnx_encoder, "ensure_onnx", fake_ensure_onnx)
    monkeypatch.setattr(OnnxEncoder, "_open", fake_open)
    encoder = OnnxEncoder(packaged_model_path(), "all-MiniLM-L6-v2")
    if damaged:
        encoder._onnx_runner(None)
        assert len(exports) == 2 and len(opened) == 2  # deleted, exported again, reopened
        assert not (export / ONNX_FILE).exists()  # the damaged file was removed
    else:
        with pytest.raises(OnnxUnavailable, match="cannot open the export"):
            encoder._onnx_runner(None)
        assert len(exports) == 1 and len(opened) == 1
        assert (export / ONNX_FILE).read_bytes() == b"an export"  # left alone


def test_the_packaged_weights_digest_read_from_the_install_record_equals_hashing_them():
    import hashlib

    from components.models.onnx_files import recorded_sha256

    weights = (Path(packaged_model_path()) / "model.safetensors").resolve()
    recorded = recorded_sha256(weights, weights.stat().st_size)
    assert recorded == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert recorded_sha256(weights, weights.stat().st_size + 1) is None  # another size
    assert recorded_sha256(Path(__file__).resolve(), Path(__file__).stat().st_size) is None
