"""SafeTokenizer answers every call the lab makes exactly like the model's Hugging Face tokenizer,
and keeps answering correctly when many threads use it at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.data.chunking import chunk_text
from components.data.samples import DEFAULT_PRESET, load_preset
from components.models.onnx_files import packaged_model_path, read_pipeline
from components.pooling.tokens import token_view
from components.runtime.safe_tokenizer import SafeTokenizer

TEXTS = [
    "",
    "hello",
    "quantumness superconductivity recieve pakage",
    "Arnold Schwarzenegger met Chimamanda Ngozi Adichie in Reykjavík.",
    "Launch day 🚀🔥 went great 👍",
    "机器学习 is machine learning; 東京 is Tokyo.",
    "[CLS] [SEP] [UNK] typed as text",
    "   spaces   and\ttabs\nand lines  ",
    "combining a\u0301 zero\u200bwidth NUL\x00",
    "word " * 300,
]


@pytest.fixture(scope="module")
def safe():
    pipeline = read_pipeline(packaged_model_path())
    return SafeTokenizer(pipeline.transformer_dir / "tokenizer.json", pipeline.max_seq_length)


@pytest.fixture(scope="module")
def hf(model):
    return model.tokenizer


@pytest.mark.parametrize("add_special_tokens", [True, False])
@pytest.mark.parametrize("truncation,max_length", [(False, None), (True, 256), (True, 7)])
def test_calls_equal_the_hf_tokenizer(safe, hf, add_special_tokens, truncation, max_length):
    kwargs = dict(
        add_special_tokens=add_special_tokens,
        truncation=truncation,
        max_length=max_length,
        return_offsets_mapping=True,
    )
    for text in TEXTS:
        ours, reference = safe(text, **kwargs), hf(text, **kwargs)
        for key in ("input_ids", "attention_mask", "token_type_ids"):
            assert ours[key] == reference[key], (key, text)
        assert [tuple(pair) for pair in ours["offset_mapping"]] == [
            tuple(pair) for pair in reference["offset_mapping"]
        ]
        assert ours.word_ids() == reference.word_ids(), text
    batch_ours, batch_reference = safe(TEXTS, **kwargs), hf(TEXTS, **kwargs)
    assert batch_ours["input_ids"] == batch_reference["input_ids"]
    assert batch_ours.word_ids(3) == batch_reference.word_ids(3)


def test_attributes_and_helpers_equal_the_hf_tokenizer(safe, hf):
    assert safe.is_fast and hf.is_fast
    assert sorted(safe.all_special_ids) == sorted(hf.all_special_ids)
    assert safe.unk_token_id == hf.unk_token_id and safe.pad_token_id == hf.pad_token_id
    assert safe.num_special_tokens_to_add(pair=False) == hf.num_special_tokens_to_add(pair=False)
    for text in TEXTS:
        assert safe.tokenize(text) == hf.tokenize(text), text
        ids = hf(text)["input_ids"]
        assert safe.convert_ids_to_tokens(ids) == hf.convert_ids_to_tokens(ids)
    assert safe.convert_ids_to_tokens(101) == hf.convert_ids_to_tokens(101)


def test_token_view_and_chunking_are_the_same_with_either(safe, hf):
    for text in TEXTS:
        assert token_view(safe, text, 256) == token_view(hf, text, 256), text
    essay = " ".join(load_preset(DEFAULT_PRESET).texts)
    for window, overlap in ((254, 0), (60, 20), (20, 19)):
        assert chunk_text(essay, safe, window, overlap) == chunk_text(essay, hf, window, overlap)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300), st.integers(20, 40), st.integers(0, 19))
def test_chunking_arbitrary_unicode_is_the_same(safe, hf, text, window, overlap):
    assert chunk_text(text, safe, window, overlap) == chunk_text(text, hf, window, overlap)


def test_twelve_threads_with_different_settings_at_once(safe):
    """The calls that broke a shared HF tokenizer (different truncation per thread) are safe."""
    texts = load_preset(DEFAULT_PRESET).texts[:60] + TEXTS
    settings_list = [
        {"truncation": False},
        {"truncation": True, "max_length": 256},
        {"truncation": True, "max_length": 9},
        {"truncation": True, "max_length": 17, "add_special_tokens": False},
    ]
    jobs = [settings_list[index % 4] for index in range(48)]
    serial = [safe(texts, **job)["input_ids"] for job in jobs]
    barrier = threading.Barrier(12)

    def run(job):
        try:
            barrier.wait(timeout=30)
        except threading.BrokenBarrierError:
            pass
        return safe(texts, **job)["input_ids"]

    with ThreadPoolExecutor(max_workers=12) as pool:
        assert list(pool.map(run, jobs)) == serial
