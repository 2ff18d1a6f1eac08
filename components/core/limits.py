"""Every input limit of the lab in one place, each with the sentence the UI and README show.

The lab runs on one shared server (a classroom, a public Streamlit Community Cloud app): what one
visitor types or uploads costs memory and CPU for everyone. Each limit is enforced before any
work starts; an input over a limit is cut or refused with a message that states the limit, and
the user's input is kept as typed. The values were chosen so that no chart goes over
`CHART_MB` for any input (measured in tests/unit/test_limits.py) and the server stays within
its memory on a ~1-2 GB machine.

Use the constants in code (`limits.SENTENCES`) and `LIMITS[name].text` / `help_text(name)` in
the UI, so the number in the sentence is always the number enforced.
"""

from __future__ import annotations

from dataclasses import dataclass

# ---------------------------------------------------------------- Explore
SENTENCES = 100_000  # sentences used from a text box, an upload or the generator
EXPLORE_CHARS = 2_000_000  # characters in the Explore text box (~15,000 sentences; upload more)
SENTENCE_CHARS = 2_000  # characters of one sentence (the model reads ~256 tokens, ~1,000 chars)
HEATMAP_SENTENCES = 300  # sentences in the cosine heatmap
BACKGROUND_SENTENCES = 2_000  # from this many, Explore encodes and maps in the background
INDEX_SENTENCES = 20_000  # past this many, neighbours come from an approximate index
TSNE_SENTENCES = 10_000  # t-SNE runs for many minutes past this many (UMAP and PCA do not)
SESSION_MB = 150  # public mode: memory one visitor's Explore corpus may take (~20,000 sentences)

# ---------------------------------------------------------------- Tokens & pooling
TOKENS_CHARS = 50_000  # characters the tokenizer view reads
WORDS_TO_FOLLOW = 8  # distinct words followed across the context sentences
WORD_CHARS = 40  # characters of one followed word
WORDS_BOX_CHARS = 400  # characters in the "words to follow" box
CONTEXT_SENTENCES = 12  # sentences in the contextual-vector section
POOLING_SENTENCES = 20  # sentences in the pooling comparison
SMALL_BOX_CHARS = 20_000  # characters in the small sentence boxes (context, pooling)
HEAD_STEPS = 400  # training steps of the attention pooling head

# ---------------------------------------------------------------- Loss lab
TRIPLETS = 200  # triplets the losses and charts use
TABLE_ROWS = 500  # rows kept in the triplet editor (from an upload or a paste)
CELL_CHARS = 1_000  # characters per cell of the triplet table (~256 tokens: what the model reads)
TRAIN_TRIPLETS = 64  # triplets one fine-tuning run uses
EPOCHS = 10  # epochs of one fine-tuning run
PASTE_CHARS = 100_000  # characters in the "paste rows" box
FINE_TUNED_COPIES = 3  # fine-tuned copies alive on the server at once
COPY_IDLE_MINUTES = 20  # a copy unused this long may be dropped for another session

# ---------------------------------------------------------------- Long text & search
DOCUMENT_CHARS = 1_000_000  # characters used per document (~250k tokens, ~1,000 chunks)
DOCUMENTS_CHARS = 2_000_000  # characters used over all documents together
DOCUMENTS = 8  # documents at once (shipped + pasted + uploaded)
CHUNKS = 2_500  # chunks searched over all documents (~2 min of encoding on 2 free cores)
UPLOADS = 5  # files uploaded at once on the search page
UPLOADS_MB = 20  # megabytes of all files uploaded at once on the search page
PASTE_DOCUMENT_CHARS = 1_000_000  # characters in the "paste a text" box
QUERY_CHARS = 2_000  # characters of a search query (it must also fit the model window)
NAME_CHARS = 200  # characters of a model or cross-encoder name

# ---------------------------------------------------------------- Map lab
MAP_AUTO_SENTENCES = 500  # up to this many, UMAP and t-SNE maps are drawn without a button press
GEOMETRY_SENTENCES = 2_000  # sentences the geometry lessons use (each variant is an n x n pass)
RAW_SENTENCES = 500  # sentences encoded a second time (without Normalize) for the metric lesson

# ---------------------------------------------------------------- Uploads and CSV
UPLOAD_MB = 20  # megabytes per uploaded file (= server.maxUploadSize)
CSV_ROWS = 100_000  # rows read from a CSV (more are counted and cut)
CSV_COLUMNS = 100  # columns read from a CSV

