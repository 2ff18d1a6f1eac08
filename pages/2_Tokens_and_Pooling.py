"""Tokens & pooling: sub-word pieces, contextual token vectors, and five ways to one vector."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch

from components import backend, charts
from components.backend import ActiveModel
from components.encoder import tokenize
from components.pooling import (
    MODE_DESCRIPTIONS,
    MODES,
    AttentionPoolingHead,
    pool,
    token_shares,
    train_attention_head,
    trained_pooling_mode,
)
from components.projection import METHOD_NAMES, project
from components.quality import (
    load_scored_pairs,
    load_triplets,
    paired_cosine,
    pooling_quality,
    spearman,
)
from components.similarity import cosine_similarity_matrix
from components.texts import Message, clean_texts
from components.tokens import EXAMPLES, chips_html, find_word_vectors, token_view
from components.widgets import model_sidebar, persist, show_messages

st.set_page_config(
    page_title="Tokens & pooling · Sentence Embedding Lab", page_icon="🧩", layout="wide"
)
active = model_sidebar()
window = active.info.max_tokens
if not hasattr(active.model[0], "auto_model") or not getattr(
    active.model.tokenizer, "is_fast", False
):
    st.error(
        f"This lab looks inside a transformer: `{active.info.name}` has no transformer module with "
        "a fast tokenizer as its first step. Pick another model in the sidebar."
    )
    st.stop()

MAX_CHARS = 50_000  # the tokenizer view reads at most this much text
CONTEXT_MAX = 12  # sentences in the contextual-vector section
POOLING_MAX = 20  # sentences in the pooling comparison
HEAD_KEY = "pooling_head"  # session_state: this session's attention head and its training record
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


def sentences_from(text: str, cap: int) -> tuple[list[str], list[Message]]:
    """Non-blank, distinct lines, at most `cap`, and messages about what was dropped."""
    parsed = clean_texts(text.splitlines())
    messages = [message for message in parsed.messages if message.level != "error"]
    texts = parsed.texts
    if len(texts) > cap:
        texts = texts[:cap]
        messages.append(
            Message("warning", f"This section uses the first {cap} sentences; your text is kept.")
        )
    return texts, messages


def session_head(active: ActiveModel) -> AttentionPoolingHead:
    """This session's attention head for the model in use (a fresh, untrained one at first)."""
    record = st.session_state.get(HEAD_KEY)
    if record is None or record["model_key"] != active.key:
        record = {
            "model_key": active.key,
            "head": AttentionPoolingHead(active.info.dimension),
            "losses": [],
            "seconds": 0.0,
            "before": None,
        }
        st.session_state[HEAD_KEY] = record
    return record["head"]


st.title("🧩 Tokens & pooling: from sub-word pieces to one sentence vector")
st.caption(
    "A sentence encoder is three pieces: a **tokenizer** cuts text into sub-word pieces, a "
    "**transformer** gives every piece a vector that depends on its neighbours, and a **pooling "
    "head** squeezes those token vectors into one sentence vector. Poke at each of them here."
)

# ---------------------------------------------------------------- 1. Tokenizer
st.header("1 · The tokenizer: text → sub-word pieces")


def _apply_example() -> None:
    st.session_state["pooling_text"] = EXAMPLES[st.session_state["pooling_example"]]


st.selectbox(
    "Try an example",
    list(EXAMPLES),
    key=persist("pooling_example", list(EXAMPLES)[0]),
    on_change=_apply_example,
    help="Each example replaces the text below: words the vocabulary has never seen are built "
    "from pieces it knows.",
)
text = st.text_area(
    "Text to tokenize",
    key=persist("pooling_text", EXAMPLES[list(EXAMPLES)[0]]),
    height=90,
    help=f"Any text. The model reads at most {window} pieces (its window); the rest is cut off.",
)
if not text.strip():
    st.info("Type some text above to see the pieces the model reads.")
