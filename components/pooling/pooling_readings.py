"""What the Tokens & pooling lab's numbers say, in words: the sentences under its charts.

Each function takes the measured numbers (never computes them) and returns Markdown, so the page
shows them and tests can check that the words follow the numbers.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from components.pooling.pooling import HeadRecord, PoolingMode

Scores = Mapping[PoolingMode, tuple[float, float]]  # mode -> (Spearman, triplet accuracy)
MEAN_IS_HARD = " The encoder was trained for mean pooling, so mean is a hard baseline to beat."


def trained_note(mode: PoolingMode | None, name: str) -> str:
    """How the model `name` was trained to pool (`mode`, None when it pools its own way)."""
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


def quality_reading(scores: Scores, n_pairs: int, n_triplets: int, mean_trained: bool) -> str:
    """What the Spearman and triplet-accuracy bars of the pooling modes say."""
    best = max(("cls", "mean", "max"), key=lambda mode: scores[mode][0])
    return (
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


def head_reading(record: HeadRecord, scores: Scores, n_pairs: int, mean_trained: bool) -> str:
    """What training the attention head did: loss, triplet accuracy and pair Spearman, before
    (`record.fresh_quality`) and after (`scores["attention"]`)."""
    (fresh_rho, fresh_accuracy), (rho, accuracy) = record.fresh_quality, scores["attention"]
    return (
        f"Trained for {len(record.losses)} steps in {record.seconds:.1f} s: loss "
        f"{record.losses[0]:.4f} → {record.losses[-1]:.4f}. Triplet accuracy "
        f"{fresh_accuracy:.3f} → {accuracy:.3f} (on the triplets it was trained on, so this "
        f"flatters it); Spearman on the {n_pairs} scored pairs, which the head never saw: "
        f"{fresh_rho:.3f} → **{rho:.3f}** (mean: {scores['mean'][0]:.3f}). The learned weights "
        "for the sentence inspected in section 3 are the *attention* row of its share chart. "
        "With this few triplets the head quickly learns to lean on a few telltale tokens; more "
        "steps or a higher learning rate overfit and the pair Spearman drops."
        + (MEAN_IS_HARD if mean_trained else "")
    )


def random_weights_reading(n_pairs: int, random_rho: float, trained_rho: float) -> str:
    """The pair Spearman of the network with random weights against the trained one."""
    return (
        f"The randomly initialised network ranks the {n_pairs} pairs with Spearman "
        f"**{random_rho:.3f}**, the trained one **{trained_rho:.3f}**. Whatever a random network "
        "gets right comes from shared words: identical pieces get identical input vectors. "
        "Contrastive training on millions of pairs is what turns the vectors into meaning."
    )


def shares_caption(head_state: str) -> str:
    """What the share heatmap shows, mode by mode; `head_state` says whether the head is trained."""
    return (
        "Share of the sentence vector each token contributes. mean: uniform. cls: all on "
        "[CLS]. max: the fraction of the dimensions whose maximum this token holds. "
        "mean_sqrt_len: the same shares as mean, but the sum is divided by √n instead of n, so "
        "longer sentences get longer vectors (cosine ignores length, so its similarities equal "
        f"mean's). attention: the softmax weights of this session's head ({head_state})."
    )


def spread_caption(mean_cosines: Mapping[str, float]) -> str:
    """The mean cosine between different sentences under each pooling mode (mode -> cosine)."""
    spread = ", ".join(f"{mode} {cosine:.2f}" for mode, cosine in mean_cosines.items())
    return (
        "The same sentences under each pooling, numbered in input order (hover a cell for "
        f"the sentences). Mean cosine between different sentences: {spread}. A pooling whose "
        "cosines are all high separates unrelated sentences poorly."
    )


def head_description(hidden: int, dimension: int, n_triplets: int) -> str:
    """How the attention head pools and what training it changes (W is `hidden` x `dimension`)."""
    return (
        "The lesson's third pooling choice: a small layer scores every token, "
        "a score per token (the formula above), a softmax over the real tokens turns the scores into "
        "weights, and the sentence vector is the weighted sum of the token vectors. A fresh head "
        "has a tiny `w`, so every score is ≈ 0 and the weights are ≈ uniform: it pools like "
        f"mean. Training fits only the head (W: {hidden} × {dimension}, b, w) on the "
        f"{n_triplets} triplets, with the InfoNCE loss (each anchor must pick its "
        "positive among all positives and negatives, τ = 0.05). The token vectors stay frozen, "
        "and only your session's head changes."
    )


def untrained_head_note(weights: np.ndarray | None) -> str:
    """How far a fresh head's (tokens,) weights on one sentence are from uniform (None: no
    sentence to look at)."""
    if weights is None:
        return "The head is untrained. Press **Train head**."
    return (
        f"The head is untrained: its weights on the inspected sentence span only "
        f"{weights.max() - weights.min():.4f} around uniform (1/{len(weights)} = "
        f"{1 / len(weights):.3f} each). Press **Train head**."
    )


def random_spread_caption(trained: float, random: float) -> str:
    """Mean cosine between different sentences, trained model vs random weights."""
    return (
        f"Mean cosine between different sentences: trained {trained:.3f}, random {random:.3f}. "
        "Random vectors all point roughly the same way, so everything looks similar."
    )
