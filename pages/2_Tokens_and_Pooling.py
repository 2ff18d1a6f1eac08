"""Tokens & pooling: sub-word pieces, contextual token vectors, and five ways to one vector."""

from __future__ import annotations

import numpy as np
import streamlit as st

from components import backend, charts, limits, pooling, samples, tokens
from components.backend import ActiveModel
from components.encoder import get_tokenizer, is_inspectable
from components.evaluation import PoolingBenchmark
from components.page_state import HEAD_LEARNING_RATES, TokensState
from components.pooling import MODES, HeadRecord, ModeComparison
from components.projection import METHOD_NAMES, project
from components.similarity import cosine_similarity_matrix, mean_pairwise_cosine
from components.widgets import (
    chart,
    lesson_header,
    limited_text,
    metric_row,
    number_table,
    page_done,
    page_setup,
    persist,
    preset_picker,
    progress,
    section,
    sentence_box,
    session_value,
    show_messages,
)

MAX_CHARS = limits.TOKENS_CHARS  # the tokenizer view reads at most this much text
CONTEXT_MAX = limits.CONTEXT_SENTENCES  # sentences in the contextual-vector section
POOLING_MAX = limits.POOLING_SENTENCES  # sentences in the pooling comparison
HEAD_KEY = "pooling_head"  # session_state: this session's HeadRecord
COLOURS = dict(zip(MODES, charts.PALETTE, strict=False))
Scores = dict[pooling.PoolingMode, tuple[float, float]]  # mode -> (Spearman, triplet accuracy)


def tokenizer_section(active: ActiveModel) -> None:
    lesson_header("1 · The tokenizer: text → sub-word pieces", "a typo, a rare name, an emoji",
                  "unseen words are built from pieces; only emoji become [UNK]")  # fmt: skip
    window, first = active.info.max_tokens, next(iter(tokens.EXAMPLES))
    preset_picker(
        "Try an example", tokens.EXAMPLES, "pooling_example", first,
        lambda name: st.session_state.update(pooling_text=tokens.EXAMPLES[name]),
        help="Each example replaces the text below: words the vocabulary has never seen are "
        "built from pieces it knows.",
    )  # fmt: skip
    text = limited_text(
        st.text_area, "Text to tokenize", "pooling_text", tokens.EXAMPLES[first], MAX_CHARS,
        height=90,
        help=f"Any text, up to {MAX_CHARS:,} characters. The model reads at most {window} "
        "pieces (its window); the rest is cut off.",
    )  # fmt: skip
    if not text.strip():
        st.info("Type some text above to see the pieces the model reads.")
        return
    view = tokens.token_view(get_tokenizer(active.model), text, window)
    metric_row(
        {
            "Pieces (with specials)": f"{view.n_tokens:,} / {window}",
            "Words": f"{tokens.word_count(view):,}",
            "Unknown pieces [UNK]": f"{view.n_unknown:,}",
            "Tokenizer": view.style,
        },
        help={"Pieces (with specials)": "Against the window."},
    )
    show_messages(tokens.view_messages(view))
    st.html(tokens.chips_html(view))
    st.caption(
        "Each box is one word; the pieces inside it are joined (orange = a continuation piece). "
        "Grey: special tokens the tokenizer adds to every text. Red: [UNK], a character the "
        "vocabulary cannot spell. The small number under each piece is its id in the vocabulary."
    )
    st.markdown(
        tokens.STYLE_NOTES.get(view.style, tokens.STYLE_NOTES["other"]).format(style=view.style)
    )


def word_heatmap(active: ActiveModel, context: list[str], words: list[str]) -> None:
    batch = backend.token_vectors(active, tuple(context))
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
    chart(
        charts.similarity_heatmap(similarity, labels, show_values=len(labels) <= 20),
        "pooling_word_heatmap",
    )
    st.caption(
        "Cosine between the token vectors of each occurrence (a word cut into several pieces "
        "uses the mean of its pieces). Same sense → higher cosine, but every *bank* stays far "
        "closer to every other *bank* than to a different word: the piece's own identity still "
        "dominates its vector."
    )


