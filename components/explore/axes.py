"""Semantic axes: place every sentence between two poles you name.

A pole is one or more vectors (the vectors of words, of sentences, or of a group of points on the
map); its centre is the mean of their unit vectors. The axis runs from pole A's centre to pole B's,
and a sentence's position is the projection of its unit vector on that (normalised) direction,
measured from the midpoint: negative = the A side, positive = the B side, and the pole centres sit
at -half_length and +half_length. Unlike a UMAP or t-SNE map, an axis is a fixed linear direction
you chose, so its meaning is known, and the same sentence always lands at the same place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from components.core.texts import ParsedInput, clean_texts
from components.data.samples import load_table
from components.vectors.similarity import normalize_rows

PARALLEL_COSINE = 0.9  # two axes more aligned than this draw a squashed, misleading map
WORD_LIST_PART_MAX_WORDS = 3  # "physics, quantum, energy" is a list; a sentence has longer parts


class AxisError(ValueError):
    """An axis cannot be built from the poles given; the message is meant for the user."""


@dataclass(frozen=True)
class Axis:
    direction: np.ndarray  # (dim,) unit vector from pole A's centre towards pole B's
    origin: np.ndarray  # (dim,) midpoint of the two centres: position 0
    half_length: float  # the pole centres sit at -half_length (A) and +half_length (B)
    pole_cosine: float  # cosine between the two pole centres (1 = the poles mean the same)
    name_a: str = "A"
    name_b: str = "B"


def parse_pole(text: str) -> list[str]:
    """The items of a pole typed by the user: one word or sentence per line.

    A line of short comma-separated parts ("physics, quantum, energy") is a list of words; a line
    with longer parts ("Cooled below a certain temperature, a superconductor...") stays one
    sentence. Blank items are dropped, duplicates kept once.
    """
    items: list[str] = []
    for line in text.splitlines():
        parts = [part.strip() for part in line.split(",")]
        if len(parts) > 1 and all(
            0 < len(part.split()) <= WORD_LIST_PART_MAX_WORDS for part in parts if part
        ):
            items.extend(part for part in parts if part)
        elif line.strip():
            items.append(line.strip())
    return list(dict.fromkeys(items))


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    return normalize_rows(np.atleast_2d(np.asarray(vectors, dtype=np.float64)))  # (m, dim)


def pole_centre(vectors: np.ndarray) -> np.ndarray:
    """(m, dim) or (dim,) -> (dim,) the mean of the unit vectors of a pole."""
    rows = _unit_rows(vectors)
    if rows.shape[0] == 0:
        raise AxisError("A pole needs at least one word, sentence or point.")
    return rows.mean(axis=0)


def make_axis(pole_a: np.ndarray, pole_b: np.ndarray, name_a: str = "A", name_b: str = "B") -> Axis:
    """The axis from pole A to pole B.

    Args:
        pole_a: (m, dim) or (dim,) vectors of pole A.
        pole_b: (m', dim) or (dim,) vectors of pole B.

    Raises:
        AxisError: a pole is empty, or both poles have the same centre (no direction).
    """
    centre_a, centre_b = pole_centre(pole_a), pole_centre(pole_b)
    difference = centre_b - centre_a  # (dim,)
    length = float(np.linalg.norm(difference))
    if length < 1e-9:
        raise AxisError(
            "The two poles have the same centre, so there is no direction between them: "
            "pick poles that differ."
        )
    norm_a, norm_b = np.linalg.norm(centre_a), np.linalg.norm(centre_b)
    pole_cosine = float(centre_a @ centre_b / (norm_a * norm_b)) if norm_a and norm_b else 0.0
    return Axis(
        direction=difference / length,
        origin=(centre_a + centre_b) / 2,
        half_length=length / 2,
        pole_cosine=pole_cosine,
        name_a=name_a,
        name_b=name_b,
    )


def axis_positions(vectors: np.ndarray, axis: Axis) -> np.ndarray:
    """(n, dim) -> (n,) each unit vector's projection on the axis, 0 = halfway between the poles."""
    rows = _unit_rows(vectors)  # (n, dim)
    if rows.shape[0] == 0:
        return np.zeros(0)
    return (rows - axis.origin) @ axis.direction


@dataclass(frozen=True)
class AxisMap:
    coords: np.ndarray  # (n, 2): position on the x axis, position on the y axis
    axes_cosine: float  # cosine between the two axis directions (0 = independent)
    note: str  # a warning when the axes are nearly parallel ("" otherwise)


def axis_map(vectors: np.ndarray, x_axis: Axis, y_axis: Axis) -> AxisMap:
    """Place every sentence by its position on two axes.

    The two directions need not be orthogonal; their cosine is reported, and when it is close to
    ±1 the map is nearly one axis drawn twice (the note says so).
    """
    coords = np.stack([axis_positions(vectors, x_axis), axis_positions(vectors, y_axis)], axis=1)
    cosine = float(x_axis.direction @ y_axis.direction)
    note = ""
    if abs(cosine) > PARALLEL_COSINE:
        note = (
            f"The two axes point almost the same way (cosine {cosine:.2f}): the map is nearly a "
            "line. Choose poles that differ in another respect."
        )
    return AxisMap(coords.reshape(-1, 2), cosine, note)


# ---------------------------------------------------------------- The preset lesson


@dataclass(frozen=True)
class AxisPreset:
    """Two axes and the sentences to place on them (sample_data/axes_subject_meaning.csv)."""

    name: str
    filename: str
    x_poles: tuple[str, str]  # pole A, pole B as the user would type them
    x_names: tuple[str, str]
    y_poles: tuple[str, str]
    y_names: tuple[str, str]
    lesson: str

    def sentences(self) -> ParsedInput:
        table = load_table(self.filename)
        return clean_texts(table["text"].tolist(), table["label"].tolist())


SUBJECT_VS_MEANING = AxisPreset(
    name="Same subject vs same meaning",
    filename="axes_subject_meaning.csv",
    x_poles=(
        "Quantum entanglement defies classical intuition.",
        "Superconductors expel magnetic fields below a critical temperature.",
    ),
    x_names=("entanglement", "superconductors"),
    y_poles=(
        "food, cooking, tacos, kitchen, recipe",
        "physics, science, particles, energy, experiment",
    ),
    y_names=("food", "physics"),
    lesson=(
        "The x axis runs between the lesson's two physics sentences: same subject, different "
        "meaning. Their paraphrases land at the two ends, while other physics sentences sit in "
        "the middle, next to the taco sentences: on this axis, sharing a subject does not pull a "
        "sentence towards either pole. The y axis is built from subject words (food vs physics): "
        "along it, every physics sentence sits on the physics side. Subject and meaning are "
        "both in the vectors, in different directions; cosine between two sentences mixes them, "
        "and for this model meaning weighs most."
    ),
)
AXIS_PRESETS = {SUBJECT_VS_MEANING.name: SUBJECT_VS_MEANING}
