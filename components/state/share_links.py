"""A page's state in its address: query parameters that restore the page when the link is opened.

Short settings travel as plain parameters (`?method=pca&n_neighbors=30`), readable and editable
by hand; settings left at their default are left out. Long texts and tables go into one
parameter `z`: their JSON, deflated with zlib and written in base64url. A link is kept under
`URL_LIMIT` characters: past it the longest inputs are left out of the link (named in `cut`), and
the page offers a lesson file instead.

Why 8,000 characters: measured here, Chromium opened links of 100,000 characters and Streamlit's
own server (Tornado) accepted request lines up to ~127,800, but a deployment sits behind a proxy
whose defaults are far lower: nginx answers 414 past 8 KB (`large_client_header_buffers 4 8k`),
Apache past 8,190 (`LimitRequestLine`). Chat and mail clients also break very long links.

Decoding never raises: a damaged or edited link gives the defaults for whatever it got wrong,
plus messages saying what (bad base64, bad zlib, oversized data, wrong types or ranges, unknown
settings, another version).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from components.core.texts import Message, inline_value, json_depth
from components.models.encoder import DEFAULT_MODEL
from components.state.page_state import (
    STATE_VERSION,
    Choice,
    Flag,
    PageState,
    Real,
    Subset,
    Text,
    Whole,
    changed_fields,
    check_field,
    named_few,
    parse_field,
    spec_of,
    unknown_settings,
)

URL_LIMIT = 8_000  # characters of query string a link may use (see the module docstring)
MAX_LINK_CHARS = 131_072  # query strings longer than this are refused before any decoding
PLAIN_TEXT_MAX = 120  # texts up to this long (one line, printable) stay readable in the link
MAX_INFLATED_BYTES = 262_144  # the JSON inside `z` may inflate to this much; more is a zip bomb
MAX_JSON_DEPTH = 16  # nesting of the JSON inside `z` (a page's state needs 3: {"rows": [[...]]})
VERSION_PARAM, BLOB_PARAM, CUT_PARAM, MODEL_PARAM = "v", "z", "cut", "model"
STREAMLIT_PARAMS = frozenset({"embed", "embed_options"})  # Streamlit's own; never ours to judge
PRESENT_PARAM = "present"  # presenter mode (`?present=1`): the viewer's choice, not page state
ROOM_PARAMS = frozenset(
    {"room", "seat"}
)  # a class room's join link (widgets/room.py), not page state
# The section to open the page at (`?section=a-map-of-the-space`, the glossary's links): where to
# look, not page state; read once and dropped from the address.
SECTION_PARAM = "section"
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


@dataclass(frozen=True)
class Link:
    """The query parameters of a page's link."""

    params: dict[str, str]
    omitted: tuple[str, ...]  # settings left out because the link would pass the limit

    @property
    def query(self) -> str:
        """The query string as a browser sends it (`a=1&b=x%20y`)."""
        return query_string(self.params)

    @property
    def length(self) -> int:
        return len(self.query)


@dataclass(frozen=True)
class DecodedLink:
    """What a link restored: the page state, the model it was made with, and what went wrong."""

    state: PageState
    model: str
    omitted: tuple[str, ...]  # settings the sender's link could not carry (too long)
    messages: list[Message]


def query_string(params: Mapping[str, str]) -> str:
    return "&".join(
        f"{quote(key, safe='')}={quote(value, safe='')}" for key, value in params.items()
    )


def _plain(spec: Any, value: Any) -> str | None:
    """The plain-parameter form of a value, or None when it belongs in `z`."""
    if isinstance(spec, Flag):
        return "1" if value else "0"
    if isinstance(spec, Whole | Real | Choice):
        if value is None:
            return None
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(spec, Subset):
        return ",".join(value) if not any("," in option for option in spec.options) else None
    if isinstance(spec, Text):
        if value is None or len(value) > PLAIN_TEXT_MAX or not value.isprintable():
            return None
        return value
    return None


def pack(values: Mapping[str, Any]) -> str:
    """JSON -> zlib (level 9) -> base64url without padding."""
    raw = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii").rstrip("=")


def unpack(blob: str) -> tuple[Any, str | None]:
    """The JSON value inside a `z` parameter, or (None, what is wrong with it). Never raises."""
    if len(blob) > MAX_LINK_CHARS:
        return None, "is longer than any link this lab writes"
    if not _BASE64URL.fullmatch(blob):
        return None, "is not base64url text (it has characters a link never puts there)"
    try:
        packed = base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4))
    except (binascii.Error, ValueError):
        return None, "is not valid base64url (cut short or edited?)"
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(packed, MAX_INFLATED_BYTES)
    except zlib.error:
        return None, "is not zlib-compressed data (cut short or edited?)"
    if inflater.unconsumed_tail:
        return None, f"inflates to more than {MAX_INFLATED_BYTES:,} bytes: refused"
    if not inflater.eof:
        return None, "is cut short: the compressed data does not end"
    try:
        text = raw.decode("utf-8")
        if json_depth(text) > MAX_JSON_DEPTH:
            return None, f"nests more than {MAX_JSON_DEPTH} levels deep: refused"
        return json.loads(text), None
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, "does not hold valid JSON"


