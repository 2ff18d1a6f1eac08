"""What the room's three activities compute from the class's answers and the model's vectors.

(1) Predict a cosine: the class's guesses against the model's cosine, and a line on what the gap
teaches. (2) Sentences on a shared map: for each student's sentence, its nearest sentence by
another student. (3) Vote on a triplet: which of two sentences is closer to the anchor, counted,
against the model's answer. Pure functions: the page gets the vectors and draws the charts.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np

from components.core.paths import SAMPLE_DIR

KIND_NAMES = {
    "cosine": "Predict a cosine",
    "map": "Sentences on a shared map",
    "triplet": "Vote on a triplet",
}
GAP_CLOSE = 0.1  # a class mean this close to the model's cosine "read the model well"
GAP_FAR = 0.3  # past this, the gap is the lesson


@dataclass(frozen=True)
class GuessSummary:
    count: int
    mean: float  # nan without guesses
    median: float
    spread: float  # standard deviation of the guesses


def summarize_guesses(values: list[float]) -> GuessSummary:
    if not values:
        return GuessSummary(0, float("nan"), float("nan"), float("nan"))
    array = np.asarray(values, dtype=np.float64)
    return GuessSummary(
        len(array), float(array.mean()), float(np.median(array)), float(array.std())
    )


def cosine_lesson(mean_guess: float, model_cosine: float) -> str:
    """One line on what the gap between the class's mean guess and the model's cosine teaches."""
    if not np.isfinite(mean_guess):
        return f"Nobody guessed; the model's cosine is {model_cosine:.2f}."
    gap = mean_guess - model_cosine
    head = f"The class guessed {mean_guess:.2f} on average; the model says {model_cosine:.2f}."
    if abs(gap) <= GAP_CLOSE:
        return f"{head} You read the model well: for this pair, what you call similar is what it encodes."
    if gap > GAP_FAR:
        return (
            f"{head} The class expected much more: sharing a topic or words is not sharing "
            "meaning. The model was trained to pull paraphrases together, and two sentences "
            "about one subject that say different things are not paraphrases."
        )
    if gap < -GAP_FAR:
        return (
            f"{head} The model finds them closer than you did: it sees shared structure and "
            "meaning beneath different words (paraphrases score high even with no word in common)."
        )
    direction = "higher" if gap > 0 else "lower"
    return (
        f"{head} The class guessed a little {direction}: cosines of unrelated sentences sit near "
        "0 for this model, paraphrases near 0.8-0.9; most pairs fall in between."
    )


def triplet_lesson(votes: list[float], cosines: tuple[float, float]) -> str:
    """One line on the class's vote against the model's answer (`cosines`: anchor to the first
    and to the second sentence)."""
    model_pick = 0 if cosines[0] >= cosines[1] else 1
    names = ("the first", "the second")
    head = (
        f"The model puts {names[model_pick]} sentence closer to the anchor "
        f"(cosines {cosines[0]:.2f} and {cosines[1]:.2f})."
    )
    if not votes:
        return head
    agree = sum(1 for vote in votes if int(vote) == model_pick) / len(votes)
    if agree >= 0.5:
        return f"{head} {agree:.0%} of the class agree with it."
    return (
        f"{head} Only {agree:.0%} of the class agree: shared words can fool people and models "
        "differently; this is the kind of triplet fine-tuning (the Loss lab) is made for."
    )


@dataclass(frozen=True)
class CrossPair:
    row: int  # a sentence
    neighbour: int  # its nearest sentence by another student
    cosine: float


def cross_student_pairs(vectors: np.ndarray, owners: list[int], limit: int = 10) -> list[CrossPair]:
    """For each sentence, its nearest sentence sent by another student; the `limit` closest
    pairs, each pair once, best first.

    Args:
        vectors: (n, dim) unit-length vectors of the sentences.
        owners: (n,) the student id of each sentence.
    """
    n = len(owners)
    if n < 2:
        return []
    owner = np.asarray(owners)
    similarity = np.asarray(vectors, dtype=np.float32) @ np.asarray(vectors, dtype=np.float32).T
    similarity[owner[:, None] == owner[None, :]] = -np.inf  # same student (and itself)
    best = similarity.argmax(axis=1)
    seen: set[tuple[int, int]] = set()
    pairs = []
    for row in np.argsort(-similarity[np.arange(n), best]):
        neighbour = int(best[row])
        score = float(similarity[row, neighbour])
        key = (min(int(row), neighbour), max(int(row), neighbour))
        if not np.isfinite(score) or key in seen:
            continue
        seen.add(key)
        pairs.append(CrossPair(int(row), neighbour, score))
        if len(pairs) >= limit:
            break
    return pairs


def preset_pairs() -> list[tuple[str, str]]:
    """Sentence pairs the teacher can pick: the lesson's physics/tacos demo, then the STS pairs."""
    pairs = [
        (
            "Quantum entanglement defies classical intuition.",
            "Superconductors expel magnetic fields below a critical temperature.",
        ),
        (
            "Quantum entanglement defies classical intuition.",
            "The taco truck arrives every Tuesday.",
        ),
    ]
    with open(SAMPLE_DIR / "sts_pairs.csv", newline="", encoding="utf-8") as file:
        pairs += [(row["sentence1"], row["sentence2"]) for row in csv.DictReader(file)]
    return list(dict.fromkeys(pairs))


def preset_triplets() -> list[tuple[str, str, str]]:
    """Triplets the teacher can pick (anchor, first, second), from the Loss lab's sample set; the
    positive is first or second by turns so the position gives nothing away."""
    found = []
    with open(SAMPLE_DIR / "loss_triplets.csv", newline="", encoding="utf-8") as file:
        for number, row in enumerate(csv.DictReader(file)):
            pair = (row["positive"], row["negative"])
            first, second = pair if number % 2 else pair[::-1]
            found.append((row["anchor"], first, second))
    return found
