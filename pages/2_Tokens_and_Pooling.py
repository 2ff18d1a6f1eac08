"""Tokens & pooling: sub-word pieces, contextual token vectors, and five ways to one vector."""

from __future__ import annotations

import numpy as np
import streamlit as st

from components import backend, charts
from components.backend import ActiveModel
from components.encoder import get_tokenizer, is_inspectable
from components.evaluation import PoolingBenchmark, pair_spearman
from components.pooling import (
    MODE_DESCRIPTIONS,
    MODES,
    AttentionPoolingHead,
    HeadRecord,
    ModeComparison,
    PoolingMode,
    compare_modes,
    pool,
    train_attention_head,
    trained_pooling_mode,
    triplet_thirds,
)
from components.projection import METHOD_NAMES, project
from components.samples import load_scored_pairs, load_triplets
from components.similarity import cosine_similarity_matrix, mean_pairwise_cosine
from components.texts import first_lines
from components.tokens import (
    EXAMPLES,
    STYLE_NOTES,
    TokenView,
    chips_html,
    find_word_vectors,
    occurrence_label,
    token_points,
    token_view,
)
from components.widgets import (
    number_table,
    page_setup,
    persist,
    preset_picker,
    progress,
    session_value,
    show_messages,
)

MAX_CHARS = 50_000  # the tokenizer view reads at most this much text
CONTEXT_MAX = 12  # sentences in the contextual-vector section
POOLING_MAX = 20  # sentences in the pooling comparison
HEAD_KEY = "pooling_head"  # session_state: this session's HeadRecord
MODE_COLOURS = dict(zip(MODES, charts.PALETTE, strict=False))
DEFAULT_CONTEXT = [
    "We had a picnic on the bank of the river.",
    "The river bank was muddy after the storm.",
    "She asked the bank for a loan.",
    "The bank raised its interest rates again.",
    "He swung the bat and hit the ball.",
    "A bat flew out of the cave at dusk.",
]
DEFAULT_POOLING = [
    "How do I sort a list in Python?",
    "Python list sort methods?",
    "What is the GDP of Canada?",
    "Symptoms of iron-deficiency anaemia?",
    "Signs you're low on iron",
    "We had a picnic on the bank of the river.",
    "She asked the bank for a loan.",
]
MEAN_IS_TRAINED = (
    " The model was trained with mean pooling, so its [CLS] vector is only a by-product: it "
    "still carries meaning (self-attention mixes every token into it) but was never asked to "
    "summarise the sentence."
)


def use_example(name: str) -> None:
    st.session_state["pooling_text"] = EXAMPLES[name]


def token_warnings(view: TokenView, window: int) -> None:
    real = [piece for piece in view.pieces if piece.kind != "special"]
    if view.truncated:
        st.warning(
            f"✂ {view.n_tokens:,} pieces, but the window is {window}: the model reads the first "
            f"{window - 1} and its closing {view.pieces[-1].text}, and silently ignores the other "
            f"{view.n_tokens - window:,}. Split long text into chunks before embedding it."
        )
    if not real:
        st.warning(
            "Nothing but special tokens: the text only contains markers the tokenizer treats as "
            "special tokens (or nothing it can read). Every sentence gets these anyway, so the "
            "vector of this text says nothing about its content."
        )
    elif view.n_unknown == len(real):
        st.warning(
            "Every piece is [UNK] (unknown): this vocabulary has no piece for these characters, "
            "so the model sees only 'unknown' and cannot tell such texts apart."
        )