def token_map(active: ActiveModel, context: list[str]) -> None:
    st.subheader("All token vectors of these sentences, on a map")
    include_special = st.toggle(
        "Include [CLS] / [SEP]", key=persist("pooling_map_special", False),
        help="Special tokens sit in their own corner of the space; hiding them spreads the rest.",
    )  # fmt: skip
    points = tokens.token_points(backend.token_vectors(active, tuple(context)), include_special)
    if len(points.pieces) < 2:
        st.info("Too few tokens for a map: add words.")
        return
    projection = project(points.vectors, "pca", 2)
    chart(
        charts.token_scatter(projection.coords, points.pieces, points.owners, context),
        "pooling_token_map",
    )
    st.caption(
        f"{METHOD_NAMES[projection.method_used]} of {len(points.pieces)} token vectors, one "
        "colour per sentence. Tokens cluster by sentence as much as by word: each vector carries "
        "its context." + (f" {projection.note}" if projection.note else "")
    )


def context_section(active: ActiveModel) -> None:
    lesson_header("2 · Contextual token vectors: the same word, different meanings",
                  "add a sentence with a third sense of bank",
                  "same-sense occurrences agree more, but every bank stays close to every bank")  # fmt: skip
    st.caption(
        "Before the transformer, every occurrence of *bank* is the same vector from the "
        "vocabulary table (cosine 1.000 with itself). After six layers of self-attention, each "
        "occurrence has absorbed its neighbours, so two river banks should agree more with each "
        "other than with a bank loan. Measure it below; the word vectors move less than you "
        "might think."
    )
    left, right = st.columns([1, 2])
    with left:
        words_text = limited_text(
            st.text_input, "Words to follow (comma-separated)", "pooling_words", "bank, bat",
            limits.WORDS_BOX_CHARS,
            help="Whole words, case-insensitive; the first occurrence in each sentence is used. "
            f"Up to {limits.WORDS_TO_FOLLOW} distinct words of {limits.WORD_CHARS} characters.",
        )  # fmt: skip
        words, messages = tokens.words_to_follow(words_text)
        show_messages(messages)
    context = sentence_box(
        "Sentences (one per line)", "pooling_context", samples.CONTEXT_SENTENCES, CONTEXT_MAX,
        height=170, container=right,
        help='One sentence per line, with the words to follow in them.',
    )  # fmt: skip
    if not context:
        st.info("Type one sentence per line to compare words in context.")
        return
    with section("word heatmap"):
        word_heatmap(active, context, words)
    with section("token map"):
        token_map(active, context)


def trained_note(active: ActiveModel) -> str:
    mode, name = pooling.trained_pooling_mode(active.model), active.info.short_name
    if mode == "mean":
        return (
            f"**{name}** was trained with **mean** pooling: its token vectors were shaped so that "
            "their *average* is a good sentence vector. Nothing trained its [CLS] vector or its "
            "per-dimension maxima to be one; section 4 measures what that costs."
        )
    if mode:
        return (
            f"**{name}** was trained with **{mode}** pooling: the other modes read token vectors "
            "that were never shaped for them; section 4 measures what that costs."
        )
    return f"**{name}** pools in its own way; section 4 measures each mode."


def pooling_section(
    active: ActiveModel, head: pooling.HeadWeights | pooling.AttentionPoolingHead, trained: str
) -> tuple[list[str], ModeComparison | None, list[str]]:
    """The sentences to pool, every mode on them, and the pieces of the inspected sentence."""
    lesson_header("3 · Pooling: five ways to turn token vectors into one vector",
                  "look inside a short and a long sentence",
                  "cls puts everything on one token; max spreads it by dimension")  # fmt: skip
    st.markdown("\n".join(f"- **{mode}**: {pooling.MODE_DESCRIPTIONS[mode]}" for mode in MODES))
    st.markdown(trained_note(active))
    texts = sentence_box(
        "Sentences to pool (one per line)", "pooling_sentences", samples.POOLING_SENTENCES,
        POOLING_MAX, height=180, help=f"Up to {POOLING_MAX} sentences.",
    )  # fmt: skip
    if not texts:
        st.info("Type one sentence per line to compare the pooling modes.")
        return texts, None, []
    batch = backend.token_vectors(active, tuple(texts))
    if st.session_state.get("pooling_focus") not in texts:
        st.session_state["pooling_focus"] = texts[0]
    focus = texts.index(st.selectbox("Sentence to look inside", texts, key="pooling_focus",
                                     help="Whose tokens each mode draws from, shown below."))  # fmt: skip
    comparison = pooling.compare_modes(batch, focus, head)
    chart(
        charts.token_share_heatmap(comparison.shares, list(MODES), batch.pieces[focus]),
        "pooling_shares",
    )
    st.caption(
        "Share of the sentence vector each token contributes. mean: uniform. cls: all on "
        "[CLS]. max: the fraction of the dimensions whose maximum this token holds. "
        "mean_sqrt_len: the same shares as mean, but the sum is divided by √n instead of n, so "
        "longer sentences get longer vectors (cosine ignores length, so its similarities equal "
        f"mean's). attention: the softmax weights of this session's head ({trained})."
    )
    chart(charts.similarity_heatmaps(comparison.similarities, texts), "pooling_mode_heatmaps")
    if len(texts) > 1:
        spread = ", ".join(f"{mode} {comparison.mean_cosines[mode]:.2f}" for mode in MODES)
        st.caption(
            "The same sentences under each pooling, numbered in input order (hover a cell for "
            f"the sentences). Mean cosine between different sentences: {spread}. A pooling whose "
            "cosines are all high separates unrelated sentences poorly."
        )
    return texts, comparison, batch.pieces[focus]