def encode_link(state: PageState, model: str = DEFAULT_MODEL, limit: int = URL_LIMIT) -> Link:
    """The query parameters that restore `state` (settings at their default are left out)."""
    plain: dict[str, str] = {}
    packed: dict[str, Any] = {}
    for name, value in changed_fields(state).items():
        written = _plain(spec_of(type(state), name), value)
        if written is None:
            packed[name] = _to_json(value)
        else:
            plain[name] = written
    omitted: list[str] = []
    while True:
        params = {VERSION_PARAM: str(STATE_VERSION)}
        if model != DEFAULT_MODEL and len(model) <= 200:
            params[MODEL_PARAM] = model
        params.update(plain)
        if packed:
            params[BLOB_PARAM] = pack(packed)
        if omitted:
            params[CUT_PARAM] = ",".join(omitted)
        if len(query_string(params)) <= limit:
            return Link(params, tuple(omitted))
        # Too long: leave out the longest input and try again.
        if packed:
            longest = max(packed, key=lambda name: len(json.dumps(packed[name])))
            del packed[longest]
        elif plain:
            longest = max(plain, key=lambda name: len(plain[name]))
            del plain[longest]
        else:  # only the version and the model are left: nothing more to cut
            return Link(params, tuple(omitted))
        omitted.append(longest)


def _to_json(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_to_json(item) for item in value]
    return value


def _first(value: str | Sequence[str]) -> str:
    """Streamlit gives one string per key; a list (repeated key) keeps its last value."""
    if isinstance(value, str):
        return value
    values = list(value)
    return str(values[-1]) if values else ""


def decode_link(state_type: type, params: Mapping[str, str | Sequence[str]]) -> DecodedLink:
    """The page state a link's query parameters describe. Never raises.

    Args:
        state_type: the page's state class (e.g. `ExploreState`).
        params: the query parameters, e.g. `st.query_params.to_dict()`.
    """
    messages: list[Message] = []
    try:
        items = {str(key): _first(value) for key, value in params.items()}
    except TypeError:
        items = {}
        messages.append(Message("warning", "The link's parameters could not be read."))
    size = sum(len(key) + len(value) for key, value in items.items())
    if size > MAX_LINK_CHARS:
        return DecodedLink(
            state_type(),
            DEFAULT_MODEL,
            (),
            [
                Message(
                    "warning",
                    f"The link is {size:,} characters long, more than any link this lab "
                    "writes: it was not read, and the page shows its defaults.",
                )
            ],
        )

    version = items.pop(VERSION_PARAM, None)
    if version is not None and version != str(STATE_VERSION):
        newer = (version.isascii() and version.isdigit() and len(version) < 6) and int(
            version
        ) > STATE_VERSION  # "¹" is a digit to str.isdigit, not to int()
        messages.append(
            Message(
                "warning",
                f"This link was made by {'a newer' if newer else 'another'} version of the lab "
                f"(v={inline_value(version, 12)}; this one reads v={STATE_VERSION}): the settings it "
                "understands are used, the rest are defaults.",
            )
        )

    model = DEFAULT_MODEL
    raw_model = items.pop(MODEL_PARAM, None)
    if raw_model is not None:
        if 0 < len(raw_model) <= 200 and raw_model.isprintable():
            model = raw_model
        else:
            messages.append(Message("warning", "The link's `model` is not a model name: ignored."))

    omitted: tuple[str, ...] = ()
    raw_cut = items.pop(CUT_PARAM, None)
    names = {item.name for item in dataclasses.fields(state_type)}
    if raw_cut:
        omitted = tuple(name for name in raw_cut.split(",") if name in names)
        if omitted:
            shown = ", ".join(f"`{name}`" for name in omitted)
            messages.append(
                Message(
                    "info",
                    f"The sender's {shown} did not fit in a link, so the defaults are shown "
                    "for it. Ask them for a lesson file (sidebar: Download lesson), which holds "
                    "everything.",
                )
            )

    values: dict[str, Any] = {}
    blob = items.pop(BLOB_PARAM, None)
    if blob is not None:
        content, problem = unpack(blob)
        if problem is None and not isinstance(content, dict):
            problem = "does not hold an object of settings"
        if problem is not None:
            messages.append(
                Message(
                    "warning",
                    f"The link's long inputs (`z`) could not be read: the data {problem}. "
                    "Those inputs show their defaults.",
                )
            )
        else:
            unknown_in_blob = []
            for key, value in content.items():
                if key not in names:
                    unknown_in_blob.append(key)
                    continue
                values[key], message = check_field(state_type, key, value, "")
                if message:
                    messages.append(message)
            if unknown_in_blob:
                messages.append(unknown_settings("z.", unknown_in_blob))

    unknown = []
    for key, raw in items.items():
        if key in STREAMLIT_PARAMS or key in ROOM_PARAMS or key in (PRESENT_PARAM, SECTION_PARAM):
            continue
        if key not in names:
            unknown.append(key)
            continue
        values[key], message = parse_field(state_type, key, raw, "")
        if message:
            messages.append(message)
    if unknown:
        messages.append(
            Message(
                "warning",
                f"The link has {f'{len(unknown):,} settings' if len(unknown) > 1 else 'a setting'}"
                f" this page does not know: {named_few(unknown)} (ignored).",
            )
        )
    return DecodedLink(state_type(**values), model, omitted, messages)
