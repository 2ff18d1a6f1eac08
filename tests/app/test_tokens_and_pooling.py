"""AppTest of the Tokens & pooling lab: every section, the buttons, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from components.data.samples import load_scored_pairs
from components.models.encoder import embed, token_embeddings, untrained_copy
from components.pooling.evaluation import spearman
from components.pooling.pooling import MODES, pool
from components.pooling.tokens import find_word_vectors
from components.vectors.losses import pairwise_cosine
from components.vectors.similarity import cosine_similarity_matrix
from tests.app.conftest import _decode, open_page, texts_of

PAGE = "pages/2_Tokens_and_Pooling.py"
HEADERS = [
    "1 · The tokenizer",
    "2 · Contextual token vectors",
    "3 · Pooling",
    "4 · Measured quality",
    "5 · An attention pooling head",
    "6 · What training buys",
]


@pytest.fixture
def lab():
    return open_page(PAGE)


def charts(app) -> dict[str, dict]:
    """Plotly figures by widget key."""
    return {
        chart.proto.id.rsplit("-", 1)[-1]: _decode(json.loads(chart.proto.spec))
        for chart in app.get("plotly_chart")
    }


def chips(app) -> str:
    return "\n".join(element.proto.body for element in app.get("html"))


def metrics(app) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def test_every_section_renders_with_the_defaults(lab):
    assert not lab.exception and not lab.error
    headers = [header.value for header in lab.header]
    assert all(any(h.startswith(expected) for h in headers) for expected in HEADERS)
    assert {
        "pooling_word_heatmap",
        "pooling_token_map",
        "pooling_shares",
        "pooling_mode_heatmaps",
        "pooling_spearman",
        "pooling_triplet_accuracy",
        "pooling_training_heatmaps",
        "pooling_training_quality",
    } <= set(charts(lab))
    assert ">quantum<" in chips(lab) and ">##ness<" in chips(lab)
    assert metrics(lab)["Pieces (with specials)"] == "4 / 256"
    assert "The head is untrained" in texts_of(lab.info)


def test_examples_fill_the_text_and_emoji_become_unk(lab):
    lab.selectbox(key="pooling_example").select("Emoji").run()
    assert not lab.exception
    assert "🚀" in lab.text_area(key="pooling_text").value
    assert int(metrics(lab)["Unknown pieces [UNK]"]) >= 1 and "[UNK]" in chips(lab)


def test_empty_text_says_so_and_keeps_the_rest(lab):
    lab.text_area(key="pooling_text").input("   ").run()
    assert not lab.exception
    assert "Type some text above" in texts_of(lab.info)
    assert lab.text_area(key="pooling_text").value == "   "
    assert "pooling_spearman" in charts(lab)  # the other sections still work


def test_ten_thousand_characters_are_cut_at_the_window(lab):
    text = ("Superconductors expel magnetic fields. " * 260)[:10_000]
    lab.text_area(key="pooling_text").input(text).run()
    assert not lab.exception
    assert "silently ignores the other" in texts_of(lab.warning)
    assert "✂ window of 256 tokens ends here" in chips(lab)
    assert metrics(lab)["Pieces (with specials)"].endswith("/ 256")
    assert lab.text_area(key="pooling_text").value == text


def test_only_special_characters_get_a_message(lab):
    lab.text_area(key="pooling_text").input("[CLS] [SEP] [PAD]").run()
    assert not lab.exception
    assert "Nothing but special tokens" in texts_of(lab.warning)
    lab.text_area(key="pooling_text").input("🚀🔥👍").run()
    assert not lab.exception
    assert "Every piece is [UNK]" in texts_of(lab.warning)
    lab.text_area(key="pooling_text").input("!!! ??? ### @@@").run()
    assert not lab.exception


def test_word_heatmap_is_the_cosine_of_the_word_vectors(lab, model):
    sentences = ["I sat on the river bank.", "The bank lent me money.", "A bat flew by."]
    lab.text_area(key="pooling_context").input("\n".join(sentences)).run()
    lab.text_input(key="pooling_words").input("bank").run()
    assert not lab.exception
    tokens, _ = token_embeddings(model, sentences)
    found = find_word_vectors(model.tokenizer, 256, sentences, ["bank"], tokens)
    expected = cosine_similarity_matrix(np.stack([f.vector for f in found]))
    z = np.array(charts(lab)["pooling_word_heatmap"]["data"][0]["z"])
    np.testing.assert_allclose(z, expected, atol=1e-5)
    map_points = sum(len(t["x"]) for t in charts(lab)["pooling_token_map"]["data"])
    assert map_points == sum(len(model.tokenizer.tokenize(s)) for s in sentences)  # no specials
    lab.text_input(key="pooling_words").input("giraffe").run()
    assert "fewer than two times" in texts_of(lab.info)
    lab.text_area(key="pooling_context").input("").run()
    assert not lab.exception and "one sentence per line to compare words" in texts_of(lab.info)


def test_mode_heatmaps_equal_pool_then_cosine(lab, model):
    sentences = ["A cat sat on the mat.", "A kitten rested on the rug.", "Stocks fell sharply."]
    lab.text_area(key="pooling_sentences").input("\n".join(sentences)).run()
    assert not lab.exception
    tokens, mask = token_embeddings(model, sentences)
    traces = {t["name"]: t for t in charts(lab)["pooling_mode_heatmaps"]["data"]}
    assert list(traces) == list(MODES)
    for mode in ("cls", "mean", "max", "mean_sqrt_len"):
        expected = cosine_similarity_matrix(pool(tokens, mask, mode).numpy())
        np.testing.assert_allclose(np.array(traces[mode]["z"]), expected, atol=1e-5)
    np.testing.assert_allclose(
        np.array(traces["mean"]["z"]), cosine_similarity_matrix(embed(model, sentences)), atol=1e-5
    )
    shares = np.array(charts(lab)["pooling_shares"]["data"][0]["z"])
    assert shares.shape == (5, int(mask[0].sum()))
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, atol=1e-6)


def test_empty_pooling_sentences_get_a_message(lab):
    lab.text_area(key="pooling_sentences").input("\n \n").run()
    assert not lab.exception
    assert "compare the pooling modes" in texts_of(lab.info)
    assert "pooling_spearman" in charts(lab) and "pooling_training_quality" in charts(lab)


def test_quality_bars_are_measured(lab, model):
    pairs = load_scored_pairs()
    tokens, mask = token_embeddings(model, pairs.first + pairs.second)
    n = len(pairs.first)
    bars = charts(lab)["pooling_spearman"]["data"][0]
    assert bars["x"] == list(MODES)
    for mode, value in zip(MODES[:4], bars["y"][:4], strict=True):
        pooled = pool(tokens, mask, mode).numpy()
        assert value == pytest.approx(
            spearman(pairwise_cosine(pooled[:n], pooled[n:]), pairs.scores), abs=1e-5
        )
    accuracy = charts(lab)["pooling_triplet_accuracy"]["data"][0]["y"]
    assert all(0 <= value <= 1 for value in accuracy)


def test_train_head_then_reset(lab):
    from components.services.models import get_model, trainable_model

    shared = trainable_model()  # the process-wide shared torch model
    before = {name: value.clone() for name, value in shared.state_dict().items()}
    served = get_model()  # what the pages encode with (onnxruntime)
    vectors_before = embed(served, ["A sentence the head never changes."])
    lab.slider(key="pooling_steps").set_value(60).run()
    lab.button(key="pooling_train").click().run()
    assert not lab.exception
    figures = charts(lab)
    assert len(figures["pooling_loss_curve"]["data"][0]["y"]) == 60
    after_bars = figures["pooling_head_quality"]["data"][0]
    assert after_bars["x"] == ["mean", "attention (untrained)", "attention (trained)"]
    learned = np.array(figures["pooling_learned_weights"]["data"][0]["z"])
    assert np.abs(learned[1] - learned[0]).max() > 0.005  # the head moved away from uniform
    assert "Trained for 60 steps" in texts_of(lab.markdown)
    assert all(torch_equal(before[name], value) for name, value in shared.state_dict().items())
    assert np.array_equal(embed(served, ["A sentence the head never changes."]), vectors_before)
    lab.button(key="pooling_reset").click().run()
    assert not lab.exception and "The head is untrained" in texts_of(lab.info)
    assert "pooling_loss_curve" not in charts(lab)


def torch_equal(a, b) -> bool:
    return bool((a == b).all())


def test_random_weights_score_far_below_the_trained_model(lab, model):
    bars = charts(lab)["pooling_training_quality"]["data"][0]
    pairs = load_scored_pairs()
    n = len(pairs.first)
    untrained = untrained_copy(model, seed=0)
    tokens, mask = token_embeddings(untrained, pairs.first + pairs.second)
    pooled = pool(tokens, mask, "mean").numpy()
    expected = spearman(pairwise_cosine(pooled[:n], pooled[n:]), pairs.scores)
    assert bars["x"] == ["trained", "random weights"]
    assert bars["y"][1] == pytest.approx(expected, abs=1e-5)
    assert bars["y"][0] > bars["y"][1] + 0.3


def test_inputs_survive_a_visit_to_another_page():
    app = open_page(PAGE)
    app.text_area(key="pooling_text").input("my own text").run()
    app.text_area(key="pooling_sentences").input("one\ntwo").run()
    app.switch_page("app.py").run()
    app.switch_page(PAGE).run()
    assert app.text_area(key="pooling_text").value == "my own text"
    assert app.text_area(key="pooling_sentences").value == "one\ntwo"


@pytest.fixture(scope="module")
def sentencepiece_model_folder(tmp_path_factory) -> str:
    """A tiny sentence-transformers model with a SentencePiece-style tokenizer, built here.

    The tokenizer is a Unigram model with the `▁` word marker trained on the project's sentences;
    the encoder is a 2-layer, 32-d BERT with random weights. No download.
    """
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules.transformer import Transformer
    from sentence_transformers.sentence_transformer.modules import Pooling
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    from components.data.samples import load_preset

    root = tmp_path_factory.mktemp("sentencepiece_model")
    tokenizer = Tokenizer(models.Unigram())
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    tokenizer.train_from_iterator(
        load_preset("Eight topics, 240 sentences").texts,
        trainers.UnigramTrainer(
            vocab_size=600, special_tokens=["<s>", "</s>", "<unk>", "<pad>"], unk_token="<unk>"
        ),
    )
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 1)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        model_max_length=64,
    )
    fast.save_pretrained(root / "hf")
    config = BertConfig(
        vocab_size=fast.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        pad_token_id=fast.pad_token_id,
    )
    BertModel(config).save_pretrained(root / "hf")
    model = SentenceTransformer(
        modules=[Transformer(str(root / "hf"), max_seq_length=64), Pooling(32, "mean")]
    )
    model.save(str(root / "st"))
    return str(root / "st")


def test_a_sentencepiece_model_from_the_sidebar_shows_its_pieces(sentencepiece_model_folder):
    app = open_page(PAGE)
    app.selectbox(key="model_choice").select("Another model…").run()
    app.text_input(key="model_custom_name").input(sentencepiece_model_folder).run()
    app.button(key="model_load").click().run()
    assert not app.exception and not app.error
    assert metrics(app)["Tokenizer"] == "SentencePiece"
    assert metrics(app)["Pieces (with specials)"].endswith("/ 64")
    assert ">▁" in chips(app) and "&lt;s&gt;" in chips(app)
    assert "This model's tokenizer is **SentencePiece**" in texts_of(app.markdown)
    # Every other section works with a 32-d model whose pooling head and random copy are new.
    shares = np.array(charts(app)["pooling_shares"]["data"][0]["z"])
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, atol=1e-6)
    app.button(key="pooling_train").click().run()
    assert not app.exception and "pooling_loss_curve" in charts(app)
    assert "W: 64 × 32" in texts_of(app.markdown)
