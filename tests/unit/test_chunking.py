from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.data.chunking import (
    MIN_MAX_TOKENS,
    chunk_text,
    count_content_tokens,
    default_max_tokens,
)

WORDS = [
    "the",
    "lighthouse",
    "keeper",
    "trimmed",
    "wicks",
    "antidisestablishmentarianism",
    "naïve",
    "café",
    "Fresnel's",
    "lens,",
    "refracted",
    "light.",
    "東京",
    "🙂",
    "x",
    "1,024",
    "—",
    "pneumonoultramicroscopicsilicovolcanoconiosis",
    "déjà-vu",
    "\n\n",
    "  ",
    "\t",
]
texts = st.one_of(
    st.text(max_size=400),
    st.lists(st.sampled_from(WORDS), max_size=160).map(" ".join),
    st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=12)), max_size=80).map("".join),
)


def token_offsets(tokenizer, text):
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    return list(encoded["offset_mapping"])


def word_spans(tokenizer, text):
    """Character spans of the words the tokenizer sees, in order."""
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    spans: dict[int, tuple[int, int]] = {}
    for word, (start, end) in zip(encoded.word_ids(), encoded["offset_mapping"], strict=True):
        low, high = spans.get(word, (start, end))
        spans[word] = (min(low, start), max(high, end))
    return list(spans.values())


def n_tokens(tokenizer, text):
    return count_content_tokens(tokenizer, [text])[0]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, max_tokens=st.integers(MIN_MAX_TOKENS, 48), data=st.data())
def test_chunk_invariants_on_arbitrary_unicode(model, text, max_tokens, data):
    tokenizer = model.tokenizer
    overlap = data.draw(st.integers(0, max_tokens - 1))
    chunks = chunk_text(text, tokenizer, max_tokens, overlap)
    offsets = token_offsets(tokenizer, text)
    if not offsets:
        assert chunks == []
        return
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]  # the exact slice
        assert chunk.n_tokens == n_tokens(tokenizer, chunk.text) <= max_tokens  # fits the window
    for previous, following in zip(chunks, chunks[1:]):
        assert following.start > previous.start and following.end > previous.end  # advances
        if overlap == 0:
            assert following.start >= previous.end
            # The gap between two chunks holds nothing the model would read.
            assert n_tokens(tokenizer, text[previous.end : following.start]) == 0
        elif following.start >= previous.end:  # no overlap: only when none could fit
            previous_words = word_spans(tokenizer, previous.text)
            following_words = word_spans(tokenizer, following.text)
            if len(previous_words) > 1:  # a one-word chunk cannot share part of itself
                # Its last word plus the next chunk's first word would not fit in the window.
                last_start = previous.start + previous_words[-1][0]
                first_end = following.start + following_words[0][1]
                assert n_tokens(tokenizer, text[last_start:first_end]) > max_tokens
    # Together they cover the text: every token lies inside some chunk; outside is tokenless.
    for start, end in offsets:
        assert any(c.start <= start and end <= c.end for c in chunks), (start, end)
    assert n_tokens(tokenizer, text[: chunks[0].start]) == 0
    assert n_tokens(tokenizer, text[chunks[-1].end :]) == 0


def test_overlap_in_tokens_is_at_least_the_request_on_plain_prose(model):
    text = " ".join(["the keeper trimmed the wicks and wound the clockwork"] * 60)
    chunks = chunk_text(text, model.tokenizer, 40, 10)
    assert len(chunks) > 5
    for previous, following in zip(chunks, chunks[1:]):
        shared = text[following.start : previous.end]
        assert n_tokens(model.tokenizer, shared) >= 10
    assert all(chunk.n_tokens <= 40 for chunk in chunks)
    assert max(chunk.n_tokens for chunk in chunks) >= 35  # windows are filled, not tiny


def test_default_window_chunks_are_never_truncated_by_the_model(model):
    window = default_max_tokens(model.max_seq_length, model.tokenizer)
    assert window == 254  # 256 minus [CLS] and [SEP]
    text = "Sentence encoders read a window of tokens and drop the rest. " * 300
    chunks = chunk_text(text, model.tokenizer, window, 32)
    with_specials = [len(ids) for ids in model.tokenizer([c.text for c in chunks])["input_ids"]]
    assert max(with_specials) <= model.max_seq_length
    assert max(with_specials) >= model.max_seq_length - 6  # and they use the window


def test_a_word_longer_than_the_window_is_cut_between_its_pieces(model):
    word = "ab1" * 30  # 90 characters of pieces the vocabulary only knows in small bits
    assert n_tokens(model.tokenizer, word) > 20
    chunks = chunk_text(f"start {word} end", model.tokenizer, 20, 5)
    assert len(chunks) > 1
    assert all(chunk.n_tokens <= 20 for chunk in chunks)


@pytest.mark.parametrize("text", ["", "   \n\t  "])
def test_empty_or_blank_text_has_no_chunks(model, text):
    assert chunk_text(text, model.tokenizer, 64, 8) == []


@pytest.mark.parametrize(
    ("max_tokens", "overlap", "message"),
    [
        (64, 64, "smaller than the window"),
        (64, 100, "smaller than the window"),
        (10, 0, "at least"),
        (64, -1, "negative"),
    ],
)
def test_impossible_settings_are_refused_with_a_message(model, max_tokens, overlap, message):
    with pytest.raises(ValueError, match=message):
        chunk_text("some text", model.tokenizer, max_tokens, overlap)