def spearman_bars(
    values: dict[str, float], colours: list[str], title: str, key: str, container
) -> None:
    """Spearman ρ of a few poolings or models as bars (the axis reaches below 0 when needed)."""
    figure = charts.quality_bars(
        list(values), list(values.values()), axis_title="Spearman ρ", colors=colours,
        value_range=(min(0.0, *values.values()), 1.0), title=title,
    )  # fmt: skip
    chart(figure, key, container)


def quality_section(bench: PoolingBenchmark, scores: Scores, mean_trained: bool) -> None:
    lesson_header("4 · Measured quality of each pooling", "compare the bars of cls, mean and max",
                  "the pooling the model was trained with ranks best")  # fmt: skip
    n_pairs, n_triplets = len(bench.pairs.scores), len(bench.triplets)
    titles = [f"Spearman: cosine vs human scores ({n_pairs} pairs)",
              f"Triplet accuracy: cos(a, p) > cos(a, n) ({n_triplets} triplets)"]  # fmt: skip
    keys, axes = ["pooling_spearman", "pooling_triplet_accuracy"], ["Spearman ρ", "accuracy"]
    for metric, column in enumerate(st.columns(2)):
        figure = charts.quality_bars(
            list(MODES), [scores[mode][metric] for mode in MODES], axis_title=axes[metric],
            colors=list(COLOURS.values()), title=titles[metric],
        )  # fmt: skip
        chart(figure, keys[metric], column)
    best = max(("cls", "mean", "max"), key=lambda mode: scores[mode][0])
    st.markdown(
        f"**Spearman ρ** ranks the {n_pairs} sentence pairs by cosine and by the human-style "
        "score (0 = unrelated … 5 = same meaning, `sample_data/sts_pairs.csv`) and says how well "
        "the two rankings agree (1 = perfectly). Here mean scores "
        f"**{scores['mean'][0]:.3f}**, cls **{scores['cls'][0]:.3f}**, max "
        f"**{scores['max'][0]:.3f}**: **{best}** ranks best of the three. "
        "mean_sqrt_len ties with mean exactly: it only rescales the vector and cosine ignores "
        f"length. **Triplet accuracy** is the share of the {n_triplets} triplets (the lesson's "
        "two and `sample_data/pooling_triplets.csv`) whose anchor is closer to its positive than "
        "to its negative."
        + (
            " The model was trained with mean pooling, so its [CLS] vector is only a by-product: "
            "it still carries meaning (self-attention mixes every token into it) but was never "
            "asked to summarise the sentence."
            if mean_trained
            else ""
        )
    )
    with st.expander(f"The {n_pairs} scored pairs and their mean-pooling cosines"):
        pairs = bench.pairs
        number_table(
            {"sentence 1": pairs.first, "sentence 2": pairs.second,
             "human score (0-5)": pairs.scores, "cosine (mean)": bench.pair_cosines("mean")},
            {"cosine (mean)": "%.3f"},
        )  # fmt: skip


def train_head(
    active: ActiveModel, bench: PoolingBenchmark, steps: int, learning_rate: float
) -> None:
    """Train a fresh head on the benchmark's triplets; it becomes this session's head."""
    head = pooling.AttentionPoolingHead(active.info.dimension)
    before = bench.quality("attention", head)
    triplets = pooling.triplet_thirds(
        bench.triplet_tokens.embeddings, bench.triplet_tokens.attention_mask
    )
    with (
        backend.heavy("train", "Training the attention head", limits.TRAIN_SECONDS) as job,
        progress("Training the attention head…") as show,
    ):

        def on_step(step: int, loss: float) -> None:
            job.check()  # stops at the time cap, or when the tab was closed
            if step % 5 == 0 or step == steps:
                show(step / steps, f"Step {step} / {steps} · loss {loss:.4f}")

        run = pooling.train_attention_head(
            head, *triplets, steps=steps, learning_rate=learning_rate, on_step=on_step
        )
    st.session_state[HEAD_KEY] = HeadRecord(active.key, head, run.losses, run.seconds, before)
    st.rerun()  # every section above now uses the trained head


