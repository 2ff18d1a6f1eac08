"""Predict, then reveal: score a student's guesses against what the model actually says.

Two exercises: rank a few sentence pairs by how similar you expect them to be (scored with
Spearman's ρ against the model's cosines), and say which triplets are hard before the loss
table appears (scored with precision and recall against the real classes).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from components.vectors.similarity import normalize_rows

MAX_PAIR_SENTENCES = 200  # pairs are drawn among at most this many sentences (O(n^2) cosines)


@dataclass(frozen=True)
class PairRankingScore:
    """How a student's ranking of sentence pairs agrees with the model's cosines."""

    rho: float  # Spearman ρ in [-1, 1]; nan when one side has no order (all ties)
    student_ranks: np.ndarray  # (pairs,) 1 = most similar; ties share their mean rank
    model_ranks: np.ndarray  # (pairs,) the same, from the cosines
    cosines: np.ndarray  # (pairs,)
    reading: str  # one sentence for the learner

    def figures(self) -> dict[str, str]:
        """ρ for a row of metrics, signed to two decimals ("—" when there is no order)."""
        rho = "—" if np.isnan(self.rho) else f"{self.rho:+.2f}"
        return {"Spearman ρ, your order vs the model's": rho}

    def table(self, pairs: list[str]) -> dict[str, object]:
        """Columns of a table, one row per pair: its text, both ranks and the model's cosine."""
        return {
            "pair": pairs,
            "your rank": self.student_ranks,
            "model's rank": self.model_ranks,
            "cosine": self.cosines,
        }


