"""What each page of the lab can share: its inputs as typed, bounded, versioned settings.

A page's state is a frozen dataclass. Each field carries a `Spec` in its metadata (its type and
bounds), so links (`components.state.share_links`) and lesson files (`components.state.lessons`) validate
untrusted data the same way: `state_from_mapping` checks field by field, a bad field gets its
default and a `Message` naming it, and nothing raises.

Uploaded files are not part of a page's state (a link cannot carry a file); neither is the model
picked in the sidebar beyond its name (a link never makes the server load a model), nor which
cross-encoder the search page uses (same reason).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from components.core import limits
from components.core.texts import Message
from components.data import triplets as triplet_tables
from components.data.documents import sample_names
from components.data.samples import (
    CONTEXT_SENTENCES,
    DEFAULT_PRESET,
    DEFAULT_TRIPLET_PRESET,
    POOLING_SENTENCES,
    PRESETS,
    TRIPLET_PRESETS,
)
from components.pooling.tokens import EXAMPLES
from components.retrieval.rerank import RERANKERS
from components.vectors.index import DEFAULT_EF_SEARCH
from components.vectors.losses import LOSS_NAMES

STATE_VERSION = 1  # raise when a field changes meaning or default; links and lessons carry it

# ---------------------------------------------------------------- the pages' option lists
# Widgets and the schema read these, so a link can only hold a value the page can show.
EXPLORE_ORDERS = ("Clustered", "Input order")
PROJECTION_METHODS = ("umap", "pca", "tsne")
TAUS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
TRAIN_LEARNING_RATES = (1e-5, 2e-5, 5e-5, 1e-4, 2e-4)
HEAD_LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2)
BOOK_POOLINGS = ("mean", "attention")
DEFAULT_QUERY = "How does a glass lens make a lighthouse beam visible far away?"
MAX_MODEL_WINDOW = 8_192  # largest window (tokens) a link may ask for; pages clamp to the model's


# ---------------------------------------------------------------- specs: type and bounds
@dataclass(frozen=True)
class Text:
    """A string of at most `max_chars` characters (valid Unicode); None allowed when optional."""

    max_chars: int
    optional: bool = False

    def check(self, value: Any) -> tuple[Any, str | None]:
        if value is None and self.optional:
            return None, None
        if not isinstance(value, str):
            return None, f"should be text, not {_kind(value)}"
        if len(value) > self.max_chars:
            return None, f"has {len(value):,} characters, over the limit of {self.max_chars:,}"
        if not _is_unicode(value):
            return None, "is not valid Unicode text"
        return value, None

    def parse(self, raw: str) -> tuple[Any, str | None]:
        return self.check(raw)


@dataclass(frozen=True)
class Choice:
    """One of a fixed tuple of options (strings, ints or floats)."""

    options: tuple

    def check(self, value: Any) -> tuple[Any, str | None]:
        for option in self.options:
            if _same_option(option, value):
                return option, None
        shown = ", ".join(_format_option(option) for option in self.options[:8])
        more = " …" if len(self.options) > 8 else ""
        return None, f"is {_short(value)}, not one of: {shown}{more}"

    def parse(self, raw: str) -> tuple[Any, str | None]:
        for option in self.options:
            if raw == _format_option(option):
                return option, None
        if any(isinstance(option, float) for option in self.options):
            number = _float(raw)
            if number is not None:
                return self.check(number)
        return self.check(raw)


@dataclass(frozen=True)
class Whole:
    """An integer in [low, high]; None allowed when optional (the page's own default)."""

    low: int
    high: int
    optional: bool = False

    def check(self, value: Any) -> tuple[Any, str | None]:
        if value is None and self.optional:
            return None, None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            return None, f"should be a whole number, not {_kind(value)}"
        if not self.low <= value <= self.high:
            return None, f"is {_short(value)}, outside {self.low:,}–{self.high:,}"
        return value, None

    def parse(self, raw: str) -> tuple[Any, str | None]:
        text = raw.strip()
        digits = text[1:] if text.startswith("-") else text
        if len(text) > 12 or not (digits.isascii() and digits.isdigit()):
            return None, f"is {_short(raw)}, not a whole number"
        return self.check(int(text))


@dataclass(frozen=True)
class Real:
    """A finite number in [low, high]."""

    low: float
    high: float

    def check(self, value: Any) -> tuple[Any, str | None]:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, f"should be a number, not {_kind(value)}"
        value = float(value)
        if not math.isfinite(value) or not self.low <= value <= self.high:
            return None, f"is {_short(value)}, outside {self.low:g}–{self.high:g}"
        return value, None

    def parse(self, raw: str) -> tuple[Any, str | None]:
        number = _float(raw)
        if number is None:
            return None, f"is {_short(raw)}, not a number"
        return self.check(number)


@dataclass(frozen=True)
class Flag:
    """True or False."""

    def check(self, value: Any) -> tuple[Any, str | None]:
        if isinstance(value, bool):
            return value, None
        return None, f"should be true or false, not {_kind(value)}"

    def parse(self, raw: str) -> tuple[Any, str | None]:
        word = raw.strip().lower()
        if word in ("1", "true", "yes", "on"):
            return True, None
        if word in ("0", "false", "no", "off"):
            return False, None
        return None, f"is {_short(raw)}, not 1 or 0"


@dataclass(frozen=True)
class Subset:
    """Some of a fixed tuple of names, in any order, each at most once."""

    options: tuple[str, ...]

    def check(self, value: Any) -> tuple[Any, str | None]:
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            return None, f"should be a list of names, not {_kind(value)}"
        unknown = [name for name in value if name not in self.options]
        if unknown:
            return (
                None,
                f"names {_short(unknown[0])}, which is not one of {', '.join(self.options)}",
            )
        return tuple(dict.fromkeys(value)), None

    def parse(self, raw: str) -> tuple[Any, str | None]:
        return self.check([name for name in raw.split(",") if name] if raw else [])


@dataclass(frozen=True)
class Rows:
    """A table of text cells: at most `max_rows` rows of len(columns) cells of `max_chars`."""

    columns: tuple[str, ...]
    max_rows: int
    max_chars: int
    optional: bool = False

    def check(self, value: Any) -> tuple[Any, str | None]:
        if value is None and self.optional:
            return None, None
        if not isinstance(value, list | tuple):
            return None, f"should be a list of rows, not {_kind(value)}"
        if len(value) > self.max_rows:
            return None, f"has {len(value):,} rows, over the limit of {self.max_rows:,}"
        rows = []
        for number, row in enumerate(value, start=1):
            if not isinstance(row, list | tuple) or len(row) != len(self.columns):
                return (
                    None,
                    f"row {number} should be {len(self.columns)} texts ({', '.join(self.columns)})",
                )
            for cell in row:
                if not isinstance(cell, str):
                    return None, f"row {number} has {_kind(cell)} where a text belongs"
                if len(cell) > self.max_chars:
                    return None, f"row {number} has a cell over {self.max_chars:,} characters"
                if not _is_unicode(cell):
                    return None, f"row {number} is not valid Unicode text"
            rows.append(tuple(row))
        return tuple(rows), None

    def parse(self, raw: str) -> tuple[Any, str | None]:
        return None, "is a table and cannot be written as plain text"


Spec = Text | Choice | Whole | Real | Flag | Subset | Rows


def setting(default: Any, spec: Spec, doc: str = "") -> Any:
    """A dataclass field with its spec (and a one-line meaning) in the metadata."""
    return field(default=default, metadata={"spec": spec, "doc": doc})


def spec_of(state_type: type, name: str) -> Spec:
    return state_type.__dataclass_fields__[name].metadata["spec"]


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        tuple: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def _is_unicode(text: str) -> bool:
    """False for text that cannot be UTF-8 (a lone surrogate, e.g. from a crafted link)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _short(value: Any, width: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _float(raw: str) -> float | None:
    if len(raw) > 40:
        return None
    try:
        number = float(raw)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _same_option(option: Any, value: Any) -> bool:
    if isinstance(value, bool) or isinstance(option, bool):
        return option is value
    if isinstance(option, float) and isinstance(value, int | float):
        return math.isfinite(value) and math.isclose(option, value, rel_tol=1e-9, abs_tol=0.0)
    return type(option) is type(value) and option == value


def _format_option(option: Any) -> str:
    return repr(option) if isinstance(option, float) else str(option)


# ---------------------------------------------------------------- the pages
@dataclass(frozen=True)
class ExploreState:
    """🔭 Explore: the sentences, the heatmap order, the map and the neighbour list."""

    PAGE: ClassVar[str] = "explore"
    SCRIPT: ClassVar[str] = "pages/1_Explore.py"

    preset: str = setting(DEFAULT_PRESET, Choice(tuple(PRESETS)), "the preset picked")
    sentences: str | None = setting(
        None,
        Text(limits.EXPLORE_CHARS, optional=True),
        "one sentence per line; null = the preset's own",
    )
    order: str = setting("Clustered", Choice(EXPLORE_ORDERS), "heatmap row order")
    method: str = setting("umap", Choice(PROJECTION_METHODS), "map projection")
    dims: int = setting(2, Choice((2, 3)), "map dimensions")
    n_neighbors: int = setting(15, Whole(2, 100), "UMAP neighbours")
    min_dist: float = setting(0.1, Real(0.0, 0.99), "UMAP minimum distance")
    perplexity: int = setting(30, Whole(2, 100), "t-SNE perplexity")
    focus: str | None = setting(
        None,
        Text(limits.SENTENCE_CHARS, optional=True),
        "sentence whose neighbours are listed; null = the first",
    )
    k: int = setting(5, Whole(1, 20), "neighbours listed")


@dataclass(frozen=True)
class TokensState:
    """🧩 Tokens & pooling: the tokenizer text, the words followed, the pooled sentences."""

    PAGE: ClassVar[str] = "tokens"
    SCRIPT: ClassVar[str] = "pages/2_Tokens_and_Pooling.py"

    example: str = setting(next(iter(EXAMPLES)), Choice(tuple(EXAMPLES)), "example picked")
    text: str = setting(
        EXAMPLES[next(iter(EXAMPLES))], Text(limits.TOKENS_CHARS), "text to tokenize"
    )
    words: str = setting(
        "bank, bat", Text(limits.WORDS_BOX_CHARS), "words to follow, comma-separated"
    )
    context: str = setting(
        "\n".join(CONTEXT_SENTENCES), Text(limits.SMALL_BOX_CHARS), "sentences with the words"
    )
    map_special: bool = setting(False, Flag(), "show [CLS]/[SEP] on the token map")
    sentences: str = setting(
        "\n".join(POOLING_SENTENCES), Text(limits.SMALL_BOX_CHARS), "sentences to pool"
    )
    focus: str | None = setting(
        None, Text(limits.SENTENCE_CHARS, optional=True), "sentence looked inside; null = the first"
    )
    steps: int = setting(100, Whole(20, limits.HEAD_STEPS), "attention-head training steps")
    learning_rate: float = setting(1e-3, Choice(HEAD_LEARNING_RATES), "head learning rate")


@dataclass(frozen=True)
class LossState:
    """🎯 Loss lab: the triplets, the three losses' knobs and the training settings."""

    PAGE: ClassVar[str] = "loss"
    SCRIPT: ClassVar[str] = "pages/3_Loss_Lab.py"

    preset: str = setting(
        DEFAULT_TRIPLET_PRESET, Choice(tuple(TRIPLET_PRESETS)), "the preset picked"
    )
    triplets: tuple[tuple[str, str, str], ...] | None = setting(
        None,
        Rows(
            triplet_tables.COLUMNS,
            limits.TABLE_ROWS,
            limits.SENTENCE_CHARS,
            optional=True,
        ),
        "anchor, positive, negative rows; null = the preset's own",
    )
    margin: float = setting(0.5, Real(-1.0, 1.0), "cosine-margin m")
    alpha: float = setting(0.2, Real(0.0, 1.0), "triplet margin α")
    tau: float = setting(0.05, Choice(TAUS), "InfoNCE temperature τ")
    use_negatives: bool = setting(True, Flag(), "explicit negatives join the softmax")
    focus: int = setting(0, Whole(0, limits.TRIPLETS - 1), "anchor of the softmax")
    train_loss: str = setting("triplet", Choice(tuple(LOSS_NAMES)), "loss to train with")
    epochs: int = setting(3, Whole(1, limits.EPOCHS), "training epochs")
    batch_size: int = setting(8, Whole(2, 32), "triplets per step")
    learning_rate: float = setting(5e-5, Choice(TRAIN_LEARNING_RATES), "AdamW learning rate")
    held_out: int | None = setting(
        None,
        Whole(0, limits.TABLE_ROWS // 2, optional=True),
        "triplets kept out of training; null = a quarter of the table",
    )


@dataclass(frozen=True)
class SearchState:
    """🔎 Long text & search: documents, chunking, the index, the query and re-ranking."""

    PAGE: ClassVar[str] = "search"
    SCRIPT: ClassVar[str] = "pages/4_Search_Long_Text.py"

    samples: tuple[str, ...] = setting(
        tuple(sample_names()), Subset(tuple(sample_names())), "shipped texts used"
    )
    paste: str = setting("", Text(limits.PASTE_DOCUMENT_CHARS), "a pasted document")
    window: int | None = setting(
        None,
        Whole(20, MAX_MODEL_WINDOW, optional=True),
        "tokens per chunk; null = the model's window minus its special tokens",
    )
    overlap: int = setting(32, Whole(0, MAX_MODEL_WINDOW), "tokens shared by neighbouring chunks")
    view_document: int = setting(0, Whole(0, 99), "document whose chunks are shown")
    ef_search: int = setting(DEFAULT_EF_SEARCH, Whole(1, 256), "HNSW efSearch")
    k: int = setting(5, Whole(1, 20), "results per query")
    query: str = setting(DEFAULT_QUERY, Text(limits.QUERY_CHARS), "the question")
    reranker: str = setting(RERANKERS[0], Choice(RERANKERS), "re-ranker")
    candidates: int = setting(20, Whole(2, 50), "candidates handed to the re-ranker")
    mmr_lambda: float = setting(0.5, Real(0.0, 1.0), "MMR λ")
    pooling: str = setting("mean", Choice(BOOK_POOLINGS), "book-vector pooling")
    temperature: float = setting(0.05, Real(0.01, 1.0), "attention temperature")


@dataclass(frozen=True)
class GlossaryState:
    """📖 Glossary: the search box."""

    PAGE: ClassVar[str] = "glossary"
    SCRIPT: ClassVar[str] = "pages/6_Glossary.py"

    query: str = setting("", Text(200), "search text")


PageState = ExploreState | TokensState | LossState | SearchState | GlossaryState
PAGE_STATES: dict[str, type] = {
    state.PAGE: state
    for state in (ExploreState, TokensState, LossState, SearchState, GlossaryState)
}
PageId = Literal["explore", "tokens", "loss", "search", "glossary"]


@dataclass(frozen=True)
class LabState:
    """Every page's state at once: what a lesson file holds."""

    explore: ExploreState = field(default_factory=ExploreState)
    tokens: TokensState = field(default_factory=TokensState)
    loss: LossState = field(default_factory=LossState)
    search: SearchState = field(default_factory=SearchState)
    glossary: GlossaryState = field(default_factory=GlossaryState)

    def page(self, page: str) -> PageState:
        return getattr(self, page)

    def with_page(self, state: PageState) -> LabState:
        return dataclasses.replace(self, **{state.PAGE: state})


# ---------------------------------------------------------------- conversion and validation
def to_mapping(state: PageState) -> dict[str, Any]:
    """A JSON-ready dict of every field (tuples become lists)."""
    return {item.name: _jsonable(getattr(state, item.name)) for item in dataclasses.fields(state)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(item) for item in value]
    return value


def changed_fields(state: PageState) -> dict[str, Any]:
    """The fields whose value differs from the page's default, in schema order."""
    default = type(state)()
    return {
        item.name: getattr(state, item.name)
        for item in dataclasses.fields(state)
        if getattr(state, item.name) != getattr(default, item.name)
    }


def check_field(state_type: type, name: str, value: Any, where: str) -> tuple[Any, Message | None]:
    """Validate one value for `state_type.name`: (value, None) or (default, a message)."""
    spec = spec_of(state_type, name)
    checked, problem = spec.check(value)
    if problem is None:
        return checked, None
    return _default_with(state_type, name, where, problem)


def parse_field(state_type: type, name: str, raw: str, where: str) -> tuple[Any, Message | None]:
    """Parse one plain-text value (a link parameter) for `state_type.name`."""
    checked, problem = spec_of(state_type, name).parse(raw)
    if problem is None:
        return checked, None
    return _default_with(state_type, name, where, problem)


def _default_with(state_type: type, name: str, where: str, problem: str) -> tuple[Any, Message]:
    default = state_type.__dataclass_fields__[name].default
    shown = "the preset's own" if default is None else _short(_jsonable(default), 30)
    return default, Message("warning", f"`{where}{name}` {problem}: the default ({shown}) is used.")


def state_from_mapping(
    state_type: type, data: Any, where: str = ""
) -> tuple[PageState, list[Message]]:
    """A page state from untrusted JSON-like data: every bad or unknown field is a message.

    Args:
        state_type: one of the page state classes.
        data: a dict of field name -> JSON value (missing fields take their defaults).
        where: a prefix for messages, e.g. "pages.explore." in a lesson file.
    """
    if not isinstance(data, Mapping):
        return state_type(), [
            Message(
                "warning",
                f"`{where.rstrip('.') or 'state'}` should be an object of "
                f"settings, not {_kind(data)}: the page's defaults are used.",
            )
        ]
    names = {item.name for item in dataclasses.fields(state_type)}
    values: dict[str, Any] = {}
    messages: list[Message] = []
    for key, value in data.items():
        if key not in names:
            messages.append(unknown_setting(where, key))
            continue
        values[key], message = check_field(state_type, key, value, where)
        if message:
            messages.append(message)
    return state_type(**values), messages


def unknown_setting(where: str, key: Any) -> Message:
    name = str(key) if len(str(key)) <= 30 else str(key)[:29] + "…"
    return Message("warning", f"`{where}{name}` is not a setting of this page: ignored.")
