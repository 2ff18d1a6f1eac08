"""What the Tokens & pooling lab's numbers say, in words: the sentences under its charts.

Each function takes the measured numbers (never computes them) and returns Markdown, so the page
shows them and tests can check that the words follow the numbers.
"""

from __future__ import annotations

from collections.abc import Mapping

from components.pooling import HeadRecord, PoolingMode

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