def pick_pairs(vectors: np.ndarray, count: int = 5, seed: int = 0) -> list[tuple[int, int]]:
    """`count` pairs of different sentences whose cosines spread over the whole range.

    Pairs are taken at evenly spaced quantiles of all pair cosines (among up to
    `MAX_PAIR_SENTENCES` sentences drawn with `seed`), each sentence used at most once when
    possible, then shuffled with `seed` so their order gives nothing away.

    Args:
        vectors: (n, dim) sentence vectors.
        count: how many pairs.
        seed: the same seed gives the same pairs.

    Returns:
        (i, j) row indices with i < j; fewer than `count` when there are fewer pairs.
    """
    n = vectors.shape[0]
    if n < 2 or count < 1:
        return []
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(n, size=min(n, MAX_PAIR_SENTENCES), replace=False))
    unit = normalize_rows(np.asarray(vectors, dtype=np.float64)[rows])  # (m, dim)
    first, second = np.triu_indices(len(rows), k=1)
    cosines = np.einsum("ij,ij->i", unit[first], unit[second])  # (pairs,)
    order = np.argsort(cosines, kind="stable")
    count = min(count, len(order))
    targets = np.linspace(0, len(order) - 1, count).round().astype(int).tolist()
    window = max(1, len(order) // 20)  # how far from its quantile a pair may move
    chosen: list[int] = []
    used: set[int] = set()
    # The most similar pair first (the one students remember), then the least, then the rest.
    for target in [targets[-1], targets[0], *targets[1:-1]][: len(targets)]:
        nearest = [
            int(order[position])
            for offset in range(len(order))
            for position in dict.fromkeys((target - offset, target + offset))
            if 0 <= position < len(order) and int(order[position]) not in chosen
        ]
        fresh = [
            index
            for index in nearest[: 2 * window + 1]
            if first[index] not in used and second[index] not in used
        ]
        best = fresh[0] if fresh else nearest[0]
        chosen.append(best)
        used.update((int(first[best]), int(second[best])))
    pairs = [(int(rows[first[index]]), int(rows[second[index]])) for index in chosen]
    rng.shuffle(pairs)
    return pairs


def pair_cosines(vectors: np.ndarray, pairs: Sequence[tuple[int, int]]) -> list[float]:
    """The cosine of each pair of rows of unit `vectors` (n, dim): their dot product."""
    return [float(vectors[first] @ vectors[second]) for first, second in pairs]


def pair_names(texts: Sequence[str], pairs: Sequence[tuple[int, int]]) -> list[str]:
    """Each pair as `first ↔ second`, to label a row of a table."""
    return [f"{texts[first]} ↔ {texts[second]}" for first, second in pairs]


def score_pair_ranking(
    student_ranks: Sequence[float], cosines: Sequence[float]
) -> PairRankingScore:
    """Spearman ρ between the student's ranking and the model's.

    Args:
        student_ranks: one rank per pair, 1 = expected most similar; equal numbers are ties.
        cosines: the model's cosine of each pair, in the same order.

    Raises:
        ValueError: different lengths, fewer than two pairs, or a value that is not finite.
    """
    ranks = np.asarray(student_ranks, dtype=np.float64)
    scores = np.asarray(cosines, dtype=np.float64)
    if ranks.shape != scores.shape or ranks.ndim != 1:
        raise ValueError(f"one rank per pair: got {ranks.shape} ranks for {scores.shape} pairs")
    if len(ranks) < 2:
        raise ValueError("ranking needs at least two pairs")
    if not (np.isfinite(ranks).all() and np.isfinite(scores).all()):
        raise ValueError("ranks and cosines must be finite numbers")
    from scipy.stats import rankdata, spearmanr  # ~0.5 s import: only once a student answers

    student = rankdata(ranks, method="average")  # re-ranked: 1..n with ties averaged
    model = rankdata(-scores, method="average")  # 1 = the highest cosine
    if np.ptp(student) == 0:
        return PairRankingScore(
            float("nan"),
            student,
            model,
            scores,
            "Every pair has the same rank: there is no order to compare. "
            "Put the pair you expect to be most similar first.",
        )
    if np.ptp(model) == 0:
        return PairRankingScore(
            float("nan"),
            student,
            model,
            scores,
            "The model gives every pair the same cosine: it has no order to compare yours with.",
        )
    rho = float(spearmanr(student, model).statistic)
    return PairRankingScore(rho, student, model, scores, ranking_reading(rho))


def ranking_reading(rho: float) -> str:
    if math.isnan(rho):
        return "No order to compare."
    if rho >= 0.9:
        return "You ranked the pairs almost exactly as the model does."
    if rho >= 0.5:
        return "Mostly the model's order: look at the pairs where your rank and its rank differ."
    if rho > -0.5:
        return (
            "Your order and the model's barely agree: the model may be reading something "
            "other than what you read (shared words? the same subject?)."
        )
    return (
        "Nearly the opposite of the model's order: what you took as similar, it reads as "
        "different. Which pairs share words but not meaning?"
    )


@dataclass(frozen=True)
class GuessScore:
    """How a guess of which items are in a class compares with the real classes."""

    precision: float  # share of the guesses that were right; nan when nothing was guessed
    recall: float  # share of the real ones that were guessed; nan when there are none
    f1: float  # harmonic mean of the two; nan when either is nan, 0 when both are 0
    hits: tuple[int, ...]  # guessed and really in the class
    false_alarms: tuple[int, ...]  # guessed, but not in the class
    missed: tuple[int, ...]  # in the class, not guessed
    reading: str

    def metrics(self, precision_of: str, recall_of: str) -> dict[str, str]:
        """Precision and recall as the page's metrics ("—" where undefined)."""
        return {
            f"Precision ({precision_of})": _share(self.precision),
            f"Recall ({recall_of})": _share(self.recall),
        }

    def details(self, labels: Sequence[Any], target: str) -> str:
        """The reading, then the items missed and wrongly marked by their `labels` (e.g. the
        table's row numbers)."""
        missed = ", ".join(str(labels[i]) for i in self.missed) or "none"
        wrong = ", ".join(str(labels[i]) for i in self.false_alarms) or "none"
        return f"{self.reading} Missed rows: {missed}. Marked but not {target}: {wrong}."


def _share(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.2f}"


def score_class_guess(
    guessed: Iterable[int], classes: Sequence[str], target: Collection[str] = ("hard",)
) -> GuessScore:
    """Precision and recall of a guess of which items belong to the `target` classes.

    Args:
        guessed: indices (into `classes`) the student marked, e.g. the triplets they think are
            hard; repeats are ignored.
        classes: the real class of every item, e.g. `losses.classify(...)`.
        target: the classes that count as a hit (e.g. {"hard"} or {"hard", "semi-hard"}).

    Raises:
        ValueError: an index outside `classes`.
    """
    marked = set()
    for index in guessed:
        if not 0 <= int(index) < len(classes):
            raise ValueError(f"index {index} is outside the {len(classes)} items")
        marked.add(int(index))
    actual = {index for index, name in enumerate(classes) if name in target}
    hits = tuple(sorted(marked & actual))
    false_alarms = tuple(sorted(marked - actual))
    missed = tuple(sorted(actual - marked))
    precision = len(hits) / len(marked) if marked else float("nan")
    recall = len(hits) / len(actual) if actual else float("nan")
    if math.isnan(precision) or math.isnan(recall):
        f1 = float("nan")
    else:
        f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    names = " or ".join(sorted(target))
    if not actual and not marked:
        reading = f"Right: none of them is {names}."
    elif not actual:
        reading = (
            f"None of them is {names}: the model finds every one of them easier than you expected."
        )
    elif not marked:
        reading = (
            f"You marked none, but {len(actual)} {'is' if len(actual) == 1 else 'are'} {names}."
        )
    else:
        reading = (
            f"{len(hits)} of your {len(marked)} guesses {'was' if len(hits) == 1 else 'were'} "
            f"right (precision {precision:.2f}); you found {len(hits)} of the {len(actual)} "
            f"{names} one{'s' if len(actual) > 1 else ''} (recall {recall:.2f})."
        )
    return GuessScore(precision, recall, f1, hits, false_alarms, missed, reading)