CSV_HEADER_COLUMNS = 100_000  # cells on one CSV line: a wider line is refused before it is split
# ---------------------------------------------------------------- Vectors brought to Explore
VECTOR_UPLOAD_MB = 60  # megabytes of all the files of one vector import (a pair, a dataset's parts)
VECTOR_DIMENSIONS = 4_096  # numbers per imported vector (the largest common models: 4,096)
PARQUET_EXPANDED_MB = 100  # MB a Parquet import may expand to (uncompressed, rows used only)
PDF_PAGES = 2_000  # pages of a PDF read at most (counted as distinct page objects)
PDF_SECONDS = 30  # wall time of reading one PDF's text before it is stopped

# ---------------------------------------------------------------- Server
CHART_MB = 10  # the largest chart (plotly JSON) any input can produce
MESSAGE_MB = 20  # server.maxMessageSize: the largest message the server sends a browser
CACHE_MB = 256  # memory for all caches of computed results together
CACHE_TTL_MINUTES = 60  # a cached result unused this long is dropped
JOB_SECONDS = 180  # wall time of one heavy job (training, a big encode) before it is stopped
MAP_SECONDS = (
    600  # ... of a map of `SENTENCES` points (a smaller map: in proportion, >= JOB_SECONDS)
)
TRAIN_SECONDS = 120  # wall time of one training run (fine-tuning or the pooling head)
QUEUE_LENGTH = 40  # jobs waiting at once; more are turned away with a message
MODEL_MB = 150  # public mode: the largest model (weights on the hub) that may be downloaded


# ---------------------------------------------------------------- Class rooms (components/rooms)
ROOMS_OPEN = 50  # rooms open at once on one server (a closed or expired room frees its place)
ROOM_STUDENTS = 60  # students who may join one room
ROOM_SENTENCES = 5  # sentences one student may send to a room's shared map
ROOM_NAME_CHARS = 40  # characters of a student's name
ROOM_SENTENCE_CHARS = 300  # characters of one sentence (or one pair/triplet sentence) in a room
ROOM_ANSWERS = 60  # answers one activity keeps (one per student; a new one replaces the old)
ROOM_ACTIVITIES = 40  # activities a teacher may start in one room
ROOM_IDLE_HOURS = 24  # a room nobody has written to for this long expires with all it holds
ROOM_JOIN_ATTEMPTS = (
    10  # join attempts per browser session per minute (a guessed code gives nothing)
)


@dataclass(frozen=True)
class Limit:
    """One limit: its value and the sentence that tells a user about it."""

    value: int
    unit: str  # "sentences", "characters", "MB", ...
    where: str  # where it applies, e.g. "per text box on Explore"

    @property
    def text(self) -> str:
        """`5,000 sentences per text box on Explore`."""
        return f"{self.value:,} {self.unit} {self.where}"


