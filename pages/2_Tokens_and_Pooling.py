"""Tokens & pooling: sub-word pieces, contextual token vectors, and five ways to one vector."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from components import widgets as ui
from components.charts import charts, common
from components.content import lab_notes as notes
from components.core import limits
from components.data import samples
from components.models.encoder import get_tokenizer, is_inspectable
from components.pooling import pooling, tokens
from components.pooling.attention_head import HeadWeights, fresh_head
from components.pooling.evaluation import PoolingBenchmark
from components.pooling.pooling import MODES, HeadRecord, ModeComparison
from components.pooling.pooling_readings import (
    Scores,
    head_description,
    head_reading,
    quality_reading,
    random_spread_caption,
    random_weights_reading,
    shares_caption,
    spread_caption,
    trained_note,
    untrained_head_note,
)
from components.services.caches import cached_figure
from components.services.encoding import token_vectors
from components.services.models import ActiveModel, untrained_model
from components.services.queue import heavy
from components.services.session_keys import POOLING_FOCUS_KEY, POOLING_HEAD_KEY
from components.state.page_state import HEAD_LEARNING_RATES, TokensState
from components.vectors.projection import METHOD_NAMES, project
from components.vectors.similarity import cosine_similarity_matrix, mean_pairwise_cosine

if TYPE_CHECKING:
    from components.pooling.head_training import AttentionPoolingHead

COLOURS = dict(zip(MODES, common.PALETTE, strict=False))


def tokenizer_section(active: ActiveModel) -> None:
    st.header("1 · The tokenizer: text → sub-word pieces", anchor="the-tokenizer")
    ui.try_notice(
        "a typo, a rare name, an emoji",
        "unseen words are built from pieces; only emoji become [UNK]",
    )
    window, first = active.info.max_tokens, next(iter(tokens.EXAMPLES))
    ui.preset_picker(
        "Try an example",
        tokens.EXAMPLES,
        "pooling_example",
        first,
        lambda name: st.session_state.update(pooling_text=tokens.EXAMPLES[name]),
        help="Each example replaces the text below: words the vocabulary has never seen are "
        "built from pieces it knows.",
    )
    text = ui.limited_text(
        st.text_area,
        "Text to tokenize",
        "pooling_text",
        tokens.EXAMPLES[first],
        limits.TOKENS_CHARS,
        height=90,
        help=f"Any text, up to {limits.TOKENS_CHARS:,} characters. The model reads at most {window} "
        "pieces (its window); the rest is cut off.",
    )
    if not text.strip():
        st.info("Type some text above to see the pieces the model reads.")
        return
    view = tokens.token_view(get_tokenizer(active.model), text, window)
    ui.metric_row(
        tokens.view_metrics(view, window), help={"Pieces (with specials)": "Against the window."}
    )
    ui.show_messages(tokens.view_messages(view))
    st.html(tokens.chips_html(view))
    st.caption(notes.TOKENS_TOKEN_CHIPS)
    st.markdown(
        tokens.STYLE_NOTES.get(view.style, tokens.STYLE_NOTES["other"]).format(style=view.style)
    )


def word_heatmap(active: ActiveModel, context: list[str], words: list[str]) -> None:
    batch = token_vectors(active, tuple(context))
    found = tokens.find_word_vectors(
        get_tokenizer(active.model), active.info.max_tokens, context, words, batch.embeddings
    )
    if not words:
        st.info("Type a word to follow, e.g. `bank`.")
        return
    if len(found) < 2:
        st.info(
            "The words to follow occur fewer than two times in these sentences: add sentences "
            f"that contain {', '.join(f'`{word}`' for word in words)}."
        )
        return
    labels = [tokens.occurrence_label(occurrence, context) for occurrence in found]
    similarity = cosine_similarity_matrix(np.stack([occurrence.vector for occurrence in found]))
    ui.chart(
        cached_figure(charts.similarity_heatmap, similarity, labels, show_values=len(labels) <= 20),
        "pooling_word_heatmap",
    )
    st.caption(notes.TOKENS_WORD_HEATMAP)


def token_map(active: ActiveModel, context: list[str]) -> None:
    st.subheader("All token vectors of these sentences, on a map")
    include_special = st.toggle(
        "Include [CLS] / [SEP]",
        key=ui.persist("pooling_map_special", False),
        help="Special tokens sit in their own corner of the space; hiding them spreads the rest.",
    )
    points = tokens.token_points(token_vectors(active, tuple(context)), include_special)
    if len(points.pieces) < 2:
        st.info("Too few tokens for a map: add words.")
        return
    projection = project(points.vectors, "pca", 2)
    ui.chart(
        cached_figure(
            charts.token_scatter, projection.coords, points.pieces, points.owners, context
        ),
        "pooling_token_map",
    )
    st.caption(
        f"{METHOD_NAMES[projection.method_used]} of {len(points.pieces)} token vectors, one "
        "colour per sentence. Tokens cluster by sentence as much as by word: each vector carries "
        "its context." + (f" {projection.note}" if projection.note else "")
    )


def context_section(active: ActiveModel) -> None:
    st.header(
        "2 · Contextual token vectors: the same word, different meanings",
        anchor="contextual-token-vectors",
    )
    ui.try_notice(
        "add a sentence with a third sense of bank",
        "same-sense occurrences agree more, but every bank stays close to every bank",
    )
    st.caption(notes.TOKENS_CONTEXT)
    left, right = st.columns([1, 2])
    with left:
        words_text = ui.limited_text(
            st.text_input,
            "Words to follow (comma-separated)",
            "pooling_words",
            "bank, bat",
            limits.WORDS_BOX_CHARS,
            help="Whole words, case-insensitive; the first occurrence in each sentence is used. "
            f"Up to {limits.WORDS_TO_FOLLOW} distinct words of {limits.WORD_CHARS} characters.",
        )
        words, messages = tokens.words_to_follow(words_text)
        ui.show_messages(messages)
    context = ui.sentence_box(
        "Sentences (one per line)",
        "pooling_context",
        samples.CONTEXT_SENTENCES,
        limits.CONTEXT_SENTENCES,
        height=170,
        container=right,
        help="One sentence per line, with the words to follow in them.",
    )
    if not context:
        st.info("Type one sentence per line to compare words in context.")
        return
    with ui.section("word heatmap"):
        word_heatmap(active, context, words)
    with ui.section("token map"):
        token_map(active, context)


def pooling_section(
    active: ActiveModel, head: HeadWeights | AttentionPoolingHead, trained: str
) -> tuple[list[str], ModeComparison | None, list[str]]:
    """The sentences to pool, every mode on them, and the pieces of the inspected sentence."""
    st.header("3 · Pooling: five ways to turn token vectors into one vector", anchor="pooling")
    ui.try_notice(
        "look inside a short and a long sentence",
        "cls puts everything on one token; max spreads it by dimension",
    )
    st.markdown("\n".join(f"- **{mode}**: {pooling.MODE_DESCRIPTIONS[mode]}" for mode in MODES))
    st.markdown(trained_note(pooling.trained_pooling_mode(active.model), active.info.short_name))
    texts = ui.sentence_box(
        "Sentences to pool (one per line)",
        "pooling_sentences",
        samples.POOLING_SENTENCES,
        limits.POOLING_SENTENCES,
        height=180,
        help=f"Up to {limits.POOLING_SENTENCES} sentences.",
    )
    if not texts:
        st.info("Type one sentence per line to compare the pooling modes.")
        return texts, None, []
    batch = token_vectors(active, tuple(texts))
    ui.note_page_default(POOLING_FOCUS_KEY, texts[0])
    if st.session_state.get(POOLING_FOCUS_KEY) not in texts:
        st.session_state[POOLING_FOCUS_KEY] = texts[0]
    focus = texts.index(
        st.selectbox(
            "Sentence to look inside",
            texts,
            key=POOLING_FOCUS_KEY,
            help="Whose tokens each mode draws from, shown below.",
        )
    )
    comparison = pooling.compare_modes(batch, focus, head)
    ui.chart(
        cached_figure(
            charts.token_share_heatmap, comparison.shares, list(MODES), batch.pieces[focus]
        ),
        "pooling_shares",
    )
    st.caption(shares_caption(trained))
    ui.chart(
        cached_figure(charts.similarity_heatmaps, comparison.similarities, texts),
        "pooling_mode_heatmaps",
    )
    if len(texts) > 1:
        st.caption(spread_caption({mode: comparison.mean_cosines[mode] for mode in MODES}))
    return texts, comparison, batch.pieces[focus]


def quality_section(
    active: ActiveModel,
    head: HeadWeights | AttentionPoolingHead,
    mean_trained: bool,
) -> tuple[PoolingBenchmark, Scores]:
    """Every mode measured on the scored pairs and triplets (the benchmark and its scores)."""
    st.header("4 · Measured quality of each pooling", anchor="measured-quality")
    ui.try_notice(
        "compare the bars of cls, mean and max", "the pooling the model was trained with ranks best"
    )
    bench = PoolingBenchmark.measure(
        samples.load_scored_pairs(),
        samples.load_triplets(),
        lambda texts: token_vectors(active, texts),
    )
    scores = {mode: bench.quality(mode, head) for mode in MODES}
    n_pairs, n_triplets = len(bench.pairs.scores), len(bench.triplets)
    figures = charts.mode_quality_bars(
        {mode: scores[mode] for mode in MODES}, n_pairs, n_triplets, list(COLOURS.values())
    )
    keys = ("pooling_spearman", "pooling_triplet_accuracy")
    for figure, key, column in zip(
        figures, keys, st.container(key="wide_pooling_bars").columns(2), strict=True
    ):
        ui.chart(figure, key, column)
    st.markdown(quality_reading(scores, n_pairs, n_triplets, mean_trained))
    with st.expander(f"The {n_pairs} scored pairs and their mean-pooling cosines"):
        ui.number_table(bench.pair_rows(), {"cosine (mean)": "%.3f"})
    return bench, scores


def train_head(
    active: ActiveModel, bench: PoolingBenchmark, steps: int, learning_rate: float
) -> None:
    """Train a fresh head on the benchmark's triplets; it becomes this session's head."""
    with (
        heavy("train", "Training the attention head", limits.TRAIN_SECONDS) as job,
        ui.progress("Training the attention head…") as show,
    ):

        def on_step(step: int, loss: float) -> None:
            job.check()  # stops at the time cap, or when the tab was closed
            if step % 5 == 0 or step == steps:
                show(step / steps, f"Step {step} / {steps} · loss {loss:.4f}")

        st.session_state[POOLING_HEAD_KEY] = bench.train_head(
            active.key, steps, learning_rate, on_step
        )
    st.rerun()  # every section above now uses the trained head


def trained_with_mean(active: ActiveModel) -> bool:
    return pooling.trained_pooling_mode(active.model) == "mean"


def head_results(record: HeadRecord, scores: Scores, n_pairs: int, mean_trained: bool) -> None:
    fresh_rho, rho = record.fresh_quality[0], scores["attention"][0]
    left, right = st.container(key="wide_pooling_head").columns(2)
    ui.chart(
        charts.loss_curve(record.losses, title="InfoNCE loss per step"), "pooling_loss_curve", left
    )
    figure = charts.spearman_bars(
        {"mean": scores["mean"][0], "attention (untrained)": fresh_rho, "attention (trained)": rho},
        [COLOURS["mean"], "#bbbbbb", COLOURS["attention"]],
        "Spearman on the scored pairs, before and after",
    )
    ui.chart(figure, "pooling_head_quality", right)
    st.markdown(head_reading(record, scores, n_pairs, mean_trained))


def head_section(
    active: ActiveModel,
    bench: PoolingBenchmark,
    record: HeadRecord,
    scores: Scores,
    comparison: ModeComparison | None,
    pieces: list[str],
) -> None:
    st.header("5 · An attention pooling head you can train", anchor="an-attention-pooling-head")
    ui.try_notice(
        "train 100 steps, then 400 at a higher rate",
        "the pair Spearman drops when the head overfits the few triplets",
    )
    st.latex(
        r"s_t = w^\top \tanh(W h_t + b), \quad a_t = \frac{e^{s_t}}{\sum_{u} e^{s_u}}, \quad v = \sum_t a_t h_t"
    )
    head = record.head
    st.markdown(head_description(head.hidden, head.dimension, len(bench.triplets)))
    controls = st.columns([2, 2, 1, 1])
    steps = controls[0].slider(
        "Steps",
        20,
        limits.HEAD_STEPS,
        key=ui.persist("pooling_steps", 100),
        step=10,
        help=f"Full-batch Adam steps (training stops after {limits.TRAIN_SECONDS} s at most).",
    )
    learning_rate = controls[1].select_slider(
        "Learning rate",
        HEAD_LEARNING_RATES,
        key=ui.persist("pooling_learning_rate", 1e-3),
        format_func=lambda value: f"{value:g}",
        help="Larger learns faster and overfits the few triplets sooner (watch the pair Spearman).",
    )
    if controls[2].button(
        "Train head",
        key="pooling_train",
        type="primary",
        help="Fit this session's attention head on the triplets (the encoder stays frozen).",
    ):
        with ui.section("train head"):
            train_head(active, bench, steps, learning_rate)
    controls[3].button(
        "Reset head",
        key="pooling_reset",
        on_click=st.session_state.pop,
        args=(POOLING_HEAD_KEY, None),
        help="Forget the trained head and start again from a fresh, near-uniform one.",
    )
    if record.trained:
        head_results(record, scores, len(bench.pairs.scores), trained_with_mean(active))
        if comparison is not None:
            learned = comparison.shares[[MODES.index("mean"), MODES.index("attention")]]
            names = ["mean (uniform)", "attention (trained)"]
            ui.chart(
                cached_figure(charts.token_share_heatmap, learned, names, pieces),
                "pooling_learned_weights",
            )
    else:
        shown = None if comparison is None else comparison.shares[MODES.index("attention")]
        st.info(untrained_head_note(shown))


def training_buys_section(
    active: ActiveModel,
    bench: PoolingBenchmark,
    texts: list[str],
    comparison: ModeComparison | None,
    trained_rho: float,
) -> None:
    st.header("6 · What training buys: the same network with random weights")
    ui.try_notice("compare the two heatmaps", "random weights make every pair look alike")
    st.caption(notes.TOKENS_RANDOM_WEIGHTS)
    untrained = untrained_model(active, 0)
    pairs = bench.pairs
    random_rho = bench.mean_pooling_spearman(
        token_vectors(untrained, tuple(pairs.first + pairs.second))
    )
    left, right = st.container(key="wide_pooling_random").columns([3, 2])
    if comparison is None:
        left.info("Type sentences in section 3 to compare their heatmaps here.")
    else:
        batch = token_vectors(untrained, tuple(texts))
        random_vectors = pooling.pool(batch.embeddings, batch.attention_mask, "mean")
        matrices = {
            "trained": comparison.similarities["mean"],
            "random weights": cosine_similarity_matrix(random_vectors),
        }
        ui.chart(
            cached_figure(charts.similarity_heatmaps, matrices, texts),
            "pooling_training_heatmaps",
            left,
        )
        if len(texts) > 1:
            random_spread = mean_pairwise_cosine(random_vectors)
            left.caption(random_spread_caption(comparison.mean_cosines["mean"], random_spread))
    figure = charts.spearman_bars(
        {"trained": trained_rho, "random weights": random_rho},
        [COLOURS["mean"], "#bbbbbb"],
        "Spearman on the scored pairs (mean pooling)",
    )
    ui.chart(figure, "pooling_training_quality", right)
    st.markdown(random_weights_reading(len(pairs.scores), random_rho, trained_rho))


active = ui.page_setup("Tokens & pooling", "🧩", TokensState)
if not is_inspectable(active.model):
    st.error(
        f"This lab looks inside a transformer: `{active.info.name}` has no transformer module with "
        "a fast tokenizer as its first step. Pick another model in the sidebar."
    )
    st.stop()
st.title("🧩 Tokens & pooling: from sub-word pieces to one sentence vector")
st.caption(
    "A sentence encoder is three pieces: a **tokenizer** cuts text into sub-word pieces, a "
    "**transformer** gives every piece a vector that depends on its neighbours, and a **pooling "
    "head** squeezes those token vectors into one sentence vector. Poke at each of them here."
)
record = ui.session_value(
    POOLING_HEAD_KEY,
    lambda: HeadRecord(active.key, fresh_head(active.info.dimension)),
    keep=lambda kept: kept.model_key == active.key,
)
with ui.section("tokenizer"):
    tokenizer_section(active)
with ui.section("context"):
    context_section(active)
trained = "trained in section 5" if record.trained else "untrained"
texts, comparison, pieces = [], None, []
with ui.section("pooling"):
    texts, comparison, pieces = pooling_section(active, record.head, trained)
bench, scores = None, {}
with ui.section("quality"):
    bench, scores = quality_section(active, record.head, trained_with_mean(active))
if bench is None:  # sections 4-6 need the benchmark's token vectors: the message is above
    st.stop()
with ui.section("attention head"):
    head_section(active, bench, record, scores, comparison, pieces)
with ui.section("training buys"):
    training_buys_section(active, bench, texts, comparison, scores["mean"][0])
ui.page_done()
