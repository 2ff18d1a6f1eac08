"""UI pieces every page shares (the only part of `components` besides `services/` that imports
streamlit), one module a kind: `state` (values kept across pages), `layout` (sections, messages,
tables, charts), `inputs`, `uploads`, `editors` (tables), `jobs` (progress, background jobs), `maps`
(projection controls, clicked points), `sentence_sources` and `scale_jobs` (Explore's sentences,
and its encoding and projection at any size), `bindings` and `sharing` (links, lessons, presenter
mode), `sidebar` (page setup, model picker).

Every public name is re-exported here: `from components.widgets import page_setup` or
`from components import widgets as ui` then `ui.section(...)`.
"""

from __future__ import annotations

from components.widgets.bindings import (
    BINDINGS,
    Binding,
    apply_state,
    current_lab,
    current_state,
)
from components.widgets.editors import edited_table, replace_table, table_editor, triplet_table
from components.widgets.inputs import (
    column_pickers,
    limited_text,
    loaded_cross_encoder,
    preset_picker,
    rank_inputs,
    select_pair,
    sentence_box,
)
from components.widgets.jobs import (
    JOB_POLL_SECONDS,
    job_outcome,
    job_progress,
    job_result,
    live_training,
    progress,
)
from components.widgets.layout import (
    chart,
    csv_download,
    download_buttons,
    metric_row,
    number_table,
    or_error,
    or_stop,
    plural,
    retry_button,
    section,
    show_message,
    show_messages,
    theme,
    try_notice,
)
from components.widgets.maps import (
    clicked_point,
    clicked_row,
    projection_controls,
    row_picker,
    selected_rows,
)
from components.widgets.scale_jobs import map_projection, prepared_views
from components.widgets.sentence_sources import sentence_source
from components.widgets.sharing import load_lesson
from components.widgets.sidebar import (
    CUSTOM_CHOICE,
    LABS,
    ROOT,
    model_card_box,
    model_sidebar,
    page_done,
    page_setup,
)
from components.widgets.state import (
    PRESENTER_KEY,
    SENTENCES_KEY,
    forget_persisted,
    keep_if_in,
    keep_in_range,
    kept_copy_key,
    note_page_default,
    persist,
    presenter_mode,
    revealed,
    session_value,
    set_persisted,
    share_sentences,
    shared_sentences,
    wait_for_reveal,
)
from components.widgets.uploads import kept_documents, kept_text_upload, kept_uploads, read_once

__all__ = [
    "BINDINGS",
    "CUSTOM_CHOICE",
    "JOB_POLL_SECONDS",
    "LABS",
    "PRESENTER_KEY",
    "ROOT",
    "SENTENCES_KEY",
    "Binding",
    "apply_state",
    "chart",
    "clicked_point",
    "clicked_row",
    "column_pickers",
    "csv_download",
    "current_lab",
    "current_state",
    "download_buttons",
    "edited_table",
    "job_outcome",
    "job_progress",
    "job_result",
    "keep_if_in",
    "keep_in_range",
    "kept_documents",
    "kept_text_upload",
    "kept_uploads",
    "limited_text",
    "live_training",
    "load_lesson",
    "map_projection",
    "loaded_cross_encoder",
    "metric_row",
    "model_card_box",
    "model_sidebar",
    "number_table",
    "or_error",
    "or_stop",
    "page_done",
    "page_setup",
    "persist",
    "forget_persisted",
    "note_page_default",
    "kept_copy_key",
    "set_persisted",
    "plural",
    "presenter_mode",
    "theme",
    "prepared_views",
    "preset_picker",
    "progress",
    "projection_controls",
    "rank_inputs",
    "read_once",
    "replace_table",
    "revealed",
    "row_picker",
    "retry_button",
    "section",
    "select_pair",
    "selected_rows",
    "sentence_source",
    "sentence_box",
    "session_value",
    "share_sentences",
    "shared_sentences",
    "show_message",
    "show_messages",
    "table_editor",
    "triplet_table",
    "try_notice",
    "wait_for_reveal",
]
