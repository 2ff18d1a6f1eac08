"""The sentence sets shipped in `sample_data/`, offered as presets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from components.texts import ParsedInput, clean_texts

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"

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


def load_table(filename: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE_DIR / filename, dtype=str, keep_default_na=False)


def load_preset(name: str) -> ParsedInput:
    """Sentences and labels of a preset. Triplet files become one sentence per cell, label = role."""
    table = load_table(PRESETS[name].filename)
    if {"anchor", "positive", "negative"} <= set(table.columns):
        texts, labels = [], []
        for _, row in table.iterrows():
            for role in ("anchor", "positive", "negative"):
                texts.append(row[role])
                labels.append(role)
        return clean_texts(texts, labels)
    return clean_texts(table["text"].tolist(), table["label"].tolist())