else:
    if len(text) > MAX_CHARS:
        st.warning(
            f"The text has {len(text):,} characters; the view tokenizes the first "
            f"{MAX_CHARS:,} (the model reads far less: {window} pieces). Your text is kept."
        )
    view = token_view(active.model.tokenizer, text[:MAX_CHARS], window)
    real = [piece for piece in view.pieces if piece.kind != "special"]
    columns = st.columns(4)
    columns[0].metric(
        "Pieces (with specials)", f"{view.n_tokens:,} / {window}", help="Against the window."
    )
    columns[1].metric("Words", f"{len({p.word for p in real if p.word is not None}):,}")
    columns[2].metric("Unknown pieces [UNK]", f"{view.n_unknown:,}")
    columns[3].metric("Tokenizer", view.style)
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
    st.html(chips_html(view))
    st.caption(
        "Each box is one word; the pieces inside it are joined (orange = a continuation piece). "
        "Grey: special tokens the tokenizer adds to every text. Red: [UNK], a character the "
        "vocabulary cannot spell. The small number under each piece is its id in the vocabulary."
    )
    if view.style == "WordPiece":
        st.markdown(
            "This model's tokenizer is **WordPiece** (BERT's): a piece that continues a word "
            "starts with `##` (`quantum` + `##ness`). The lesson writes pieces as `▁quant`, `um`: "
            "that is **SentencePiece** notation (T5, XLM-R, mpnet's cousins), where `▁` marks "
            "the *start* of a word instead. Load a SentencePiece model in the sidebar and this "
            "same view shows its `▁` pieces. Either way, an unseen word is never lost: it is "
            "composed from known pieces. Only characters with no piece at all (emoji here) "
            "become [UNK]."
        )
    elif view.style == "SentencePiece":
        st.markdown(
            "This model's tokenizer is **SentencePiece**: `▁` marks the start of a word, as in "
            "the lesson's `▁quant`. BERT-style WordPiece (all-MiniLM-L6-v2) instead marks the "
            "continuation, `##um`."
        )
    else:
        st.markdown(
            f"This model's tokenizer style is **{view.style}**. WordPiece marks continuation "
            "pieces with `##`, SentencePiece marks word starts with `▁`, byte-level BPE with `Ġ`."
        )

# ---------------------------------------------------------------- 2. Contextual token vectors
st.header("2 · Contextual token vectors: the same word, different meanings")
st.caption(
    "Before the transformer, every occurrence of *bank* is the same vector from the vocabulary "
    "table (cosine 1.000 with itself). After six layers of self-attention, each occurrence has "
    "absorbed its neighbours, so two river banks should agree more with each other than with a "
    "bank loan. Measure it below; the word vectors move less than you might think."
)
left, right = st.columns([1, 2])
words_text = left.text_input(
    "Words to follow (comma-separated)",
    key=persist("pooling_words", "bank, bat"),
    help="Whole words, case-insensitive; the first occurrence in each sentence is used.",
)
context_text = right.text_area(
    "Sentences (one per line)",
    key=persist("pooling_context", "\n".join(DEFAULT_CONTEXT)),
    height=170,
)
context, messages = sentences_from(context_text, CONTEXT_MAX)
show_messages(messages)
words = [word.strip() for word in words_text.split(",") if word.strip()]
if not context:
    st.info("Type one sentence per line to compare words in context.")