def tokenizer_section(active: ActiveModel) -> None:
    st.header("1 · The tokenizer: text → sub-word pieces")
    window = active.info.max_tokens
    first = next(iter(EXAMPLES))
    preset_picker(
        "Try an example", EXAMPLES, "pooling_example", first, use_example,
        help="Each example replaces the text below: words the vocabulary has never seen are "
        "built from pieces it knows.",
    )  # fmt: skip
    text = st.text_area(
        "Text to tokenize", key=persist("pooling_text", EXAMPLES[first]), height=90,
        help=f"Any text. The model reads at most {window} pieces (its window); the rest is cut off.",
    )  # fmt: skip
    if not text.strip():
        st.info("Type some text above to see the pieces the model reads.")
        return
    if len(text) > MAX_CHARS:
        st.warning(
            f"The text has {len(text):,} characters; the view tokenizes the first "
            f"{MAX_CHARS:,} (the model reads far less: {window} pieces). Your text is kept."
        )
    view = token_view(get_tokenizer(active.model), text[:MAX_CHARS], window)
    words = {
        piece.word for piece in view.pieces if piece.kind != "special" and piece.word is not None
    }
    columns = st.columns(4)
    columns[0].metric(
        "Pieces (with specials)", f"{view.n_tokens:,} / {window}", help="Against the window."
    )
    columns[1].metric("Words", f"{len(words):,}")
    columns[2].metric("Unknown pieces [UNK]", f"{view.n_unknown:,}")
    columns[3].metric("Tokenizer", view.style)
    token_warnings(view, window)
    st.html(chips_html(view))
    st.caption(
        "Each box is one word; the pieces inside it are joined (orange = a continuation piece). "
        "Grey: special tokens the tokenizer adds to every text. Red: [UNK], a character the "
        "vocabulary cannot spell. The small number under each piece is its id in the vocabulary."
    )
    st.markdown(STYLE_NOTES.get(view.style, STYLE_NOTES["other"]).format(style=view.style))


