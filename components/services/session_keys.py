"""Every `st.session_state` key that more than one place reads or writes, declared once.

A page's own widget keys (`explore_text`, `search_window`, …) are the names its widgets are
drawn under; the ones listed here are also read or written outside the widget that owns them.
`persist` (components/widgets/state.py) keeps a copy of a widget's value under
`widgets.state.kept_copy_key(key)`; write both through `widgets.state.set_persisted`.
"""

from __future__ import annotations

# ---------------------------------------------------------------- the model this session uses
MODEL_NAME_KEY = "model_name"  # the name of the model this session uses
PAGE_DEFAULTS_KEY = "_page_defaults"  # widget key -> the value the page itself gives it this run
MODEL_CHOICE_KEY = "model_choice"  # the sidebar's model picker
MODEL_CUSTOM_NAME_KEY = "model_custom_name"  # the sidebar's "another model" text box
MODEL_ERROR_KEY = "model_error"  # the last model-loading error, shown in the sidebar
LOADED_MODELS_KEY = "loaded_model_names"  # custom names this session has loaded successfully
ENCODER_KEY = "encoder_backend"  # which of `services.models.ENCODERS` encodes for this session
SESSION_MODELS_KEY = "session_models"  # label -> REGISTRY key of this session's copy
SESSION_MODEL_CACHE_KEYS = "session_model_keys"  # label -> its unique cache key
SESSION_MODEL_BASES = "session_model_bases"  # label -> shared model it copies
EVICTED_KEY = "_session_model_evicted"  # a copy was dropped for being idle (the sidebar says so)
SESSION_OWNER_KEY = "_session_owner"  # this session's owner name in `training_setup.REGISTRY`

# ---------------------------------------------------------------- heavy work
CANCEL_KEY = "_heavy_cancelled"  # the user pressed Cancel while waiting
CANCELLED_RUN_KEY = "_heavy_cancelled_run"  # this run follows a Cancel
JOBS_KEY = "_background_jobs"  # slot -> this session's BackgroundJob in it
CHUNK_VECTORS_KEY = "_chunk_vectors"  # the last encoded set of chunks: (fingerprint, vectors)

# ---------------------------------------------------------------- shared across the labs
SENTENCES_KEY = "lab_sentences"  # (texts, labels) of Explore, shared with other labs
PRESENTER_KEY = "presenter_mode"  # the presenter-mode toggle
RESTORED_KEY = "_pages_restored"  # pages whose link (or lesson) was applied in this session
LESSON_KEY = "_lesson_loaded"  # the last lesson loaded (its title and what to try / notice)
LESSON_TO_LOAD_KEY = "_lesson_to_load"  # a lesson read from an upload, applied on the next run
LESSON_UPLOAD_KEY = "lesson_upload"  # the sidebar's lesson file uploader
LESSON_UPLOAD_ID_KEY = "_lesson_upload_id"  # the id of the lesson file last read
LESSON_MESSAGES_KEY = "_lesson_messages"  # what reading the lesson file said
LINK_MESSAGES_KEY = "_link_messages"  # what applying the page's link said
SCROLL_TO_KEY = "_scroll_to"  # this run's section anchor to open the page at (a glossary link)
LINK_SLOT_KEY = "_link_slot"  # this run's page, model and sidebar place of the share link

# ---------------------------------------------------------------- Explore's sentences
EXPLORE_PRESET_KEY = "explore_preset"  # the preset picker
EXPLORE_TEXT_KEY = "explore_text"  # the text area of one sentence per line
EXPLORE_LABELS_KEY = "explore_labels"  # text -> label of the preset's sentences
EXPLORE_SOURCE_KEY = "explore_source"  # where the sentences come from (type, upload, …)
EXPLORE_QUERY_MODEL_KEY = "explore_query_model"  # the query box may load the torch model

# ---------------------------------------------------------------- the other labs
POOLING_HEAD_KEY = "pooling_head"  # Tokens & pooling: this session's HeadRecord
POOLING_FOCUS_KEY = "pooling_focus"  # Tokens & pooling: the sentence whose shares are shown
LOSS_TABLE_KEY = "loss_table"  # Loss lab: the triplet table (`widgets.editors`, name "loss")
LOSS_PRESET_KEY = "loss_preset"  # Loss lab: the triplet preset picker
LOSS_RESULT_KEY = "loss_result"  # Loss lab: the last training run's result
SEARCH_WINDOW_DEFAULT_KEY = "search_window_default"  # Search: the window that fits the model
MAPLAB_APPLIED_KEY = "_maplab_applied"  # Map lab: the sentences whose slow maps were asked for
MAPLAB_SEEN_KEY = "_maplab_seen"  # Map lab: the last box or lasso selection seen
MAPLAB_SELECTED_KEY = "_maplab_selected"  # Map lab: rows picked by box or lasso on the last map
