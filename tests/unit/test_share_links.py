"""Links that restore a page: exact round trips through a real URL, and tampered links."""

from __future__ import annotations

import base64
import dataclasses
import json
import random
import zlib
from urllib.parse import parse_qs, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from components.models.encoder import DEFAULT_MODEL
from components.state.page_state import PAGE_STATES, ExploreState, LossState, TokensState
from components.state.share_links import (
    MAX_INFLATED_BYTES,
    MAX_LINK_CHARS,
    SECTION_PARAM,
    URL_LIMIT,
    decode_link,
    encode_link,
    pack,
    unpack,
)
from tests.unit.state_strategies import any_page_state, text


def through_a_browser(query: str) -> dict[str, str]:
    """What Streamlit's `st.query_params` gives back for a URL with this query string."""
    url = f"http://localhost:8501/Explore?{query}"
    parsed = parse_qs(urlsplit(url).query, keep_blank_values=True)
    return {key: values[-1] for key, values in parsed.items()}


def words(decoded) -> str:
    return "\n".join(message.text for message in decoded.messages)


def test_defaults_make_the_shortest_link():
    link = encode_link(ExploreState())
    assert link.params == {"v": "1"}
    assert link.query == "v=1"
    assert decode_link(ExploreState, {}).state == ExploreState()  # a bare page address


def test_short_settings_stay_readable_and_long_text_is_compressed():
    sentences = "\n".join(f"Sentence number {i} about a river bank." for i in range(200))
    state = ExploreState(method="pca", n_neighbors=30, min_dist=0.25, sentences=sentences)
    link = encode_link(state)
    assert link.params["method"] == "pca" and link.params["n_neighbors"] == "30"
    assert link.params["min_dist"] == "0.25"
    assert "sentences" not in link.params and "z" in link.params
    assert link.length < len(sentences) / 5  # repetitive text deflates well
    decoded = decode_link(ExploreState, through_a_browser(link.query))
    assert decoded.state == state and decoded.messages == []


def test_a_hand_written_link_without_version_works():
    decoded = decode_link(ExploreState, {"method": "tsne", "perplexity": "12"})
    assert decoded.state == ExploreState(method="tsne", perplexity=12)
    assert decoded.messages == []


@settings(max_examples=80, deadline=None)
@given(any_page_state())
def test_any_state_round_trips_exactly_through_a_url(state):
    link = encode_link(state)
    assert link.length <= URL_LIMIT
    decoded = decode_link(type(state), through_a_browser(link.query))
    assert decoded.messages == []
    if not link.omitted:
        assert decoded.state == state
    for item in dataclasses.fields(state):
        expected = getattr(type(state)(), item.name) if item.name in link.omitted else None
        if expected is None:
            expected = getattr(state, item.name)
        assert getattr(decoded.state, item.name) == expected


@settings(max_examples=15, deadline=None)
@given(
    st.integers(0, 2**32 - 1).map(
        lambda seed: base64.b64encode(random.Random(seed).randbytes(2_000)).decode()
    )
)
def test_past_the_limit_the_longest_input_is_cut_and_named(sentences):
    state = ExploreState(sentences=sentences, method="pca")
    link = encode_link(state, limit=1_000)
    assert link.length <= 1_000
    assert link.omitted == ("sentences",)
    assert link.params["cut"] == "sentences"
    decoded = decode_link(ExploreState, through_a_browser(link.query))
    assert decoded.state == ExploreState(method="pca")
    assert decoded.omitted == ("sentences",)
    assert "did not fit in a link" in words(decoded) and "lesson file" in words(decoded)


def test_the_lab_limit_fits_a_realistic_class_set():
    # 60 distinct sentences of typical length (~3,700 characters) fit a link; the 240-sentence
    # preset does not need to: a preset travels as its name.
    sentences = "\n".join(
        f"Student {i} wrote that the {topic} changed how they see {thing}."
        for i, (topic, thing) in enumerate(
            [
                (t, s)
                for t in ("river", "bank", "taco", "quantum", "ferment", "lighthouse")
                for s in (
                    "science",
                    "cooking",
                    "the sea",
                    "money",
                    "words",
                    "maps",
                    "time",
                    "light",
                    "history",
                    "friends",
                )
            ]
        )
    )
    link = encode_link(ExploreState(sentences=sentences))
    assert not link.omitted and link.length < URL_LIMIT / 3


def test_the_model_name_travels_but_never_by_default():
    assert "model" not in encode_link(LossState()).params
    link = encode_link(LossState(alpha=0.3), model="sentence-transformers/all-mpnet-base-v2")
    decoded = decode_link(LossState, through_a_browser(link.query))
    assert decoded.model == "sentence-transformers/all-mpnet-base-v2"
    assert decoded.state == LossState(alpha=0.3)
    assert decode_link(LossState, {}).model == DEFAULT_MODEL