def word_heatmap(active: ActiveModel, context: list[str], words: list[str]) -> None:
    batch = backend.token_vectors(active, tuple(context))
    found = find_word_vectors(
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
    labels = [occurrence_label(occurrence, context) for occurrence in found]
    similarity = cosine_similarity_matrix(np.stack([occurrence.vector for occurrence in found]))
    st.plotly_chart(
        charts.similarity_heatmap(similarity, labels, show_values=len(labels) <= 20),
        width="stretch", key="pooling_word_heatmap",
    )  # fmt: skip
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
    points = token_points(backend.token_vectors(active, tuple(context)), include_special)
    if len(points.pieces) < 2:
        st.info("Too few tokens for a map: add words.")
        return
    projection = project(points.vectors, "pca", 2)
    st.plotly_chart(
        charts.token_scatter(projection.coords, points.pieces, points.owners, context),
        width="stretch", key="pooling_token_map",
    )  # fmt: skip
    st.caption(
        f"{METHOD_NAMES[projection.method_used]} of {len(points.pieces)} token vectors, one "
        "colour per sentence. Tokens cluster by sentence as much as by word: each vector carries "
        "its context." + (f" {projection.note}" if projection.note else "")
    )


def context_section(active: ActiveModel) -> None:
    st.header("2 · Contextual token vectors: the same word, different meanings")
    st.caption(
        "Before the transformer, every occurrence of *bank* is the same vector from the "
        "vocabulary table (cosine 1.000 with itself). After six layers of self-attention, each "
        "occurrence has absorbed its neighbours, so two river banks should agree more with each "
        "other than with a bank loan. Measure it below; the word vectors move less than you "
        "might think."
    )
    left, right = st.columns([1, 2])
    words_text = left.text_input(
        "Words to follow (comma-separated)", key=persist("pooling_words", "bank, bat"),
        help="Whole words, case-insensitive; the first occurrence in each sentence is used.",
    )  # fmt: skip
    context_text = right.text_area(
        "Sentences (one per line)", key=persist("pooling_context", "\n".join(DEFAULT_CONTEXT)),
        height=170,
    )  # fmt: skip
    context, messages = first_lines(context_text, CONTEXT_MAX)
    show_messages(messages)
    if not context:
        st.info("Type one sentence per line to compare words in context.")
        return
    word_heatmap(active, context, [word.strip() for word in words_text.split(",") if word.strip()])
    token_map(active, context)


def trained_note(name: str, trained_mode: PoolingMode | None) -> str:
    if trained_mode == "mean":
        return (
            f"**{name}** was trained with **mean** pooling: its token vectors were shaped so that "
            "their *average* is a good sentence vector. Nothing trained its [CLS] vector or its "
            "per-dimension maxima to be one; section 4 measures what that costs."
        )
    if trained_mode:
        return (
            f"**{name}** was trained with **{trained_mode}** pooling: the other modes read token "
            "vectors that were never shaped for them; section 4 measures what that costs."
        )
    return f"**{name}** pools in its own way; section 4 measures each mode."


def pooling_section(
    active: ActiveModel, record: HeadRecord
) -> tuple[list[str], ModeComparison | None, list[str]]:
    """The sentences to pool, every mode on them, and the pieces of the inspected sentence."""
    st.header("3 · Pooling: five ways to turn token vectors into one vector")
    st.markdown("\n".join(f"- **{mode}**: {MODE_DESCRIPTIONS[mode]}" for mode in MODES))
    st.markdown(trained_note(active.info.short_name, trained_pooling_mode(active.model)))
    text = st.text_area(
        "Sentences to pool (one per line)", key=persist("pooling_sentences", "\n".join(DEFAULT_POOLING)),
        height=180, help=f"Up to {POOLING_MAX} sentences.",
    )  # fmt: skip
    texts, messages = first_lines(text, POOLING_MAX)
    show_messages(messages)
    if not texts:
        st.info("Type one sentence per line to compare the pooling modes.")
        return texts, None, []
    batch = backend.token_vectors(active, tuple(texts))
    if st.session_state.get("pooling_focus") not in texts:
        st.session_state["pooling_focus"] = texts[0]
    focus = texts.index(
        st.selectbox(
            "Sentence to look inside",
            texts,
            key="pooling_focus",
            help="Whose tokens each mode draws from, shown below.",
        )  # fmt: skip
    )
    comparison = compare_modes(batch, focus, record.head)
    pieces = batch.pieces[focus]
    st.plotly_chart(
        charts.token_share_heatmap(comparison.shares, list(MODES), pieces),
        width="stretch", key="pooling_shares",
    )  # fmt: skip
    st.caption(
        "Share of the sentence vector each token contributes. mean: uniform. cls: all on "
        "[CLS]. max: the fraction of the dimensions whose maximum this token holds. "
        "mean_sqrt_len: the same shares as mean, but the sum is divided by √n instead of n, so "
        "longer sentences get longer vectors (cosine ignores length, so its similarities equal "
        "mean's). attention: the softmax weights of this session's head "
        f"({'trained in section 5' if record.trained else 'untrained'})."
    )
    st.plotly_chart(
        charts.similarity_heatmaps(comparison.similarities, texts),
        width="stretch", key="pooling_mode_heatmaps",
    )  # fmt: skip
    if len(texts) > 1:
        spread = ", ".join(f"{mode} {comparison.mean_cosines[mode]:.2f}" for mode in MODES)
        st.caption(
            "The same sentences under each pooling, numbered in input order (hover a cell for "
            f"the sentences). Mean cosine between different sentences: {spread}. A pooling whose "
            "cosines are all high separates unrelated sentences poorly."
        )
    return texts, comparison, pieces


def quality_bars(scores: dict[PoolingMode, tuple[float, float]], metric: int, **layout) -> object:
    return charts.quality_bars(
        list(MODES), [scores[mode][metric] for mode in MODES],
        colors=[MODE_COLOURS[mode] for mode in MODES], **layout,
    )  # fmt: skip


def quality_section(
    bench: PoolingBenchmark, record: HeadRecord, trained_mode: PoolingMode | None
) -> dict[PoolingMode, tuple[float, float]]:
    """(Spearman, triplet accuracy) of every mode, with this session's head for attention."""
    st.header("4 · Measured quality of each pooling")
    scores = {mode: bench.quality(mode, record.head) for mode in MODES}
    n_pairs, n_triplets = len(bench.pairs.scores), len(bench.triplets)
    left, right = st.columns(2)
    left.plotly_chart(
        quality_bars(scores, 0, axis_title="Spearman ρ",
                     title=f"Spearman: cosine vs human scores ({n_pairs} pairs)"),
        width="stretch", key="pooling_spearman",
    )  # fmt: skip
    right.plotly_chart(
        quality_bars(scores, 1, axis_title="accuracy",
                     title=f"Triplet accuracy: cos(a, p) > cos(a, n) ({n_triplets} triplets)"),
        width="stretch", key="pooling_triplet_accuracy",
    )  # fmt: skip
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
        "to its negative." + (MEAN_IS_TRAINED if trained_mode == "mean" else "")
    )
    with st.expander(f"The {n_pairs} scored pairs and their mean-pooling cosines"):
        number_table(
            {
                "sentence 1": bench.pairs.first,
                "sentence 2": bench.pairs.second,
                "human score (0-5)": bench.pairs.scores,
                "cosine (mean)": bench.pair_cosines("mean"),
            },
            {"cosine (mean)": "%.3f"},
        )
    return scores