def head_results(record: HeadRecord, scores: Scores, n_pairs: int, mean_trained: bool) -> None:
    (fresh_rho, fresh_accuracy), (rho, accuracy) = record.fresh_quality, scores["attention"]
    left, right = st.columns(2)
    chart(
        charts.loss_curve(record.losses, title="InfoNCE loss per step"), "pooling_loss_curve", left
    )
    spearman_bars(
        {"mean": scores["mean"][0], "attention (untrained)": fresh_rho, "attention (trained)": rho},
        [COLOURS["mean"], "#bbbbbb", COLOURS["attention"]],
        "Spearman on the scored pairs, before and after", "pooling_head_quality", right,
    )  # fmt: skip
    st.markdown(
        f"Trained for {len(record.losses)} steps in {record.seconds:.1f} s: loss "
        f"{record.losses[0]:.4f} → {record.losses[-1]:.4f}. Triplet accuracy "
        f"{fresh_accuracy:.3f} → {accuracy:.3f} (on the triplets it was trained on, so this "
        f"flatters it); Spearman on the {n_pairs} scored pairs, which the head never saw: "
        f"{fresh_rho:.3f} → **{rho:.3f}** (mean: {scores['mean'][0]:.3f}). The learned weights "
        "for the sentence inspected in section 3 are the *attention* row of its share chart. "
        "With this few triplets the head quickly learns to lean on a few telltale tokens; more "
        "steps or a higher learning rate overfit and the pair Spearman drops."
        + (" The encoder was trained for mean pooling, so mean is a hard baseline to beat."
           if mean_trained else "")
    )  # fmt: skip


def head_section(active: ActiveModel, bench: PoolingBenchmark, record: HeadRecord, scores: Scores,
                 comparison: ModeComparison | None, pieces: list[str]) -> None:  # fmt: skip
    lesson_header("5 · An attention pooling head you can train",
                  "train 100 steps, then 400 at a higher rate",
                  "the pair Spearman drops when the head overfits the few triplets")  # fmt: skip
    st.latex(
        r"s_t = w^\top \tanh(W h_t + b), \quad a_t = \frac{e^{s_t}}{\sum_{u} e^{s_u}}, \quad v = \sum_t a_t h_t"
    )
    hidden, dimension = record.head.hidden, record.head.dimension
    st.markdown(
        "The lesson's third pooling choice: a small layer scores every token, "
        "a score per token (the formula below), a softmax over the real tokens turns the scores into "
        "weights, and the sentence vector is the weighted sum of the token vectors. A fresh head "
        "has a tiny `w`, so every score is ≈ 0 and the weights are ≈ uniform: it pools like "
        f"mean. Training fits only the head (W: {hidden} × {dimension}, b, w) on the "
        f"{len(bench.triplets)} triplets, with the InfoNCE loss (each anchor must pick its "
        "positive among all positives and negatives, τ = 0.05). The token vectors stay frozen, "
        "and only your session's head changes."
    )
    controls = st.columns([2, 2, 1, 1])
    steps = controls[0].slider(
        "Steps", 20, limits.HEAD_STEPS, key=persist("pooling_steps", 100), step=10,
        help=f"Full-batch Adam steps (training stops after {limits.TRAIN_SECONDS} s at most).",
    )  # fmt: skip
    learning_rate = controls[1].select_slider(
        "Learning rate", HEAD_LEARNING_RATES, key=persist("pooling_learning_rate", 1e-3),
        format_func=lambda value: f"{value:g}",
        help="Larger learns faster and overfits the few triplets sooner (watch the pair Spearman).",
    )  # fmt: skip
    if controls[2].button(
        "Train head", key="pooling_train", type="primary",
        help="Fit this session's attention head on the triplets (the encoder stays frozen).",
    ):  # fmt: skip
        with section("train head"):
            train_head(active, bench, steps, learning_rate)
    controls[3].button(
        "Reset head",
        key="pooling_reset",
        on_click=st.session_state.pop,
        args=(HEAD_KEY, None),
        help="Forget the trained head and start again from a fresh, near-uniform one.",
    )
    if record.trained:
        head_results(
            record,
            scores,
            len(bench.pairs.scores),
            pooling.trained_pooling_mode(active.model) == "mean",
        )
        if comparison is not None:
            learned = comparison.shares[[MODES.index("mean"), MODES.index("attention")]]
            names = ["mean (uniform)", "attention (trained)"]
            chart(charts.token_share_heatmap(learned, names, pieces), "pooling_learned_weights")
    elif comparison is not None:
        weights = comparison.shares[MODES.index("attention")]
        st.info(
            f"The head is untrained: its weights on the inspected sentence span only "
            f"{weights.max() - weights.min():.4f} around uniform (1/{len(pieces)} = "
            f"{1 / len(pieces):.3f} each). Press **Train head**."
        )
    else:
        st.info("The head is untrained. Press **Train head**.")


