"""A large corpus (up to 100,000 distinct sentences) assembled offline from the shipped texts.

Scale must be testable without the internet, and `sample_data/` holds only about a thousand
sentences: the two long essays, the eight-topic preset, the STS pairs and the triplet files. This
module splits them into sentences (the *seeds*) and grows them deterministically in two ways:

- **framing**: a seed with one of a few openers ("Note: ", "From the notes: ") and closers
  (" Discuss.", " (see chapter 3)"): near-paraphrases that sit close to their seed, as repeated
  questions in a support log do;
- **splicing**: the opening clause of one seed joined to the closing clause of another seed of
  the same topic: new sentences that stay on topic (grammatical, if sometimes odd).

Every sentence carries its topic as its label. The result depends only on `n` and `seed`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from components.data.samples import SAMPLE_DIR, load_table

MAX_CORPUS = 100_000  # the largest corpus Explore accepts; the generator can give this many
ESSAYS = {
    "bread": "long/bread_and_fermentation.md",
    "lighthouses": "long/lighthouses_and_the_sea.md",
}
OPENERS = (
    "",
    "Note: ",
    "From the notes: ",
    "Key point: ",
    "In the lecture: ",
    "Quiz answer: ",
    "Reminder: ",
    "Summary: ",
    "Fact check: ",
    "Worth knowing: ",
    "From the handbook: ",
    "Question of the day: ",
    "As the guide puts it: ",
    "Class notes, week 3: ",
    "Overheard: ",
    "Reader's comment: ",
)
CLOSERS = (
    "",
    " Discuss.",
    " (see chapter 3)",
    " Is that right?",
    " This comes up often.",
    " Source: the course reader.",
    " (paraphrased)",
    " Remember this for the exam.",
    " Explain why.",
    " Many readers ask about this.",
)
SPLICE_SHARE = 0.5  # of the sentences past the seeds, this share is spliced, the rest framed
_ABBREVIATION = re.compile(r"(?:\b[A-Z]|\be\.g|\bi\.e|\bSt|\bMr|\bMrs|\bDr|\bvs|\bc)\.$")
_BREAK = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“(]?[A-Z0-9])")


@dataclass(frozen=True)
class Corpus:
    texts: list[str]  # n distinct sentences
    labels: list[str]  # the topic of each


def split_sentences(text: str) -> list[str]:
    """Prose -> sentences: breaks after . ! ? before a capital, not after initials or 'e.g.'.

    Markdown headings and lines without a full stop (titles, the licence line) are dropped.
    """
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = " ".join(paragraph.split())
        if not paragraph or paragraph.startswith("#") or paragraph.startswith("Written for"):
            continue
        start = 0
        for match in _BREAK.finditer(paragraph):
            candidate = paragraph[start : match.start()].rstrip()
            if _ABBREVIATION.search(candidate):
                continue  # "J. P. Morgan", "e.g. rye": not the end of a sentence
            sentences.append(paragraph[start : match.end()].strip())
            start = match.end()
        sentences.append(paragraph[start:].strip())
    return [sentence for sentence in sentences if sentence[-1:] in '.!?"”’)']


@lru_cache(maxsize=1)
def seed_sentences() -> tuple[tuple[str, str], ...]:
    """Every distinct shipped sentence with its topic: (text, label) pairs, file order."""
    pairs: list[tuple[str, str]] = []
    for label, filename in ESSAYS.items():
        text = (SAMPLE_DIR / filename).read_text(encoding="utf-8")
        pairs += [(sentence, label) for sentence in split_sentences(text)]
    topics = load_table("multi_topic.csv")
    pairs += list(zip(topics["text"], topics["label"], strict=True))
    sts = load_table("sts_pairs.csv")
    pairs += [(text, "everyday") for text in [*sts["sentence1"], *sts["sentence2"]]]
    for filename in ("loss_triplets.csv", "pooling_triplets.csv", "reference_triplets.csv"):
        table = load_table(filename)
        pairs += [(text, "questions") for column in table.columns for text in table[column]]
    seen: set[str] = set()
    unique = []
    for text, label in pairs:
        text = text.strip()
        if len(text.split()) >= 3 and text not in seen:
            seen.add(text)
            unique.append((text, label))
    return tuple(unique)


def _halves(sentence: str) -> tuple[str, str] | None:
    """(opening clause, closing clause) split at the comma nearest the middle, if any."""
    body = sentence.rstrip(".!?")
    commas = [match.start() for match in re.finditer(r", ", body)]
    if not commas or sentence[-1:] != ".":
        return None
    middle = min(commas, key=lambda position: abs(position - len(body) / 2))
    head, tail = body[:middle], body[middle + 2 :]
    if len(head.split()) < 3 or len(tail.split()) < 3:
        return None
    return head, tail


def _spliced(
    seeds: tuple[tuple[str, str], ...], count: int, rng: np.random.Generator, taken: set[str]
) -> list[tuple[str, str]]:
    """`count` new sentences: a head of one seed + the tail of another seed of the same topic."""
    by_topic: dict[str, list[tuple[str, str]]] = {}
    for text, label in seeds:
        halves = _halves(text)
        if halves:
            by_topic.setdefault(label, []).append(halves)
    topics = sorted(by_topic)
    weights = np.array([len(by_topic[topic]) ** 2 for topic in topics], dtype=float)
    out: list[tuple[str, str]] = []
    attempts = 0
    while len(out) < count and attempts < 20 * count + 100:
        attempts += 1
        topic = topics[rng.choice(len(topics), p=weights / weights.sum())]
        halves = by_topic[topic]
        first, second = rng.integers(len(halves), size=2)
        if first == second:
            continue
        text = f"{halves[first][0]}, {halves[second][1]}."
        if text not in taken:
            taken.add(text)
            out.append((text, topic))
    return out


def _framed(
    seeds: tuple[tuple[str, str], ...], count: int, rng: np.random.Generator, taken: set[str]
) -> list[tuple[str, str]]:
    """`count` seeds with an opener and/or closer, drawn without repetition."""
    combinations = len(seeds) * len(OPENERS) * len(CLOSERS)
    out: list[tuple[str, str]] = []
    for code in rng.permutation(combinations):
        if len(out) == count:
            break
        seed_index, rest = divmod(int(code), len(OPENERS) * len(CLOSERS))
        opener, closer = OPENERS[rest // len(CLOSERS)], CLOSERS[rest % len(CLOSERS)]
        if not opener and not closer:
            continue  # that is the seed itself
        text, label = seeds[seed_index]
        framed = f"{opener}{text}{closer}"
        if framed not in taken:
            taken.add(framed)
            out.append((framed, label))
    return out


def generate_corpus(n: int, seed: int = 0) -> Corpus:
    """`n` distinct sentences (1 <= n <= MAX_CORPUS) with their topics, the same for the same seed.

    The shipped sentences come first (all of them when n allows), then framed and spliced ones,
    shuffled together.
    """
    if not 1 <= n <= MAX_CORPUS:
        raise ValueError(f"n must be between 1 and {MAX_CORPUS:,}, not {n:,}")
    rng = np.random.default_rng(seed)
    seeds = seed_sentences()
    if n <= len(seeds):
        chosen = [seeds[i] for i in np.sort(rng.choice(len(seeds), size=n, replace=False))]
        return Corpus([text for text, _ in chosen], [label for _, label in chosen])
    taken = {text for text, _ in seeds}
    extra = n - len(seeds)
    spliced = _spliced(seeds, int(extra * SPLICE_SHARE), rng, taken)
    framed = _framed(seeds, extra - len(spliced), rng, taken)
    grown = spliced + framed
    if len(grown) < extra:  # cannot happen with the shipped files; a guard if they shrink
        raise ValueError(f"only {len(seeds) + len(grown):,} distinct sentences can be made")
    order = rng.permutation(len(grown))
    pairs = list(seeds) + [grown[i] for i in order]
    return Corpus([text for text, _ in pairs], [label for _, label in pairs])