def train_head(
    active: ActiveModel, bench: PoolingBenchmark, steps: int, learning_rate: float
) -> None:
    """Train a fresh head on the benchmark's triplets and keep it as this session's head."""
    fresh = AttentionPoolingHead(active.info.dimension)
    fresh_quality = bench.quality("attention", fresh)
    triplets = bench.triplet_tokens
    with progress("Training the attention head…") as show, backend.HEAVY_WORK:

        def on_step(step: int, loss: float) -> None:
            if step % 5 == 0 or step == steps:
                show(step / steps, f"Step {step} / {steps} · loss {loss:.4f}")

        run = train_attention_head(
            fresh, *triplet_thirds(triplets.embeddings, triplets.attention_mask),
            steps=steps, learning_rate=learning_rate, on_step=on_step,
        )  # fmt: skip
    st.session_state[HEAD_KEY] = HeadRecord(
        active.key, fresh, run.losses, run.seconds, fresh_quality
    )
    st.rerun()  # every section above now uses the trained head


def head_results(
    record: HeadRecord, scores: dict[PoolingMode, tuple[float, float]], n_pairs: int,
    trained_mode: PoolingMode | None,
) -> None:  # fmt: skip
    fresh_rho, fresh_accuracy = record.fresh_quality
    rho, accuracy = scores["attention"]
    left, right = st.columns(2)
    left.plotly_chart(
        charts.loss_curve(record.losses, title="InfoNCE loss per step"),
        width="stretch", key="pooling_loss_curve",
    )  # fmt: skip
    right.plotly_chart(
        charts.quality_bars(
            ["mean", "attention (untrained)", "attention (trained)"],
            [scores["mean"][0], fresh_rho, rho], axis_title="Spearman ρ",
            colors=[MODE_COLOURS["mean"], "#bbbbbb", MODE_COLOURS["attention"]],
            title="Spearman on the scored pairs, before and after",
        ),
        width="stretch", key="pooling_head_quality",
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
        + (
            " The encoder was trained for mean pooling, so mean is a hard baseline to beat."
            if trained_mode == "mean"
            else ""
        )
    )


def head_section(
    active: ActiveModel, bench: PoolingBenchmark, record: HeadRecord,
    scores: dict[PoolingMode, tuple[float, float]], comparison: ModeComparison | None,
    pieces: list[str],
) -> None:  # fmt: skip
    st.header("5 · An attention pooling head you can train")
    hidden, dimension = record.head.dense.weight.shape
    st.markdown(
        "The lesson's third pooling choice: a small layer scores every token, "
        "`score_t = w · tanh(W h_t + b)`, a softmax over the real tokens turns the scores into "
        "weights, and the sentence vector is the weighted sum of the token vectors. A fresh head "
        "has a tiny `w`, so every score is ≈ 0 and the weights are ≈ uniform: it pools like "
        f"mean. Training fits only the head (W: {hidden} × {dimension}, b, w) on the "
        f"{len(bench.triplets)} triplets, with the InfoNCE loss (each anchor must pick its "
        "positive among all positives and negatives, τ = 0.05). The token vectors stay frozen, "
        "and only your session's head changes."
    )
    controls = st.columns([2, 2, 1, 1])
    steps = controls[0].slider(
        "Steps", 20, 400, key=persist("pooling_steps", 100), step=10, help="Full-batch Adam steps."
    )
    learning_rate = controls[1].select_slider(
        "Learning rate", [1e-4, 3e-4, 1e-3, 3e-3, 1e-2], key=persist("pooling_learning_rate", 1e-3),
        format_func=lambda value: f"{value:g}",
        help="Larger learns faster and overfits the few triplets sooner (watch the pair Spearman).",
    )  # fmt: skip
    if controls[2].button("Train head", key="pooling_train", type="primary"):
        train_head(active, bench, steps, learning_rate)
    controls[3].button(
        "Reset head", key="pooling_reset", on_click=st.session_state.pop, args=(HEAD_KEY, None)
    )
    trained_mode = trained_pooling_mode(active.model)
    if record.trained:
        head_results(record, scores, len(bench.pairs.scores), trained_mode)
        if comparison is not None:
            learned = comparison.shares[[MODES.index("mean"), MODES.index("attention")]]
            st.plotly_chart(
                charts.token_share_heatmap(learned, ["mean (uniform)", "attention (trained)"], pieces),
                width="stretch", key="pooling_learned_weights",
            )  # fmt: skip
    elif comparison is not None:
        weights = comparison.shares[MODES.index("attention")]
        st.info(
            f"The head is untrained: its weights on the inspected sentence span only "
            f"{weights.max() - weights.min():.4f} around uniform (1/{len(pieces)} = "
            f"{1 / len(pieces):.3f} each). Press **Train head**."
        )
    else:
        st.info("The head is untrained. Press **Train head**.")


