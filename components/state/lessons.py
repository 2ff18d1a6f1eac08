"""Lesson files: the whole lab (every page's inputs) as one versioned JSON file.

A lesson is what a teacher prepares and a student hands back:

```json
{"schema": "sentence-embedding-lab/lesson", "version": 1,
 "title": "...", "what_to_try": "...", "what_to_notice": "...",
 "start_page": "explore", "model": "sentence-transformers/all-MiniLM-L6-v2",
 "pages": {"explore": {...}, "tokens": {...}, "loss": {...}, "search": {...}, "glossary": {...}}}
```

A page or setting left out takes its default, so a lesson written by hand can be short. Loading
validates everything against `components.state.page_state` and never raises: what is wrong becomes a
message naming the field (`pages.explore.n_neighbors`), and a file that is not a lesson at all
gives `None` so nothing the user has is replaced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.core.texts import Message, inline_value, json_depth
from components.data.samples import SAMPLE_DIR
from components.models.encoder import DEFAULT_MODEL
from components.state.page_state import (
    PAGE_STATES,
    STATE_VERSION,
    Choice,
    LabState,
    Text,
    named_few,
    state_from_mapping,
    to_mapping,
)

LESSON_SCHEMA = "sentence-embedding-lab/lesson"
LESSON_VERSION = STATE_VERSION
MAX_LESSON_BYTES = 4_000_000  # the largest valid lesson (every text at its cap) is ~3.2 MB
MAX_LESSON_DEPTH = (
    16  # arrays/objects nested in a lesson; a real one nests 5 ({pages{loss{rows[[]]}}})
)
LESSON_DIR = SAMPLE_DIR / "lessons"
_METADATA = {
    "title": Text(200),
    "what_to_try": Text(5_000),
    "what_to_notice": Text(5_000),
    "start_page": Choice(tuple(PAGE_STATES)),
    "model": Text(200),
}


@dataclass(frozen=True)
class Lesson:
    """A title, what to try and notice, the page to open first, and every page's state."""

    title: str = ""
    what_to_try: str = ""
    what_to_notice: str = ""
    start_page: str = "explore"
    model: str = DEFAULT_MODEL
    lab: LabState = field(default_factory=LabState)


def lesson_to_dict(lesson: Lesson) -> dict[str, Any]:
    return {
        "schema": LESSON_SCHEMA,
        "version": LESSON_VERSION,
        "title": lesson.title,
        "what_to_try": lesson.what_to_try,
        "what_to_notice": lesson.what_to_notice,
        "start_page": lesson.start_page,
        "model": lesson.model,
        "pages": {page: to_mapping(lesson.lab.page(page)) for page in PAGE_STATES},
    }


def lesson_to_json(lesson: Lesson) -> str:
    """The lesson as pretty JSON (every setting written out, so the file documents itself)."""
    return json.dumps(lesson_to_dict(lesson), ensure_ascii=False, indent=2) + "\n"


def lesson_from_json(data: bytes | str) -> tuple[Lesson | None, list[Message]]:
    """Read a lesson file. Never raises.

    Returns:
        (lesson, messages). `lesson` is None when the data is not a lesson at all (not JSON, not
        an object, another schema): use nothing from it. Otherwise every field that was wrong
        has its default and a message naming it.
    """
    if isinstance(data, bytes | bytearray):
        if len(data) > MAX_LESSON_BYTES:
            return None, [
                _error(
                    f"The file is {len(data):,} bytes; a lesson is at most "
                    f"{MAX_LESSON_BYTES:,}. Nothing was loaded."
                )
            ]
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError:
            return None, [
                _error(
                    "The file is not UTF-8 text, so it is not a lesson file (those "
                    "are JSON). Nothing was loaded."
                )
            ]
    elif isinstance(data, str):
        text = data
        if len(text) > MAX_LESSON_BYTES:
            return None, [
                _error(
                    f"The text is {len(text):,} characters; a lesson is at most "
                    f"{MAX_LESSON_BYTES:,}. Nothing was loaded."
                )
            ]
    else:
        return None, [_error("A lesson is text (JSON). Nothing was loaded.")]
    depth = json_depth(text)
    if depth > MAX_LESSON_DEPTH:
        return None, [
            _error(
                f"The file nests too deeply to be a lesson ({depth:,} levels; a lesson has at "
                f"most {MAX_LESSON_DEPTH}). Nothing was loaded."
            )
        ]
    too_deep = [_error("The file nests too deeply to be a lesson. Nothing was loaded.")]
    try:
        content = json.loads(text)
    except RecursionError:
        return None, too_deep
    except ValueError as error:
        where = f" (line {error.lineno}, column {error.colno})" if hasattr(error, "lineno") else ""
        return None, [
            _error(
                f"The file is not valid JSON{where}: {str(error).split(':')[0]}. "
                "Nothing was loaded."
            )
        ]
    try:
        return lesson_from_dict(content)
    except RecursionError:  # not reached within MAX_LESSON_DEPTH; never an exception anyway
        return None, too_deep