else:
    context_tokens, context_mask = backend.token_vectors(
        active.key, tuple(context), active.model
    )  # (n, tokens, dim), (n, tokens)
    occurrences = find_word_vectors(active.model.tokenizer, window, context, words, context_tokens)
    if not words:
        st.info("Type a word to follow, e.g. `bank`.")
    elif len(occurrences) < 2:
        st.info(
            "The words to follow occur fewer than two times in these sentences: add sentences "
            f"that contain {', '.join(f'`{word}`' for word in words)}."
        )
    else:
        vectors = np.stack([occurrence.vector for occurrence in occurrences])  # (k, dim)
        labels = [
            occurrence.word
            + (f" ({' '.join(occurrence.pieces)})" if len(occurrence.pieces) > 1 else "")
            + f" · {context[occurrence.sentence]}"
            for occurrence in occurrences
        ]
        st.plotly_chart(
            charts.similarity_heatmap(
                cosine_similarity_matrix(vectors), labels, show_values=len(labels) <= 20
            ),
            width="stretch",
            key="pooling_word_heatmap",
        )
        st.caption(
            "Cosine between the token vectors of each occurrence (a word cut into several pieces "
            "uses the mean of its pieces). Same sense → higher cosine, but every *bank* stays "
            "far closer to every other *bank* than to a different word: the piece's own identity "
            "still dominates its vector."
        )

    st.subheader("All token vectors of these sentences, on a map")
    include_special = st.toggle(
        "Include [CLS] / [SEP]",
        key=persist("pooling_map_special", False),
        help="Special tokens sit in their own corner of the space; hiding them spreads the rest.",
    )
    pieces, owners, rows = [], [], []
    for index, sentence in enumerate(context):
        tokenized = tokenize(active.model, sentence)
        for position, (piece, special) in enumerate(
            zip(tokenized.tokens, tokenized.special, strict=True)
        ):
            if include_special or not special:
                pieces.append(piece)
                owners.append(index)
                rows.append(context_tokens[index, position])
    if len(rows) < 2:
        st.info("Too few tokens for a map: add words.")
    else:
        projection = project(np.stack(rows), "pca", 2)
        st.plotly_chart(
            charts.token_scatter(projection.coords, pieces, owners, context),
            width="stretch",
            key="pooling_token_map",
        )
        st.caption(
            f"{METHOD_NAMES[projection.method_used]} of {len(rows)} token vectors, one colour per "
            "sentence. Tokens cluster by sentence as much as by word: each vector carries its "
            "context." + (f" {projection.note}" if projection.note else "")
        )

# ---------------------------------------------------------------- 3. Pooling comparison
st.header("3 · Pooling: five ways to turn token vectors into one vector")
model_name = active.info.name.split("/")[-1]
trained_mode = trained_pooling_mode(active.model)
if trained_mode == "mean":
    trained_note = (
        f"**{model_name}** was trained with **mean** pooling: its token vectors were shaped so "
        "that their *average* is a good sentence vector. Nothing trained its [CLS] vector or its "
        "per-dimension maxima to be one; section 4 measures what that costs."
    )
elif trained_mode:
    trained_note = (
        f"**{model_name}** was trained with **{trained_mode}** pooling: the other modes read "
        "token vectors that were never shaped for them; section 4 measures what that costs."
    )
else:
    trained_note = f"**{model_name}** pools in its own way; section 4 measures each mode."
st.markdown("\n".join(f"- **{mode}**: {MODE_DESCRIPTIONS[mode]}" for mode in MODES))
st.markdown(trained_note)
head = session_head(active)
pooling_text = st.text_area(
    "Sentences to pool (one per line)",
    key=persist("pooling_sentences", "\n".join(DEFAULT_POOLING)),
    height=180,
    help=f"Up to {POOLING_MAX} sentences.",
)
pooled_texts, messages = sentences_from(pooling_text, POOLING_MAX)
show_messages(messages)
if not pooled_texts:
    st.info("Type one sentence per line to compare the pooling modes.")