def training_buys_section(
    active: ActiveModel, bench: PoolingBenchmark, texts: list[str],
    comparison: ModeComparison | None, trained_rho: float,
) -> None:  # fmt: skip
    st.header("6 · What training buys: the same network with random weights")
    st.caption(
        "Same architecture, same tokenizer, same mean pooling, but the transformer's weights are "
        "random (built locally from the model's config with a fixed seed: no download). "
        "Everything the trained model knows about meaning is in the weights it learned."
    )
    untrained = backend.untrained_model(active, 0)
    pairs = backend.token_vectors(untrained, tuple(bench.pairs.first + bench.pairs.second))
    random_rho = pair_spearman(
        pool(pairs.embeddings, pairs.attention_mask, "mean"), bench.pairs.scores
    )
    left, right = st.columns([3, 2])
    if comparison is None:
        left.info("Type sentences in section 3 to compare their heatmaps here.")
    else:
        batch = backend.token_vectors(untrained, tuple(texts))
        random_vectors = pool(batch.embeddings, batch.attention_mask, "mean")
        matrices = {"trained": comparison.similarities["mean"],
                    "random weights": cosine_similarity_matrix(random_vectors)}  # fmt: skip
        left.plotly_chart(
            charts.similarity_heatmaps(matrices, texts), width="stretch",
            key="pooling_training_heatmaps",
        )  # fmt: skip
        if len(texts) > 1:
            left.caption(
                f"Mean cosine between different sentences: trained "
                f"{comparison.mean_cosines['mean']:.3f}, random "
                f"{mean_pairwise_cosine(random_vectors):.3f}. Random vectors all point roughly the "
                "same way, so everything looks similar."
            )
    right.plotly_chart(
        charts.quality_bars(
            ["trained", "random weights"], [trained_rho, random_rho], axis_title="Spearman ρ",
            value_range=(min(0.0, random_rho), 1.0), colors=[MODE_COLOURS["mean"], "#bbbbbb"],
            title="Spearman on the scored pairs (mean pooling)",
        ),
        width="stretch", key="pooling_training_quality",
    )  # fmt: skip
    st.markdown(
        f"The randomly initialised network ranks the {len(bench.pairs.scores)} pairs with "
        f"Spearman **{random_rho:.3f}**, the trained one **{trained_rho:.3f}**. Whatever a random "
        "network gets right comes from shared words: identical pieces get identical input "
        "vectors. Contrastive training on millions of pairs is what turns the vectors into meaning."
    )


def benchmark(active: ActiveModel) -> PoolingBenchmark:
    pairs, triplets = load_scored_pairs(), load_triplets()
    return PoolingBenchmark(
        pairs, triplets,
        backend.token_vectors(active, tuple(pairs.first + pairs.second)),
        backend.token_vectors(active, tuple(triplets.stacked())),
    )  # fmt: skip


active = page_setup("Tokens & pooling", "🧩")
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
    lambda: HeadRecord(active.key, AttentionPoolingHead(active.info.dimension)),
    keep=lambda kept: kept.model_key == active.key,
)
trained_mode = trained_pooling_mode(active.model)
tokenizer_section(active)
context_section(active)
texts, comparison, pieces = pooling_section(active, record)
bench = benchmark(active)
scores = quality_section(bench, record, trained_mode)
head_section(active, bench, record, scores, comparison, pieces)
training_buys_section(active, bench, texts, comparison, scores["mean"][0])