# ---------------------------------------------------------------- tampered links
def test_bad_base64_bad_zlib_and_truncation_are_messages():
    good = encode_link(ExploreState(sentences="a\nb\nc" * 100)).params["z"]
    cases = {
        "abc!": "not base64url",
        "a": "not valid base64url",
        base64.urlsafe_b64encode(b"plain text, not zlib").decode().rstrip("="): "not zlib",
        good[: len(good) // 2]: "",  # cut short: zlib error or an unfinished stream
        good[:-3] + ("A" if good[-3] != "A" else "B") + good[-2:]: "",  # a flipped character
    }
    for blob, phrase in cases.items():
        decoded = decode_link(ExploreState, {"v": "1", "z": blob, "method": "pca"})
        assert decoded.state == ExploreState(method="pca"), blob  # the plain settings survive
        assert len(decoded.messages) == 1 and "`z`" in words(decoded), blob
        assert phrase in words(decoded)


def test_a_zip_bomb_is_refused_without_inflating_it():
    bomb = base64.urlsafe_b64encode(zlib.compress(b"[" + b" " * 50_000_000 + b"]", 9))
    blob = bomb.decode().rstrip("=")
    assert len(blob) < MAX_LINK_CHARS  # small enough to arrive: 50 MB in ~65 KB
    value, problem = unpack(blob)
    assert value is None and f"more than {MAX_INFLATED_BYTES:,} bytes" in problem
    decoded = decode_link(ExploreState, {"z": blob})
    assert decoded.state == ExploreState() and "refused" in words(decoded)


def test_json_that_is_not_an_object_or_has_wrong_types():
    decoded = decode_link(ExploreState, {"z": pack([1, 2, 3])})  # type: ignore[arg-type]
    assert decoded.state == ExploreState() and "does not hold an object" in words(decoded)
    decoded = decode_link(ExploreState, {"z": pack({"sentences": 42, "k": 7, "zz": 1})})
    assert decoded.state == ExploreState(k=7)
    assert "`sentences` should be text" in words(decoded)
    assert "`z.zz` is not a setting" in words(decoded)


def test_out_of_range_unknown_and_wrong_version():
    decoded = decode_link(
        ExploreState,
        {"v": "7", "n_neighbors": "500", "method": "<script>", "colour": "red", "embed": "true"},
    )
    assert decoded.state == ExploreState()
    text = words(decoded)
    assert "newer version of the lab" in text
    assert "`n_neighbors` is 500, outside 2–100" in text
    assert "`method` is `'<script>'`" in text  # a code span: shown as text
    assert "`colour`" in text and "embed" not in text  # Streamlit's own parameter is not ours
    assert len(decoded.messages) == 4
    assert "another version" in words(decode_link(ExploreState, {"v": "x"}))


def test_an_oversized_link_is_not_read_at_all():
    decoded = decode_link(TokensState, {"text": "x" * (MAX_LINK_CHARS + 1), "steps": "200"})
    assert decoded.state == TokensState() and "was not read" in words(decoded)


def test_repeated_parameters_keep_the_last_value():
    decoded = decode_link(ExploreState, {"method": ["pca", "tsne"]})
    assert decoded.state.method == "tsne"


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(list(PAGE_STATES.values())),
    st.dictionaries(
        st.sampled_from(
            [
                "v",
                "z",
                "cut",
                "model",
                "method",
                "k",
                "tau",
                "triplets",
                "samples",
                "text",
                "sentences",
                "focus",
                "dims",
            ]
        )
        | text(8),
        text(40) | st.binary(max_size=200).map(lambda b: base64.urlsafe_b64encode(b).decode()),
        max_size=6,
    ),
)
def test_any_parameters_give_a_valid_state_and_never_raise(state_type, params):
    decoded = decode_link(state_type, params)
    assert isinstance(decoded.state, state_type)
    for item in dataclasses.fields(decoded.state):
        assert item.metadata["spec"].check(getattr(decoded.state, item.name))[1] is None


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(list(PAGE_STATES.values())), st.binary(max_size=400))
def test_any_compressed_bytes_in_z_never_raise(state_type, payload):
    blob = base64.urlsafe_b64encode(zlib.compress(payload)).decode().rstrip("=")
    decoded = decode_link(state_type, {"z": blob})
    assert isinstance(decoded.state, state_type)
    try:
        content = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        assert "`z`" in words(decoded)
    else:
        if content == {}:
            assert decoded.messages == []


def test_a_section_to_open_at_is_not_page_state_and_not_an_unknown_setting():
    decoded = decode_link(LossState, {"v": "1", SECTION_PARAM: "loss-landscapes"})
    assert decoded.state == LossState() and not decoded.messages