else:
    tokens, mask = backend.token_vectors(active.key, tuple(pooled_texts), active.model)
    if st.session_state.get("pooling_focus") not in pooled_texts:
        st.session_state["pooling_focus"] = pooled_texts[0]
    focus = st.selectbox(
        "Sentence to look inside",
        pooled_texts,
        key="pooling_focus",
        help="Whose tokens each mode draws from, shown below.",
    )
    row = pooled_texts.index(focus)
    length = int(mask[row].sum())
    focus_pieces = tokenize(active.model, focus).tokens[:length]
    shares = np.concatenate(
        [
            token_shares(tokens[row : row + 1, :length], mask[row : row + 1, :length], mode, head)
            for mode in MODES
        ]
    )  # (modes, tokens)
    st.plotly_chart(
        charts.token_share_heatmap(shares, list(MODES), focus_pieces),
        width="stretch",
        key="pooling_shares",
    )
    head_state = "trained in section 5" if st.session_state[HEAD_KEY]["losses"] else "untrained"
    st.caption(
        "Share of the sentence vector each token contributes. mean: uniform. cls: all on "
        "[CLS]. max: the fraction of the dimensions whose maximum this token holds. "
        "mean_sqrt_len: the same shares as mean, but the sum is divided by √n instead of n, so "
        "longer sentences get longer vectors (cosine ignores length, so its similarities equal "
        f"mean's). attention: the softmax weights of this session's head ({head_state})."
    )
    matrices = {
        mode: cosine_similarity_matrix(pool(tokens, mask, mode, head)) for mode in MODES
    }  # mode -> (n, n)
    st.plotly_chart(
        charts.similarity_heatmaps(matrices, pooled_texts),
        width="stretch",
        key="pooling_mode_heatmaps",
    )
    if len(pooled_texts) > 1:
        off_diagonal = ~np.eye(len(pooled_texts), dtype=bool)
        spread = ", ".join(f"{mode} {matrices[mode][off_diagonal].mean():.2f}" for mode in MODES)
        st.caption(
            "The same sentences under each pooling, numbered in input order (hover a cell for "
            f"the sentences). Mean cosine between different sentences: {spread}. A pooling "
            "whose cosines are all high separates unrelated sentences poorly."
        )

# ---------------------------------------------------------------- 4. Measured quality
st.header("4 · Measured quality of each pooling")
pairs = load_scored_pairs()
triplets = load_triplets()
pair_texts = tuple(pairs.first + pairs.second)
triplet_texts = tuple(triplets.anchor + triplets.positive + triplets.negative)
pair_tokens, pair_mask = backend.token_vectors(active.key, pair_texts, active.model)
triplet_tokens, triplet_mask = backend.token_vectors(active.key, triplet_texts, active.model)


def quality(mode: str, head: AttentionPoolingHead) -> tuple[float, float]:
    """(Spearman on the scored pairs, triplet accuracy) of one pooling mode."""
    return pooling_quality(
        pair_tokens, pair_mask, pairs.scores, triplet_tokens, triplet_mask, mode, head
    )