LIMITS: dict[str, Limit] = {
    "SENTENCES": Limit(SENTENCES, "sentences", "used on Explore (typed, uploaded or generated)"),
    "EXPLORE_CHARS": Limit(EXPLORE_CHARS, "characters", "in the Explore text box"),
    "SENTENCE_CHARS": Limit(SENTENCE_CHARS, "characters", "per sentence (longer ones are cut)"),
    "HEATMAP_SENTENCES": Limit(HEATMAP_SENTENCES, "sentences", "in the cosine heatmap"),
    "BACKGROUND_SENTENCES": Limit(
        BACKGROUND_SENTENCES, "sentences", "from which Explore encodes and maps in the background"
    ),
    "INDEX_SENTENCES": Limit(
        INDEX_SENTENCES, "sentences", "past which Explore's neighbours come from an index"
    ),
    "TSNE_SENTENCES": Limit(TSNE_SENTENCES, "sentences", "mapped with t-SNE at most"),
    "SESSION_MB": Limit(SESSION_MB, "MB", "per visitor's Explore corpus in public mode"),
    "TOKENS_CHARS": Limit(TOKENS_CHARS, "characters", "read by the tokenizer view"),
    "WORDS_TO_FOLLOW": Limit(WORDS_TO_FOLLOW, "distinct words", "followed on Tokens & pooling"),
    "WORD_CHARS": Limit(WORD_CHARS, "characters", "per followed word"),
    "WORDS_BOX_CHARS": Limit(WORDS_BOX_CHARS, "characters", "in the words-to-follow box"),
    "CONTEXT_SENTENCES": Limit(CONTEXT_SENTENCES, "sentences", "in the word-in-context section"),
    "POOLING_SENTENCES": Limit(POOLING_SENTENCES, "sentences", "in the pooling comparison"),
    "SMALL_BOX_CHARS": Limit(SMALL_BOX_CHARS, "characters", "per sentence box on Tokens & pooling"),
    "HEAD_STEPS": Limit(HEAD_STEPS, "steps", "of attention-head training"),
    "TRIPLETS": Limit(TRIPLETS, "triplets", "used by the losses and charts"),
    "TABLE_ROWS": Limit(TABLE_ROWS, "rows", "kept in the triplet table"),
    "CELL_CHARS": Limit(CELL_CHARS, "characters", "per cell of the triplet table"),
    "TRAIN_TRIPLETS": Limit(TRAIN_TRIPLETS, "triplets", "per fine-tuning run"),
    "EPOCHS": Limit(EPOCHS, "epochs", "per fine-tuning run"),
    "PASTE_CHARS": Limit(PASTE_CHARS, "characters", "in the paste-rows box"),
    "FINE_TUNED_COPIES": Limit(FINE_TUNED_COPIES, "fine-tuned copies", "on the server at once"),
    "COPY_IDLE_MINUTES": Limit(
        COPY_IDLE_MINUTES, "minutes", "unused before a fine-tuned copy may be dropped"
    ),
    "DOCUMENT_CHARS": Limit(DOCUMENT_CHARS, "characters", "used per document"),
    "DOCUMENTS_CHARS": Limit(DOCUMENTS_CHARS, "characters", "over all documents together"),
    "DOCUMENTS": Limit(DOCUMENTS, "documents", "searched at once"),
    "CHUNKS": Limit(CHUNKS, "chunks", "searched over all documents"),
    "UPLOADS": Limit(UPLOADS, "files", "uploaded at once on the search page"),
    "UPLOADS_MB": Limit(UPLOADS_MB, "MB", "of uploads together on the search page"),
    "PASTE_DOCUMENT_CHARS": Limit(PASTE_DOCUMENT_CHARS, "characters", "in the paste-a-text box"),
    "QUERY_CHARS": Limit(QUERY_CHARS, "characters", "per search query"),
    "NAME_CHARS": Limit(NAME_CHARS, "characters", "per model name"),
    "MAP_AUTO_SENTENCES": Limit(
        MAP_AUTO_SENTENCES, "sentences", "mapped by UMAP and t-SNE without pressing Compute"
    ),
    "GEOMETRY_SENTENCES": Limit(
        GEOMETRY_SENTENCES, "sentences", "in the map lab's geometry lessons"
    ),
    "RAW_SENTENCES": Limit(RAW_SENTENCES, "sentences", "in the metric lesson (encoded twice)"),
    "UPLOAD_MB": Limit(UPLOAD_MB, "MB", "per uploaded file"),
    "CSV_ROWS": Limit(CSV_ROWS, "rows", "read from a CSV"),
    "CSV_COLUMNS": Limit(CSV_COLUMNS, "columns", "read from a CSV"),
    "CSV_HEADER_COLUMNS": Limit(
        CSV_HEADER_COLUMNS, "cells", "on one line of a CSV (a wider line is refused)"
    ),
    "VECTOR_UPLOAD_MB": Limit(
        VECTOR_UPLOAD_MB, "MB", "of vector files together per import on Explore"
    ),
    "VECTOR_DIMENSIONS": Limit(VECTOR_DIMENSIONS, "dimensions", "per imported vector"),
    "PARQUET_EXPANDED_MB": Limit(
        PARQUET_EXPANDED_MB, "MB", "a Parquet import may expand to (uncompressed, rows used)"
    ),
    "PDF_PAGES": Limit(PDF_PAGES, "pages", "of a PDF read at most (distinct page objects)"),
    "PDF_SECONDS": Limit(PDF_SECONDS, "seconds", "of text extraction per PDF before it stops"),
    "CHART_MB": Limit(CHART_MB, "MB", "per chart at most, for any input"),
    "MESSAGE_MB": Limit(MESSAGE_MB, "MB", "per message from the server (server.maxMessageSize)"),
    "CACHE_MB": Limit(CACHE_MB, "MB", "for all cached results together"),
    "CACHE_TTL_MINUTES": Limit(CACHE_TTL_MINUTES, "minutes", "before an unused result is dropped"),
    "JOB_SECONDS": Limit(JOB_SECONDS, "seconds", "per heavy job before it is stopped"),
    "MAP_SECONDS": Limit(MAP_SECONDS, "seconds", f"for a map of {SENTENCES:,} points on Explore"),
    "TRAIN_SECONDS": Limit(TRAIN_SECONDS, "seconds", "per training run before it is stopped"),
    "QUEUE_LENGTH": Limit(QUEUE_LENGTH, "jobs", "waiting at once"),
    "MODEL_MB": Limit(MODEL_MB, "MB", "per model download in public mode"),
    "ROOMS_OPEN": Limit(ROOMS_OPEN, "class rooms", "open at once on the server"),
    "ROOM_STUDENTS": Limit(ROOM_STUDENTS, "students", "per class room"),
    "ROOM_SENTENCES": Limit(ROOM_SENTENCES, "sentences", "per student sent to a class room's map"),
    "ROOM_NAME_CHARS": Limit(ROOM_NAME_CHARS, "characters", "per student name in a class room"),
    "ROOM_SENTENCE_CHARS": Limit(
        ROOM_SENTENCE_CHARS, "characters", "per sentence sent to (or set in) a class room"
    ),
    "ROOM_ANSWERS": Limit(ROOM_ANSWERS, "answers", "per class-room activity (one per student)"),
    "ROOM_ACTIVITIES": Limit(ROOM_ACTIVITIES, "activities", "per class room"),
    "ROOM_IDLE_HOURS": Limit(
        ROOM_IDLE_HOURS, "hours", "unused before a class room expires with all it holds"
    ),
    "ROOM_JOIN_ATTEMPTS": Limit(
        ROOM_JOIN_ATTEMPTS, "join attempts", "per browser session per minute"
    ),
}


