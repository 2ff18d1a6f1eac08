"""What the room store hands out and takes in: the activity kinds, the records read back
(students, sentences, predictions, activities, a room's status) and the checks of what people
type (names, sentences, prompts, answers), refused with an `InputError` whose message never repeats
what a student typed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from components.core import limits
from components.core.texts import InputError

COSINE, MAP, TRIPLET = "cosine", "map", "triplet"
KINDS = (COSINE, MAP, TRIPLET)


@dataclass(frozen=True)
class Student:
    id: int
    name: str
    joined_at: float
    active: bool  # False once the student has left


@dataclass(frozen=True)
class Sentence:
    id: int
    student_id: int
    name: str  # the student's name
    text: str
    label: str  # the label of the map activity it was sent to ("" for none)
    activity_id: int | None


@dataclass(frozen=True)
class Prediction:
    student_id: int
    name: str
    value: float


@dataclass(frozen=True)
class Activity:
    id: int
    kind: str  # COSINE, MAP or TRIPLET
    prompt: dict[str, str]
    label: str
    started_at: float
    revealed: bool
    answer: float | None  # the model's answer, once revealed


@dataclass(frozen=True)
class RoomStatus:
    code: str
    created_at: float
    last_used: float
    closed: bool
    expired: bool

    @property
    def open(self) -> bool:
        return not self.closed and not self.expired


# ---------------------------------------------------------------- checks of what people type
def _no_nul(text: str, what: str) -> None:
    if "\x00" in text:
        raise InputError(f"{what} contains a NUL character (code 0), which cannot be stored.")


def clean_name(name: object) -> str:
    """A student's name with its whitespace collapsed.

    Raises:
        InputError: empty, too long or with a NUL character.
    """
    text = " ".join(str(name if name is not None else "").split())
    if not text:
        raise InputError("Type a name your class will recognise (no account is needed).")
    _no_nul(text, "The name")
    if len(text) > limits.ROOM_NAME_CHARS:
        raise InputError(
            f"The name has {len(text):,} characters; the limit is "
            f"{limits.LIMITS['ROOM_NAME_CHARS'].text}."
        )
    return text


def clean_texts(texts: Sequence[str] | str, *, what: str = "Sentence") -> list[str]:
    """Sentences stripped, blank ones dropped.

    Raises:
        InputError: none left, one too long or with a NUL character.
    """
    if isinstance(texts, str):
        texts = [texts]
    kept = []
    for number, text in enumerate(texts, start=1):
        text = str(text).strip()
        if not text:
            continue
        _no_nul(text, f"{what} {number}")
        if len(text) > limits.ROOM_SENTENCE_CHARS:
            raise InputError(
                f"{what} {number} has {len(text):,} characters; the limit is "
                f"{limits.LIMITS['ROOM_SENTENCE_CHARS'].text}."
            )
        kept.append(text)
    if not kept:
        raise InputError("Type at least one sentence.")
    return kept


def clean_prompt(kind: str, prompt: dict[str, str]) -> dict[str, str]:
    """The prompt of a new activity, each field checked like a sentence."""
    fields = {COSINE: ("a", "b"), TRIPLET: ("anchor", "first", "second"), MAP: ("question",)}
    if kind not in fields:
        raise InputError(f"Unknown activity {kind!r}: one of {', '.join(KINDS)}.")
    cleaned = {}
    for name in fields[kind]:
        value = str(prompt.get(name, "") or "").strip()
        if not value and kind == MAP:
            cleaned[name] = ""
            continue
        cleaned[name] = clean_texts([value], what=f"The {name} sentence")[0]
    return cleaned


def check_value(kind: str, value: object) -> float:
    """A student's answer to an activity: a cosine in [-1, 1], or a vote 0 (first) / 1 (second)."""
    if kind == MAP:
        raise InputError("This activity takes sentences, not a guess: send sentences instead.")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if kind == COSINE and not (math.isfinite(number) and -1.0 <= number <= 1.0):
        raise InputError("A cosine guess is a number from -1 to 1.")
    if kind == TRIPLET and number not in (0.0, 1.0):
        raise InputError("A vote is 0 (the first sentence is closer) or 1 (the second is).")
    return number