scores = {mode: quality(mode, head) for mode in MODES}
left, right = st.columns(2)
left.plotly_chart(
    charts.quality_bars(
        list(MODES),
        [scores[mode][0] for mode in MODES],
        axis_title="Spearman ρ",
        colors=[MODE_COLOURS[mode] for mode in MODES],
        title=f"Spearman: cosine vs human scores ({len(pairs.first)} pairs)",
    ),
    width="stretch",
    key="pooling_spearman",
)
right.plotly_chart(
    charts.quality_bars(
        list(MODES),
        [scores[mode][1] for mode in MODES],
        axis_title="accuracy",
        colors=[MODE_COLOURS[mode] for mode in MODES],
        title=f"Triplet accuracy: cos(a, p) > cos(a, n) ({len(triplets)} triplets)",
    ),
    width="stretch",
    key="pooling_triplet_accuracy",
)
best = max(("cls", "mean", "max"), key=lambda mode: scores[mode][0])
st.markdown(
    f"**Spearman ρ** ranks the {len(pairs.first)} sentence pairs by cosine and by the human-style "
    "score (0 = unrelated … 5 = same meaning, `sample_data/sts_pairs.csv`) and says how well "
    "the two rankings agree (1 = perfectly). Here mean scores "
    f"**{scores['mean'][0]:.3f}**, cls **{scores['cls'][0]:.3f}**, max "
    f"**{scores['max'][0]:.3f}**: **{best}** ranks best of the three. "
    "mean_sqrt_len ties with mean exactly: it only rescales the vector and cosine ignores length. "
    f"**Triplet accuracy** is the share of the {len(triplets)} triplets (the lesson's two and "
    "`sample_data/pooling_triplets.csv`) whose anchor is closer to its positive than to its "
    "negative."
    + (
        " The model was trained with mean pooling, so its [CLS] vector is only a by-product: it "
        "still carries meaning (self-attention mixes every token into it) but was never asked to "
        "summarise the sentence."
        if trained_mode == "mean"
        else ""
    )
)
with st.expander(f"The {len(pairs.first)} scored pairs and their mean-pooling cosines"):
    pooled = pool(pair_tokens, pair_mask, "mean")
    st.dataframe(
        pd.DataFrame(
            {
                "sentence 1": pairs.first,
                "sentence 2": pairs.second,
                "human score (0-5)": pairs.scores,
                "cosine (mean)": paired_cosine(
                    pooled[: len(pairs.first)], pooled[len(pairs.first) :]
                ),
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={"cosine (mean)": st.column_config.NumberColumn(format="%.3f")},
    )

# ---------------------------------------------------------------- 5. Attention pooling head
st.header("5 · An attention pooling head you can train")
st.markdown(
    "The lesson's third pooling choice: a small layer scores every token, "
    "`score_t = w · tanh(W h_t + b)`, a softmax over the real tokens turns the scores into "
    "weights, and the sentence vector is the weighted sum of the token vectors. A fresh head has "
    "a tiny `w`, so every score is ≈ 0 and the weights are ≈ uniform: it pools like mean. "
    f"Training fits only the head (W: {head.dense.weight.shape[0]} × "
    f"{head.dense.weight.shape[1]}, b, w) on the {len(triplets)} triplets, with the InfoNCE loss "
    "(each anchor must pick its positive among all positives and negatives, τ = 0.05). The "
    "token vectors stay frozen, and only your session's head changes."
)
controls = st.columns([2, 2, 1, 1])
steps = controls[0].slider(
    "Steps", 20, 400, key=persist("pooling_steps", 100), step=10, help="Full-batch Adam steps."
)
learning_rate = controls[1].select_slider(
    "Learning rate",
    [1e-4, 3e-4, 1e-3, 3e-3, 1e-2],
    key=persist("pooling_learning_rate", 1e-3),
    format_func=lambda value: f"{value:g}",
    help="Larger learns faster and overfits the few triplets sooner (watch the pair Spearman).",
)
train = controls[2].button("Train head", key="pooling_train", type="primary")
reset = controls[3].button("Reset head", key="pooling_reset")
record = st.session_state[HEAD_KEY]
if reset:
    del st.session_state[HEAD_KEY]
    head = session_head(active)
    record = st.session_state[HEAD_KEY]
if train:
    fresh = AttentionPoolingHead(active.info.dimension)
    before = {"fresh": quality("attention", fresh)}
    n = len(triplets)
    split = [
        (torch.as_tensor(triplet_tokens[part]), torch.as_tensor(triplet_mask[part]))
        for part in (slice(0, n), slice(n, 2 * n), slice(2 * n, 3 * n))
    ]
    bar = st.progress(0.0, text="Training the attention head…")

    def _progress(step: int, loss: float) -> None:
        if step % 5 == 0 or step == steps:
            bar.progress(step / steps, text=f"Step {step} / {steps} · loss {loss:.4f}")

    with backend.HEAVY_WORK:
        run = train_attention_head(
            fresh, *split, steps=steps, learning_rate=learning_rate, on_step=_progress
        )
    bar.empty()
    record.update(head=fresh, losses=run.losses, seconds=run.seconds, before=before)
    head = fresh
    st.rerun()  # every section above now uses the trained head

if not record["losses"]:
    fresh_shares = shares[-1] if pooled_texts else None
    if fresh_shares is not None:
        spread = float(fresh_shares[: len(focus_pieces)].max() - fresh_shares.min())
        st.info(
            f"The head is untrained: its weights on the inspected sentence span only "
            f"{spread:.4f} around uniform (1/{len(focus_pieces)} = {1 / len(focus_pieces):.3f} "
            "each). Press **Train head**."
        )
    else:
        st.info("The head is untrained. Press **Train head**.")
else:
    after = scores["attention"]
    fresh_rho, fresh_accuracy = record["before"]["fresh"]
    left, right = st.columns(2)
    left.plotly_chart(
        charts.loss_curve(record["losses"], title="InfoNCE loss per step"),
        width="stretch",
        key="pooling_loss_curve",
    )
    right.plotly_chart(
        charts.quality_bars(
            ["mean", "attention (untrained)", "attention (trained)"],
            [scores["mean"][0], fresh_rho, after[0]],
            axis_title="Spearman ρ",
            colors=[MODE_COLOURS["mean"], "#bbbbbb", MODE_COLOURS["attention"]],
            title="Spearman on the scored pairs, before and after",
        ),
        width="stretch",
        key="pooling_head_quality",
    )
    st.markdown(
        f"Trained for {len(record['losses'])} steps in {record['seconds']:.1f} s: loss "
        f"{record['losses'][0]:.4f} → {record['losses'][-1]:.4f}. Triplet accuracy "
        f"{fresh_accuracy:.3f} → {after[1]:.3f} (on the triplets it was trained on, so this "
        f"flatters it); Spearman on the {len(pairs.first)} scored pairs, which the head never "
        f"saw: {fresh_rho:.3f} → **{after[0]:.3f}** (mean: {scores['mean'][0]:.3f}). "
        "The learned weights for the sentence inspected in section 3 are the *attention* row "
        "of its share chart. With this few triplets the head quickly learns to lean on a few "
        "telltale tokens; more steps or a higher learning rate overfit and the pair Spearman "
        "drops."
        + (
            " The encoder was trained for mean pooling, so mean is a hard baseline to beat."
            if trained_mode == "mean"
            else ""
        )
    )
    if pooled_texts:
        st.plotly_chart(
            charts.token_share_heatmap(
                np.stack([shares[MODES.index("mean")], shares[-1]]),
                ["mean (uniform)", "attention (trained)"],
                focus_pieces,
            ),
            width="stretch",
            key="pooling_learned_weights",
        )

# ---------------------------------------------------------------- 6. What training buys
st.header("6 · What training buys: the same network with random weights")
st.caption(
    "Same architecture, same tokenizer, same mean pooling, but the transformer's weights are "
    "random (built locally from the model's config with a fixed seed: no download). Everything "
    "the trained model knows about meaning is in the weights it learned."
)
untrained = backend.untrained_model(active.key, 0, active.model)
untrained_key = f"untrained:{active.key}:0"
random_pairs, random_mask = backend.token_vectors(untrained_key, pair_texts, untrained)
pooled = pool(random_pairs, random_mask, "mean")
n_pairs = len(pairs.first)
random_rho = spearman(paired_cosine(pooled[:n_pairs], pooled[n_pairs:]), pairs.scores)
left, right = st.columns([3, 2])
if pooled_texts:
    random_tokens, random_token_mask = backend.token_vectors(
        untrained_key, tuple(pooled_texts), untrained
    )
    random_similarity = cosine_similarity_matrix(pool(random_tokens, random_token_mask, "mean"))
    trained_similarity = matrices["mean"]
    left.plotly_chart(
        charts.similarity_heatmaps(
            {"trained": trained_similarity, "random weights": random_similarity}, pooled_texts
        ),
        width="stretch",
        key="pooling_training_heatmaps",
    )
    off = ~np.eye(len(pooled_texts), dtype=bool)
    if len(pooled_texts) > 1:
        left.caption(
            f"Mean cosine between different sentences: trained "
            f"{trained_similarity[off].mean():.3f}, random {random_similarity[off].mean():.3f}. "
            "Random vectors all point roughly the same way, so everything looks similar."
        )
else:
    left.info("Type sentences in section 3 to compare their heatmaps here.")
right.plotly_chart(
    charts.quality_bars(
        ["trained", "random weights"],
        [scores["mean"][0], random_rho],
        axis_title="Spearman ρ",
        value_range=(min(0.0, random_rho), 1.0),
        colors=[MODE_COLOURS["mean"], "#bbbbbb"],
        title="Spearman on the scored pairs (mean pooling)",
    ),
    width="stretch",
    key="pooling_training_quality",
)
st.markdown(
    f"The randomly initialised network ranks the {n_pairs} pairs with Spearman "
    f"**{random_rho:.3f}**, the trained one **{scores['mean'][0]:.3f}**. Whatever a random "
    "network gets right comes from shared words: identical pieces get identical input vectors. "
    "Contrastive training on millions of pairs is what turns the vectors into meaning."
)
