"""What a page shows: sections that fail alone, messages, number tables, metric rows, charts (in
presenter mode too), plurals and CSV / export downloads."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from components.charts.presenter import present_figure, presenter_css
from components.core.texts import (
    InputError,
    Level,
    Message,
    collapse_messages,
    csv_bytes,
    defang_links,
)
from components.data.vector_io import ExportFormat
from components.models import model_policy
from components.models.encoder import ModelLoadError
from components.runtime.work_queue import QueueError
from components.widgets.state import T, presenter_mode

LOG = logging.getLogger(__name__)


def try_notice(try_: str, notice: str) -> None:
    """One line under a section header: what to try, and what to notice when you do."""
    st.caption(f"🧪 **Try:** {try_}. 👀 **Notice:** {notice}.")


def show_messages(messages: Iterable[Message]) -> None:
    """Message boxes, at most `texts.MESSAGES_SHOWN` (the rest counted in one), each body with
    no live link (`texts.defang_links`: messages echo values a visitor sent)."""
    for message in collapse_messages(list(messages)):
        show = {"info": st.info, "warning": st.warning, "error": st.error}
        show.get(message.level, st.info)(defang_links(message.text))


def show_message(level: Level, text: str | None, *, stop: bool = False) -> None:
    """A message box of `level` when there is a `text` (none for None or ""), then, when `stop`,
    the end of the page."""
    if text:
        show_messages([Message(level, text)])
        if stop:
            st.stop()


@contextmanager
def section(name: str) -> Iterator[None]:
    """Run one section of a page; an error shows as a message here and the rest of the page
    still runs. Streamlit's own stop/rerun signals pass through.

    Input and model errors say what is wrong; a job that was cancelled, stopped at its time cap
    or turned away by a full queue says so with a Retry button; anything else is logged (with its
    traceback, for the server's log) and shown as a short message.
    """
    try:
        yield
    except (InputError, ModelLoadError) as error:
        st.error(defang_links(str(error)))
    except QueueError as error:
        st.warning(defang_links(str(error)))
        retry_button(key=f"retry_{name}")
    except Exception as error:  # noqa: BLE001 - the section fails, never the page
        LOG.exception("section %r failed", name)
        st.error(
            f"This section could not be computed ({type(error).__name__}: "
            f"{defang_links(model_policy.shown(str(error), 200))}). The rest of the page still works; change "
            "the input and try again."
        )


def retry_button(key: str) -> None:
    """A Retry button after a cancelled or stopped job (any rerun queues the work again)."""
    st.button("Retry", key=key)


def or_error(read: Callable[[], T], suffix: str = "") -> T | None:
    """`read()`, or None after showing its `InputError` as an error box (with `suffix`)."""
    try:
        return read()
    except InputError as error:
        st.error(defang_links(f"{error}{suffix}"))
        return None


def or_stop(read: Callable[[], T]) -> T:
    """`read()`; an `InputError` is shown as an error box and stops the page there (whatever
    the user entered stays in its widgets)."""
    value = or_error(read)
    if value is None:
        st.stop()
    return value


# The narrowest main column a table is drawn in: a 1024 px screen with the sidebar open leaves
# ~560 px. Tables size their columns to fit it, so the numbers never need sideways scrolling.
TABLE_PX = 540
# Measured on Streamlit's grid (14 px Source Sans): a digit ~7.5 px, a header letter ~6.5 px,
# 8 px of padding on each side of a cell.
CHAR_PX, HEADER_CHAR_PX, CELL_PAD_PX, SPARKLINE_PX = 7.5, 6.5, 18, 140
TEXT_MIN_PX, NARROW_PX, NARROWEST_PX = 100, 80, 48


def column_widths(
    frame: pd.DataFrame, formats: Mapping[str, str], narrow: set[str], fit_px: int = TABLE_PX
) -> dict:
    """Pixel widths that fit `frame` in `fit_px`: numbers and short texts (labels, ranks) as
    wide as their longest cell or header, long texts share what is left (full text on hover)."""
    fixed: dict[str, int] = {}
    long: list[str] = []
    narrow_ones = [column for column in frame.columns if column in narrow]
    for column in frame.columns:
        values = frame[column]
        if column in narrow:
            continue
        if len(values) and isinstance(values.iloc[0], list | tuple | np.ndarray):
            fixed[column] = SPARKLINE_PX  # a whole vector, drawn as bars in its cell
            continue
        text = not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
        if text:
            cells = [str(value) for value in values]
        else:
            spec = formats.get(column)
            cells = [
                spec % value if spec else f"{value:,.4g}" for value in values if value == value
            ]
        cell_px = max(map(len, cells), default=0) * CHAR_PX
        if text and cell_px > 16 * CHAR_PX:
            long.append(column)
        else:
            fixed[column] = round(max(cell_px, len(str(column)) * HEADER_CHAR_PX) + CELL_PAD_PX)
    # What is left goes to the texts: narrow ones get NARROW_PX (less when the numbers need it,
    # never under NARROWEST_PX), long ones share the rest (at least TEXT_MIN_PX).
    left = fit_px - sum(fixed.values())
    narrow_px = NARROW_PX
    if narrow_ones and left - len(long) * TEXT_MIN_PX < NARROW_PX * len(narrow_ones):
        narrow_px = max(NARROWEST_PX, (left - len(long) * TEXT_MIN_PX) // len(narrow_ones))
    share = max(TEXT_MIN_PX, (left - narrow_px * len(narrow_ones)) // max(1, len(long)))
    return {
        column: fixed.get(column, narrow_px if column in narrow else share)
        for column in frame.columns
    }


def number_table(
    data: pd.DataFrame | Mapping[str, Any],
    formats: Mapping[str, str] | None = None,
    *,
    key: str | None = None,
    hide_index: bool = True,
    container: Any = st,
    narrow: Iterable[str] = (),
    hidden: Iterable[str] = (),
    fit_px: int = TABLE_PX,
) -> None:
    """A read-only table across the page; `formats` maps a column to its printf format.

    Its columns fit a 1024 px screen without sideways scrolling (`column_widths`); `narrow` text
    columns get the least room (their full text on hover); `hidden` columns stay in the data (and
    its download) but are not drawn; a table in a narrower column than the page's says how wide
    it is at its narrowest (`fit_px`)."""
    frame = pd.DataFrame(data)
    formats = dict(formats or {})
    hidden = set(hidden)
    shown = frame[[c for c in frame.columns if c not in hidden]]
    widths = column_widths(shown, formats, set(narrow), fit_px)
    config: dict[str, Any] = {}
    for column in widths:
        if column in formats:
            config[column] = st.column_config.NumberColumn(
                format=formats[column], width=widths[column]
            )
        elif widths[column] == SPARKLINE_PX and not pd.api.types.is_numeric_dtype(frame[column]):
            top = float(
                max((np.abs(np.asarray(v)).max(initial=0) for v in frame[column]), default=1)
            )
            config[column] = st.column_config.BarChartColumn(
                width=widths[column], y_min=-top, y_max=top
            )
        else:
            config[column] = st.column_config.Column(width=widths[column])
    container.dataframe(
        frame,
        hide_index=hide_index,
        width="stretch",
        key=key,
        column_config=config,
        column_order=list(widths) if hidden else None,
    )


def metric_row(
    values: Mapping[str, Any],
    help: Mapping[str, str] | None = None,
    deltas: Mapping[str, str] | None = None,
    delta_color: str = "normal",
) -> None:
    """One `st.metric` per label, side by side; `deltas` gives some of them a change."""
    for column, (label, value) in zip(st.columns(len(values)), values.items(), strict=True):
        column.metric(
            label,
            value,
            help=(help or {}).get(label),
            delta=(deltas or {}).get(label),
            delta_color=delta_color,
        )


def chart(figure: Any, key: str, container: Any = st, **options: Any) -> Any:
    """A Plotly figure across its column, under a stable key (for tests and selections).

    In presenter mode the figure gets large fonts and colour-blind-safe colours first.
    """
    if presenter_mode():  # on a copy: the figure may be a cached one that sessions share
        figure = present_figure(type(figure)(figure), theme())
    return container.plotly_chart(figure, width="stretch", key=key, **options)


def theme() -> str:
    theme = getattr(getattr(st.context, "theme", None), "type", None)
    return theme if theme in ("light", "dark") else "light"


# Columns wrap instead of squeezing: every column keeps at least COLUMN_MIN (in rem, so presenter
# mode's larger type widens it too) and a row that does not fit stacks onto the next line. A
# container keyed `wide_…` asks more of its columns (charts, formulas: WIDE_COLUMN_MIN); in one
# keyed `wrap_…`, metric values (names, not numbers) wrap instead of being cut; metric labels
# (words) always wrap, and so do a multiselect's chips (Streamlit scrolls them sideways, out of
# sight).
COLUMN_MIN, WIDE_COLUMN_MIN = "10rem", "22rem"
# The sidebar's share link is for copying (its copy button takes all of it), not for reading: in
# small type set in px (presenter mode's larger rem does not grow it), broken anywhere so every
# line is full, and at most a few lines tall, scrolling inside, however long the link.
SHARE_LINK_CSS = """.stApp .st-key-share_link pre, .stApp .st-key-share_link code {
  font-size: 12px; line-height: 1.4; word-break: break-all; overflow-wrap: anywhere; }
.stApp .st-key-share_link pre { max-height: 7.5rem; overflow-y: auto; padding: 8px 10px; }"""
PAGE_CSS = f"""<style>
.stApp [data-testid="stHorizontalBlock"] {{ flex-wrap: wrap; }}
.stApp [data-testid="stMain"] [data-testid="stColumn"] {{ min-width: min({COLUMN_MIN}, 100%); }}
.stApp [class*="st-key-wide_"] [data-testid="stColumn"] {{ min-width: min({WIDE_COLUMN_MIN}, 100%); }}
.stApp [data-testid="stMetricLabel"], .stApp [data-testid="stMetricLabel"] *,
.stApp [class*="st-key-wrap_"] [data-testid="stMetricValue"] * {{
  white-space: normal; overflow: visible; text-overflow: clip; }}
.stApp [data-testid="stMultiSelectTagsContainer"],
.stApp [data-testid="stMultiSelectTagsContainer"] > [role="group"] {{
  flex-wrap: wrap; overflow: visible; height: auto; row-gap: 4px; }}
.stApp [data-testid="stMultiSelect"] div:has(> [data-testid="stMultiSelectTagsContainer"]) {{
  height: auto; max-height: none; }}
{SHARE_LINK_CSS}
</style>"""


def presenter_style() -> None:
    """The page style (columns that stack when narrow), and presenter mode's when it is on."""
    st.html(PAGE_CSS + (presenter_css(theme()) if presenter_mode() else ""))


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """`1 triplet`, `3 triplets`, `1,200 sentences`."""
    return f"{count:,} {noun if count == 1 else plural_noun or noun + 's'}"


def csv_download(
    label: str,
    make_table: Callable[[], pd.DataFrame],
    file_name: str,
    key: str,
    container: Any = st,
) -> None:
    """A CSV download built only when clicked, through the one formula-safe CSV writer."""
    container.download_button(
        label,
        lambda: csv_bytes(make_table()),
        file_name=file_name,
        mime="text/csv",
        key=key,
        on_click="ignore",
        help="CSV (UTF-8). Cells that start like a spreadsheet formula (=, +, -, @) get a "
        "leading ' so a spreadsheet shows them as text.",
    )


def download_buttons(
    formats: Iterable[ExportFormat], key: str, columns: int = 3, **build: Any
) -> None:
    """One download button per export format; a file is built only when its button is clicked
    (`format.build(**build)`, in Streamlit's download thread)."""
    places = st.container(key=f"wide_{key}").columns(columns)  # long labels: stack when narrow
    for number, fmt in enumerate(formats):
        places[number % columns].download_button(
            fmt.label,
            lambda fmt=fmt: fmt.build(**build),
            file_name=fmt.file_name,
            mime=fmt.mime,
            key=f"{key}_{number}",
            on_click="ignore",
            help=fmt.help,
        )