@dataclass(frozen=True)
class ReaderBudget:
    """What reading one input may cost at most, whatever a visitor sends: wall time and peak
    extra memory, measured in a subprocess by tests/budget/ on hostile inputs up to the caps."""

    what: str
    seconds: float
    mb: int


# Measured figures (2 shared cores) are in docs/shared-server.md; each budget leaves room for a
# busy machine. Every reader raises nothing but `InputError` on these inputs.
READER_BUDGETS: dict[str, ReaderBudget] = {
    "text box": ReaderBudget("a text box's value (Explore, at its cap)", 6, 100),
    "pasted text (chunked)": ReaderBudget("a pasted or uploaded text, chunked", 40, 150),
    "CSV": ReaderBudget("an uploaded CSV (sentences, triplets, vectors)", 10, 250),
    "TXT": ReaderBudget("an uploaded .txt or .md", 5, 100),
    "PDF": ReaderBudget("an uploaded PDF", 15 + PDF_SECONDS, 150),
    "Parquet": ReaderBudget("uploaded Parquet", 6, 250),
    "npy": ReaderBudget("an uploaded .npy", 5, 100),
    "TSV": ReaderBudget("an uploaded Projector TSV pair", 6, 150),
    "lesson": ReaderBudget("a lesson file", 8, 150),
    "link": ReaderBudget("a link's parameters", 2, 50),
}


def help_text(name: str) -> str:
    """`Limit: 5,000 sentences used on Explore (typed or uploaded).` for a widget's `help=`."""
    return f"Limit: {LIMITS[name].text}."


def markdown_table() -> str:
    """Every limit as a Markdown table (for the README's Limits section)."""
    rows = ["| limit | value | name in `components/core/limits.py` |", "| --- | --- | --- |"]
    rows += [
        f"| {limit.unit} {limit.where} | {limit.value:,} | `{name}` |"
        for name, limit in LIMITS.items()
    ]
    rows += [
        f"| time and extra memory to read {budget.what}, at most | {budget.seconds:g} s, "
        f'{budget.mb:,} MB | `READER_BUDGETS["{name}"]` |'
        for name, budget in READER_BUDGETS.items()
    ]
    return "\n".join(rows)
