"""The files shipped in `sample_data/`: the one place that knows their paths and columns.

Sentence sets for Explore, triplet tables for the Loss lab, scored pairs and triplets that measure
pooling, and the long texts of the search lab (`LONG_SAMPLE_DIR`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from components.core.paths import SAMPLE_DIR
from components.core.texts import ParsedInput, clean_texts
from components.data.triplets import COLUMNS, Triplets

LONG_SAMPLE_DIR = SAMPLE_DIR / "long"  # long texts (.md / .txt) for the search lab
STS_FILE = "sts_pairs.csv"  # sentence1, sentence2, score (0 = unrelated … 5 = same meaning)
POOLING_TRIPLET_FILES = ("reference_triplets.csv", "pooling_triplets.csv")  # measure pooling

# The reference text's demo (reference/sentence-encoders.md, "Demo") and what it claims.
REFERENCE_DEMO_CLAIMS = {
    "physics ↔ physics": "high (~0.6–0.8)",
    "physics ↔ tacos": "near zero or negative",
}


@dataclass(frozen=True)
class Preset:
    name: str
    filename: str
    description: str


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            "Reference demo: physics and tacos",
            "reference_demo.csv",
            "The three sentences of the lesson's demo code.",
        ),
        Preset(
            "Reference triplets: anchor / positive / negative",
            "reference_triplets.csv",
            "The lesson's two training triplets, coloured by role.",
        ),
        Preset(
            "Eight topics, 240 sentences",
            "multi_topic.csv",
            "Physics, cooking, football, programming, medicine, finance, music and travel, with "
            "paraphrase pairs and look-alike traps (a river bank, a bank loan).",
        ),
    )
}
DEFAULT_PRESET = "Eight topics, 240 sentences"

# Sentences the Tokens & pooling lab starts with: a word in two senses, then paraphrases.
CONTEXT_SENTENCES = (
    "We had a picnic on the bank of the river.",
    "The river bank was muddy after the storm.",
    "She asked the bank for a loan.",
    "The bank raised its interest rates again.",
    "He swung the bat and hit the ball.",
    "A bat flew out of the cave at dusk.",
)
POOLING_SENTENCES = (
    "How do I sort a list in Python?",
    "Python list sort methods?",
    "What is the GDP of Canada?",
    "Symptoms of iron-deficiency anaemia?",
    "Signs you're low on iron",
    "We had a picnic on the bank of the river.",
    "She asked the bank for a loan.",
)
PARAPHRASE = "Entangled particles behave in ways that classical physics cannot explain."

# Triplet tables of the Loss lab: name -> the files it joins.
TRIPLET_PRESETS: dict[str, tuple[str, ...]] = {
    "The lesson's two triplets": ("reference_triplets.csv",),
    "24 project triplets (some hard)": ("loss_triplets.csv",),
    "All 26": ("reference_triplets.csv", "loss_triplets.csv"),
}
DEFAULT_TRIPLET_PRESET = "All 26"


@dataclass(frozen=True)
class ScoredPairs:
    first: list[str]
    second: list[str]
    scores: np.ndarray  # (n,) human-style similarity, 0-5


def load_table(*filenames: str) -> pd.DataFrame:
    """The sample files joined into one table of strings (empty cells stay "")."""
    tables = [
        pd.read_csv(SAMPLE_DIR / name, dtype=str, keep_default_na=False) for name in filenames
    ]
    return pd.concat(tables, ignore_index=True)


def load_preset(name: str) -> ParsedInput:
    """Sentences and labels of a preset. Triplet files become one sentence per cell, label = role."""
    table = load_table(PRESETS[name].filename)
    if set(COLUMNS) <= set(table.columns):
        texts, labels = [], []
        for _, row in table.iterrows():
            for role in COLUMNS:
                texts.append(row[role])
                labels.append(role)
        return clean_texts(texts, labels)
    return clean_texts(table["text"].tolist(), table["label"].tolist())


def load_triplet_preset(name: str) -> pd.DataFrame:
    """A triplet preset as an editable table (columns anchor, positive, negative)."""
    return load_table(*TRIPLET_PRESETS[name])[list(COLUMNS)]


def load_triplets(filenames: tuple[str, ...] = POOLING_TRIPLET_FILES) -> Triplets:
    """The triplets that measure pooling (the lesson's two and `pooling_triplets.csv`)."""
    table = load_table(*filenames)
    return Triplets(
        table["anchor"].tolist(), table["positive"].tolist(), table["negative"].tolist()
    )


def load_scored_pairs(filename: str = STS_FILE) -> ScoredPairs:
    """Sentence pairs with a human-style similarity score (0 = unrelated … 5 = same meaning)."""
    table = pd.read_csv(SAMPLE_DIR / filename, dtype={"sentence1": str, "sentence2": str})
    return ScoredPairs(
        table["sentence1"].tolist(),
        table["sentence2"].tolist(),
        table["score"].to_numpy(dtype=np.float64),
    )
