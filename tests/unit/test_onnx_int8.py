"""The opt-in int8 encoder against the real SentenceTransformer: close, not equal, and honest."""

from __future__ import annotations

import numpy as np
import pytest

from components.data.large_corpus import generate_corpus
from components.data.samples import DEFAULT_PRESET, load_preset
from components.models.encoder import embed
from components.models.onnx_encoder import OnnxEncoder
from components.models.onnx_export import INFO_FILE, ONNX_FILE
from components.models.onnx_files import ensure_onnx, packaged_model_path
from components.models.onnx_int8 import RECIPE, Int8Encoder, ensure_int8, int8_dir

NAME = "sentence-transformers/all-MiniLM-L6-v2"


@pytest.fixture(scope="module")
def int8() -> Int8Encoder:
    encoder = Int8Encoder(packaged_model_path(), NAME)
    encoder.prepare()
    return encoder


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [*load_preset(DEFAULT_PRESET).texts, *generate_corpus(20_000, seed=3).texts[-260:]]


def test_int8_vectors_stay_within_0_99_mean_cosine_of_the_exact_ones(int8, model, texts):
    assert int8.runtime == "onnxruntime"  # really the quantised model, not the fallback
    fast = int8.embed(texts)
    exact = embed(model, texts)
    assert fast.shape == exact.shape == (500, 384)
    np.testing.assert_allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    cosines = (fast * exact).sum(axis=1)
    assert cosines.mean() >= 0.99 and cosines.min() >= 0.95, (cosines.mean(), cosines.min())
    assert np.abs(fast - exact).max() > 1e-3  # quantised: close, not equal


def test_int8_keeps_the_neighbours_of_the_exact_vectors(int8, model, texts):
    fast, exact = int8.embed(texts), embed(model, texts)
    top_fast = np.argsort(-(fast @ fast.T), axis=1)[:, 1:6]
    top_exact = np.argsort(-(exact @ exact.T), axis=1)[:, 1:6]
    overlap = np.mean([len(set(a) & set(b)) / 5 for a, b in zip(top_fast, top_exact, strict=True)])
    assert overlap >= 0.8, overlap


def test_the_int8_model_is_a_quarter_of_the_export_and_cached_next_to_it(int8):
    fp32 = ensure_onnx(packaged_model_path(), NAME)
    folder = ensure_int8(packaged_model_path(), NAME)
    assert folder == int8_dir(fp32) and folder.name.endswith(RECIPE)
    size = (folder / ONNX_FILE).stat().st_size
    fp32_size = sum(path.stat().st_size for path in fp32.iterdir() if path.name.startswith("model"))
    assert size < fp32_size / 3
    written = (folder / INFO_FILE).stat().st_mtime_ns
    assert ensure_int8(packaged_model_path(), NAME) == folder  # cached: not quantised again
    assert (folder / INFO_FILE).stat().st_mtime_ns == written


def test_the_exact_encoder_is_untouched_by_the_int8_one(int8, model):
    exact = OnnxEncoder(packaged_model_path(), NAME)
    texts = load_preset(DEFAULT_PRESET).texts[:20]
    np.testing.assert_allclose(exact.embed(texts), embed(model, texts), atol=1e-5)