def training_buys_section(active: ActiveModel, bench: PoolingBenchmark, texts: list[str],
                          comparison: ModeComparison | None, trained_rho: float) -> None:  # fmt: skip
    lesson_header("6 · What training buys: the same network with random weights",
                  "compare the two heatmaps",
                  "random weights make every pair look alike")  # fmt: skip
    st.caption(
        "Same architecture, same tokenizer, same mean pooling, but the transformer's weights are "
        "random (built locally from the model's config with a fixed seed: no download). "
        "Everything the trained model knows about meaning is in the weights it learned."
    )
    untrained = backend.untrained_model(active, 0)
    pairs = bench.pairs
    random_rho = bench.mean_pooling_spearman(
        backend.token_vectors(untrained, tuple(pairs.first + pairs.second))
    )
    left, right = st.columns([3, 2])
    if comparison is None:
        left.info("Type sentences in section 3 to compare their heatmaps here.")
    else:
        batch = backend.token_vectors(untrained, tuple(texts))
        random_vectors = pooling.pool(batch.embeddings, batch.attention_mask, "mean")
        matrices = {"trained": comparison.similarities["mean"],
                    "random weights": cosine_similarity_matrix(random_vectors)}  # fmt: skip
        chart(charts.similarity_heatmaps(matrices, texts), "pooling_training_heatmaps", left)
        if len(texts) > 1:
            left.caption(
                f"Mean cosine between different sentences: trained "
                f"{comparison.mean_cosines['mean']:.3f}, random "
                f"{mean_pairwise_cosine(random_vectors):.3f}. Random vectors all point roughly the "
                "same way, so everything looks similar."
            )
    spearman_bars(
        {"trained": trained_rho, "random weights": random_rho}, [COLOURS["mean"], "#bbbbbb"],
        "Spearman on the scored pairs (mean pooling)", "pooling_training_quality", right,
    )  # fmt: skip
    st.markdown(
        f"The randomly initialised network ranks the {len(pairs.scores)} pairs with Spearman "
        f"**{random_rho:.3f}**, the trained one **{trained_rho:.3f}**. Whatever a random network "
        "gets right comes from shared words: identical pieces get identical input vectors. "
        "Contrastive training on millions of pairs is what turns the vectors into meaning."
    )


active = page_setup("Tokens & pooling", "🧩", TokensState)
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
record = session_value(
    HEAD_KEY,
    lambda: HeadRecord(active.key, pooling.fresh_head(active.info.dimension)),
    keep=lambda kept: kept.model_key == active.key,
)
with section("tokenizer"):
    tokenizer_section(active)
with section("context"):
    context_section(active)
trained = "trained in section 5" if record.trained else "untrained"
texts, comparison, pieces = [], None, []
with section("pooling"):
    texts, comparison, pieces = pooling_section(active, record.head, trained)
bench = None
with section("quality"):
    pairs, triplets = samples.load_scored_pairs(), samples.load_triplets()
    measured = PoolingBenchmark(
        pairs, triplets,
        backend.token_vectors(active, tuple(pairs.first + pairs.second)),
        backend.token_vectors(active, tuple(triplets.stacked())),
    )  # fmt: skip
    scores = {mode: measured.quality(mode, record.head) for mode in MODES}
    bench = measured
    quality_section(bench, scores, pooling.trained_pooling_mode(active.model) == "mean")
if bench is None:  # sections 4-6 need the benchmark's token vectors: the message is above
    st.stop()
with section("attention head"):
    head_section(active, bench, record, scores, comparison, pieces)
with section("training buys"):
    training_buys_section(active, bench, texts, comparison, scores["mean"][0])
page_done()
