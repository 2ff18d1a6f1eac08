"""Embed a whole corpus into Parquet, resumably: `python -m components.data.batch_embed INPUT OUTPUT`.

    python -m components.data.batch_embed sentences.txt vectors.parquet
    python -m components.data.batch_embed reviews.csv vectors.parquet --column review --batch-size 64
    python -m components.data.batch_embed corpus.parquet out_folder --engine dask --workers 2

INPUT is a `.txt` (one sentence a line; blank lines are skipped), a `.csv` or a `.parquet` (the
text column is `--column`, else `text`). OUTPUT is Parquet with `text`, `vector` (list<float32>,
L2-normalised: `model.encode(texts, normalize_embeddings=True)`) and the input's other columns,
rows in input order. The model's name is stored in the file's metadata, so the lab knows which
model can encode queries against these vectors.

Resumable (the local engine): rows are embedded in parts of `--part-rows` rows; each part is
written to `OUTPUT.parts/` atomically (a temporary file, then a rename), next to a manifest that
holds a hash of the input file and of the arguments. Killed at any moment (even SIGKILL) and run
again with the same arguments, it keeps the finished parts, embeds the rest, and finally writes
OUTPUT atomically from the parts (then deletes them). Every row ends up in OUTPUT exactly once,
in order. Different input or arguments never mix with old parts: the run stops and says so
(`--restart` throws the old parts away).

Past one machine (`--engine dask`): the same embedding function runs on Dask
(`dask.dataframe.map_partitions`), on a local cluster of `--workers` processes or on an existing
cluster (`--scheduler tcp://host:8786`); each worker process loads the model once. OUTPUT is
then a folder of Parquet parts (`part.00000.parquet`, ...) that `components.data.vector_io` and the
lab read as one table. Dask retries failed tasks itself; this engine does not resume a killed
run (run it again: it starts over).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import importlib
import io
import json
import logging
import os
import re
import shutil
import sys
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from components.core.texts import InputError
from components.data.vector_io import MODEL_KEY, VECTOR_COLUMN, vectors_arrow_array

FORMAT_VERSION = 1  # bump when the part layout changes: old parts are then not reused
DEFAULT_PART_ROWS = 1024
DEFAULT_BATCH_SIZE = 32
TEXT_COLUMN = "text"
JOB_KEY = b"batch_embed_job"  # Parquet schema metadata of OUTPUT: the job that made it
_PART_NAME = re.compile(r"^part-(\d{10})-(\d{10})\.parquet$")


@dataclass(frozen=True)
class Job:
    input: Path
    output: Path
    column: str | None = None
    model: str = "sentence-transformers/all-MiniLM-L6-v2"
    batch_size: int = DEFAULT_BATCH_SIZE
    part_rows: int = DEFAULT_PART_ROWS

    @property
    def parts_dir(self) -> Path:
        return self.output.with_name(self.output.name + ".parts")

    def key(self) -> str:
        """Hash of the input file's bytes and of every argument that changes the output."""
        digest = hashlib.sha256()
        with open(self.input, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        settings = {
            "format": FORMAT_VERSION,
            "column": self.column,
            "model": self.model,
            "batch_size": self.batch_size,
            "part_rows": self.part_rows,
        }
        digest.update(json.dumps(settings, sort_keys=True).encode())
        return digest.hexdigest()


# ---------------------------------------------------------------- reading the input
def _decode_text_file(data: bytes, name: str) -> str:
    if b"\x00" in data[:8192]:
        raise InputError(f"`{name}` looks like a binary file, not text (it contains NUL bytes).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        print(f"note: `{name}` is not UTF-8; reading it as Windows-1252.", file=sys.stderr)
        return data.decode("cp1252", errors="replace")


def read_input(path: Path, column: str | None = None) -> tuple[list[str], pa.Table]:
    """The texts to embed and the input's other columns (an Arrow table, same row order).

    Raises:
        InputError: unknown format, missing column, clashing column names, no rows.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"`{path}` is not a file.")
    suffix = path.suffix.lower()
    if suffix == ".txt":
        if column is not None:
            raise InputError(
                "--column is for .csv and .parquet inputs; a .txt has one text a line."
            )
        lines = _decode_text_file(path.read_bytes(), path.name).splitlines()
        texts = [line.strip() for line in lines if line.strip()]
        table = pa.table({TEXT_COLUMN: pa.array(texts, pa.string())})
    elif suffix == ".csv":
        try:
            text = _decode_text_file(path.read_bytes(), path.name)
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
            raise InputError(f"Could not read `{path}`: {str(error).splitlines()[0]}") from error
        table = pa.Table.from_pandas(frame, preserve_index=False)
    elif suffix == ".parquet":
        try:
            table = pq.read_table(path)
        except (pa.ArrowException, OSError) as error:  # ArrowInvalid, a thrift OSError
            raise InputError(f"Could not read `{path}` as Parquet: {error}") from error
        table = table.replace_schema_metadata(None)
    else:
        raise InputError(f"`{path.name}`: the input must be a .txt, .csv or .parquet file.")
    names = table.column_names
    chosen = column or TEXT_COLUMN
    if chosen not in names:
        raise InputError(
            f"`{path.name}` has no column `{chosen}`"
            + ("" if column else " (choose one with --column)")
            + ". Its columns are: "
            + ", ".join(f"`{n}`" for n in names)
        )
    clashes = [n for n in names if n in (TEXT_COLUMN, VECTOR_COLUMN) and n != chosen]
    if clashes:
        raise InputError(
            f"`{path.name}` already has a column "
            + ", ".join(f"`{n}`" for n in clashes)
            + f" besides the text column `{chosen}`; the output's `text` and `vector` would "
            "overwrite it. Rename it first."
        )
    texts_column = table.column(chosen)
    if not pa.types.is_string(texts_column.type) and not pa.types.is_large_string(
        texts_column.type
    ):
        raise InputError(f"Column `{chosen}` holds {texts_column.type}, not text.")
    texts = ["" if value is None else value for value in texts_column.to_pylist()]
    if not texts:
        raise InputError(f"`{path.name}` has no rows to embed.")
    return texts, table.drop_columns([chosen])


# ---------------------------------------------------------------- embedding, shared by engines
def embed_rows(model, texts: Sequence[str], batch_size: int) -> np.ndarray:
    """Unit vectors (n, dim) of `texts`: `model.encode(texts, normalize_embeddings=True)`."""
    from components.models.encoder import embed

    return embed(model, list(texts), normalize=True, batch_size=batch_size)


def output_table(texts: Sequence[str], vectors: np.ndarray, others: pa.Table) -> pa.Table:
    """`text`, `vector`, then the input's other columns."""
    table = pa.table(
        {
            TEXT_COLUMN: pa.array(list(texts), pa.string()),
            VECTOR_COLUMN: vectors_arrow_array(vectors),
        }
    )
    for name in others.column_names:
        table = table.append_column(others.schema.field(name), others.column(name))
    return table


def _write_atomically(path: Path, write) -> None:
    """Write via a temporary file in the same folder, flushed to disk, then renamed over `path`."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write(temporary)
    with open(temporary, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)


# ---------------------------------------------------------------- the local, resumable engine
def _part_path(parts_dir: Path, start: int, end: int) -> Path:
    return parts_dir / f"part-{start:010d}-{end:010d}.parquet"


def _finished_parts(parts_dir: Path, ranges: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Ranges whose part file is complete; leftovers (temporary files, damaged parts) go."""
    planned = set(ranges)
    done = set()
    for path in parts_dir.iterdir():
        match = _PART_NAME.match(path.name)
        if path.name == "manifest.json":
            continue
        if match is None:
            path.unlink()  # a temporary file of a killed run
            continue
        span = (int(match.group(1)), int(match.group(2)))
        try:
            complete = span in planned and pq.read_metadata(path).num_rows == span[1] - span[0]
        except (pa.ArrowException, OSError):  # unreadable (e.g. cut short): redo it
            complete = False
        if complete:
            done.add(span)
        else:
            path.unlink()
    return done


def _prepare_parts_dir(job: Job, key: str, rows: int, restart: bool) -> None:
    parts_dir = job.parts_dir
    manifest_path = parts_dir / "manifest.json"
    if parts_dir.exists():
        manifest = None
        if manifest_path.exists():
            try:
                manifest = json.loads(manifest_path.read_text())
            except (OSError, ValueError):
                manifest = None
        ours = manifest is None and all(
            _PART_NAME.match(p.name) or p.name.endswith(".tmp") for p in parts_dir.iterdir()
        )
        if restart or ours:
            shutil.rmtree(parts_dir)
        elif manifest is None or manifest.get("key") != key:
            raise InputError(
                f"`{parts_dir}` holds parts of another run (a different input file or other "
                "arguments). Run again with --restart to throw them away, or choose another "
                "OUTPUT."
            )
    if not parts_dir.exists():
        parts_dir.mkdir(parents=True)
        manifest = {"key": key, "rows": rows, **{k: str(v) for k, v in asdict(job).items()}}
        _write_atomically(manifest_path, lambda path: path.write_text(json.dumps(manifest)))


def _output_is_complete(job: Job, key: str) -> bool:
    if not job.output.is_file():
        return False
    try:
        metadata = pq.read_schema(job.output).metadata or {}
    except (pa.ArrowException, OSError):  # not a Parquet file: it will be replaced
        return False
    return metadata.get(JOB_KEY) == key.encode()


def run_local(job: Job, restart: bool = False, model=None, progress: bool = True) -> Path:
    """Embed `job.input` into `job.output`, resuming from finished parts.

    Args:
        model: an already loaded model (else `job.model` is loaded).
        progress: show a tqdm progress bar on stderr.

    Returns:
        The output path.
    """
    from tqdm import tqdm

    key = job.key()
    if _output_is_complete(job, key) and not restart:
        shutil.rmtree(job.parts_dir, ignore_errors=True)  # a run killed while tidying up
        print(
            f"{job.output} is already complete for this input and these arguments.", file=sys.stderr
        )
        return job.output
    texts, others = read_input(job.input, job.column)
    ranges = [
        (start, min(start + job.part_rows, len(texts)))
        for start in range(0, len(texts), job.part_rows)
    ]
    _prepare_parts_dir(job, key, len(texts), restart)
    done = _finished_parts(job.parts_dir, ranges)
    done_rows = sum(end - start for start, end in done)
    if done:
        print(
            f"resuming: {done_rows:,} of {len(texts):,} rows already embedded "
            f"({len(done)} of {len(ranges)} parts).",
            file=sys.stderr,
        )
    todo = [span for span in ranges if span not in done]
    if todo and model is None:
        model = load_job_model(job.model)
    with tqdm(
        total=len(texts), initial=done_rows, unit="rows", desc="embedding", disable=not progress
    ) as bar:
        for start, end in todo:
            vectors = embed_rows(model, texts[start:end], job.batch_size)  # (rows, dim)
            table = output_table(texts[start:end], vectors, others.slice(start, end - start))
            _write_atomically(
                _part_path(job.parts_dir, start, end), lambda path, t=table: pq.write_table(t, path)
            )
            bar.update(end - start)
    _combine(job, key, ranges)
    shutil.rmtree(job.parts_dir)
    return job.output


def _combine(job: Job, key: str, ranges: list[tuple[int, int]]) -> None:
    """Write OUTPUT from the parts, in row order, atomically."""
    first = pq.read_schema(_part_path(job.parts_dir, *ranges[0]))
    schema = first.with_metadata(
        {**(first.metadata or {}), MODEL_KEY: job.model.encode(), JOB_KEY: key.encode()}
    )

    def write(path: Path) -> None:
        with pq.ParquetWriter(path, schema) as writer:
            for start, end in ranges:
                table = pq.read_table(_part_path(job.parts_dir, start, end))
                writer.write_table(table.replace_schema_metadata(schema.metadata))

    job.output.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(job.output, write)


# ---------------------------------------------------------------- models, once per process
_MODEL_LOCK = threading.Lock()  # one encode at a time per process: the tokenizer is not thread-safe


@functools.cache
def load_job_model(name: str):
    """The model, loaded once per process (every Dask worker process calls this)."""
    from components.models.encoder import load_model

    return load_model(name)


# ---------------------------------------------------------------- the Dask engine
def embed_partition(frame: pd.DataFrame, model_name: str, batch_size: int) -> pd.DataFrame:
    """One Dask partition: its `text` column embedded into a `vector` column (kept 2nd)."""
    model = load_job_model(model_name)
    with _MODEL_LOCK:
        vectors = embed_rows(model, frame[TEXT_COLUMN].tolist(), batch_size)  # (rows, dim)
    result = frame.copy()
    result.insert(1, VECTOR_COLUMN, list(vectors))
    return result


def run_dask(
    job: Job,
    workers: int = 2,
    scheduler: str | None = None,
    processes: bool = True,
) -> Path:
    """Embed with Dask into a folder of Parquet parts (`job.output/part.00000.parquet`, ...).

    Args:
        workers: local cluster size (one thread each), when no `scheduler` is given.
        scheduler: address of a running Dask scheduler (e.g. "tcp://10.0.0.5:8786"); the input
            must be readable by the workers only through this process (it is sent to them).
        processes: local workers as processes (True) or threads of this process.
    """
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    texts, others = read_input(job.input, job.column)
    frame = pa.table({TEXT_COLUMN: pa.array(texts, pa.string())})
    for name in others.column_names:
        frame = frame.append_column(others.schema.field(name), others.column(name))
    pandas_frame = frame.to_pandas()
    schema = pa.schema(
        [frame.schema.field(TEXT_COLUMN), pa.field(VECTOR_COLUMN, pa.list_(pa.float32()))]
        + [frame.schema.field(name) for name in others.column_names]
    )
    meta = pandas_frame.iloc[:0].copy()
    meta.insert(1, VECTOR_COLUMN, pd.Series([], dtype=object))
    partitions = dd.from_pandas(pandas_frame, chunksize=job.part_rows, sort=False)
    # By its importable name: run as `python -m`, this module is `__main__`, which workers lack.
    partition_function = importlib.import_module("components.data.batch_embed").embed_partition
    embedded = partitions.map_partitions(
        partition_function, job.model, job.batch_size, meta=meta, align_dataframes=False
    )
    if job.output.exists():
        shutil.rmtree(job.output) if job.output.is_dir() else job.output.unlink()

    def write() -> None:
        embedded.to_parquet(
            job.output,
            write_index=False,
            schema=schema,
            name_function=lambda index: f"part.{index:05d}.parquet",
            custom_metadata={MODEL_KEY: job.model.encode()},
        )

    if scheduler:
        with Client(scheduler):
            write()
    else:
        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=processes,
                dashboard_address=None,
                silence_logs=logging.ERROR,
                # torch in each worker process: share the cores instead of each taking them all
                **(
                    {"env": {"OMP_NUM_THREADS": str(max(1, (os.cpu_count() or 1) // workers))}}
                    if processes
                    else {}
                ),
            ) as cluster,
            Client(cluster),
        ):
            write()
    return job.output


# ---------------------------------------------------------------- command line
def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m components.data.batch_embed",
        description="Embed a .txt, .csv or .parquet corpus into Parquet (text, vector, other "
        "columns), resumably.",
    )
    parser.add_argument("input", type=Path, help=".txt (one text a line), .csv or .parquet")
    parser.add_argument("output", type=Path, help="the Parquet file (a folder with --engine dask)")
    parser.add_argument("--column", help="the text column of a .csv/.parquet (default: text)")
    parser.add_argument("--model", default="sentence-transformers/all-MiniLM-L6-v2")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument(
        "--part-rows", type=int, default=DEFAULT_PART_ROWS, help="rows per part / partition"
    )
    parser.add_argument("--engine", choices=("local", "dask"), default="local")
    parser.add_argument("--workers", type=int, default=2, help="Dask local cluster processes")
    parser.add_argument("--scheduler", help="address of a running Dask scheduler")
    parser.add_argument(
        "--threads", type=int, help="torch threads for the local engine (default: torch's own)"
    )
    parser.add_argument("--restart", action="store_true", help="throw away old parts")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    arguments = parser.parse_args(argv)
    for name in ("batch_size", "part_rows", "workers", "threads"):
        if getattr(arguments, name) is not None and getattr(arguments, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return arguments


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (0 done, 2 bad input or model)."""
    from components.data.imported_vectors import canonical_model_name
    from components.models.encoder import ModelLoadError

    arguments = parse_arguments(argv)
    if arguments.threads:
        import torch

        torch.set_num_threads(arguments.threads)
    job = Job(
        input=arguments.input,
        output=arguments.output,
        column=arguments.column,
        model=canonical_model_name(arguments.model),
        batch_size=arguments.batch_size,
        part_rows=arguments.part_rows,
    )
    try:
        if arguments.engine == "dask":
            output = run_dask(job, arguments.workers, arguments.scheduler)
        else:
            output = run_local(job, arguments.restart, progress=not arguments.no_progress)
    except (InputError, ModelLoadError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
