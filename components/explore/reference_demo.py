"""The lesson's demo (reference/sentence-encoders.md, "Demo") against what a model really says.

The lesson encodes two physics sentences and one about tacos and claims the physics pair scores
~0.6–0.8. A real paraphrase of the first sentence is added, to show what a high cosine means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from components.data.samples import PARAPHRASE, REFERENCE_DEMO_CLAIMS, load_preset
from components.vectors.similarity import cosine_similarity_matrix

DEMO_PRESET = "Reference demo: physics and tacos"


def demo_sentences() -> list[str]:
    """The lesson's three sentences (physics, physics, tacos), then the paraphrase."""
    return [*load_preset(DEMO_PRESET).texts[:3], PARAPHRASE]


@dataclass(frozen=True)
class ReferenceDemo:
    """The demo's sentences and the cosine of the first one with each of the others."""

    sentences: list[str]  # physics, physics, tacos, paraphrase
    cosines: np.ndarray  # (3,) first sentence vs the three others

    @classmethod
    def measure(cls, sentences: list[str], vectors: np.ndarray) -> ReferenceDemo:
        """The demo measured on `vectors` (4, dim), one per sentence of `demo_sentences()`."""
        return cls(list(sentences), cosine_similarity_matrix(vectors)[0, 1:4])

    def table(self) -> dict[str, list]:
        """One row per pair: its name, both sentences, the lesson's claim and the real cosine."""
        first, *others = self.sentences
        return {
            "pair": [*REFERENCE_DEMO_CLAIMS, "physics ↔ its paraphrase"],
            "sentence A": [first] * 3,
            "sentence B": others,
            "lesson claims": [*REFERENCE_DEMO_CLAIMS.values(), "(not in the lesson)"],
            "this model": self.cosines.tolist(),
        }