def lesson_from_dict(content: Any) -> tuple[Lesson | None, list[Message]]:
    """Validate a parsed lesson (see `lesson_from_json`)."""
    if not isinstance(content, dict):
        return None, [
            _error(
                "A lesson file holds one JSON object `{...}`, not "
                f"{type(content).__name__}. Nothing was loaded."
            )
        ]
    schema = content.get("schema")
    if schema != LESSON_SCHEMA:
        return None, [
            _error(
                f'`schema` is {_short(schema)}, not "{LESSON_SCHEMA}": this is not '
                "a lesson file of this lab. Nothing was loaded."
            )
        ]
    messages: list[Message] = []
    version = content.get("version")
    if version != LESSON_VERSION or isinstance(version, bool):
        newer = (
            isinstance(version, int) and not isinstance(version, bool) and version > LESSON_VERSION
        )
        messages.append(
            Message(
                "warning",
                f"`version` is {_short(version)}; this lab reads version {LESSON_VERSION}. "
                f"{'The file is from a newer lab: ' if newer else ''}the settings it understands "
                "are used, the rest are defaults.",
            )
        )

    metadata: dict[str, Any] = {}
    for name, spec in _METADATA.items():
        if name not in content:
            continue
        value, problem = spec.check(content[name])
        if problem is None:
            metadata[name] = value
        else:
            default = getattr(Lesson(), name)
            messages.append(
                Message("warning", f"`{name}` {problem}: the default ({_short(default)}) is used.")
            )

    pages = content.get("pages", {})
    lab = LabState()
    if not isinstance(pages, dict):
        messages.append(
            Message(
                "warning",
                f"`pages` should be an object with one entry per page, "
                f"not {type(pages).__name__}: every page keeps its defaults.",
            )
        )
        pages = {}
    unknown_pages = []
    for page, data in pages.items():
        if page not in PAGE_STATES:
            unknown_pages.append(page)
            continue
        state, page_messages = state_from_mapping(PAGE_STATES[page], data, f"pages.{page}.")
        lab = lab.with_page(state)
        messages.extend(page_messages)
    if unknown_pages:
        messages.append(
            Message(
                "warning",
                f"{named_few(unknown_pages, 'pages.')} "
                f"{'is not a page' if len(unknown_pages) == 1 else 'are not pages'} of this "
                f"lab ({', '.join(PAGE_STATES)}): ignored.",
            )
        )

    known = {"schema", "version", "pages", *_METADATA}
    unknown_keys = [key for key in content if key not in known]
    if unknown_keys:
        messages.append(
            Message(
                "info",
                f"{named_few(unknown_keys)} "
                f"{'is not part' if len(unknown_keys) == 1 else 'are not part'} of a lesson: "
                "ignored.",
            )
        )
    return Lesson(**metadata, lab=lab), messages


def shipped_lessons(folder: Path = LESSON_DIR) -> dict[str, Lesson]:
    """The lessons in sample_data/lessons/, by file name (a broken file is left out)."""
    lessons = {}
    for path in sorted(folder.glob("*.json")):
        lesson, messages = lesson_from_json(path.read_bytes())
        if lesson is not None and not messages:
            lessons[path.name] = lesson
    return lessons


def _error(text: str) -> Message:
    return Message("error", text)


def _short(value: Any, width: int = 40) -> str:
    """A value from the file, shown as a code span (text, never a live link)."""
    text = json.dumps(value, ensure_ascii=False) if _is_json(value) else repr(value)
    return inline_value(text, width)


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True
