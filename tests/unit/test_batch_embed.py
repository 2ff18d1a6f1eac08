"""The batch embedder: equal to model.encode, resumable after SIGKILL, and the same on Dask."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from components.core.texts import InputError
from components.data.batch_embed import (
    Job,
    _prepare_parts_dir,
    embed_rows,
    main,
    output_table,
    read_input,
    run_dask,
    run_local,
)
from components.data.vector_io import read_parquet_path
from components.models.encoder import DEFAULT_MODEL

ROOT = Path(__file__).resolve().parents[2]
ROWS = 2_000  # a few thousand short rows: enough parts to kill the run midway
WORDS = "quantum physics taco truck river bank loan bread lighthouse storm cat ünïcode 🚀".split()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    rng = np.random.default_rng(14)
    frame = pd.DataFrame(
        {
            "id": [str(i) for i in range(ROWS)],
            "sentence": [
                " ".join(rng.choice(WORDS, size=rng.integers(2, 5))) + f" {i}" for i in range(ROWS)
            ],
            "topic": [f"topic {i % 7}" for i in range(ROWS)],
        }
    )
    path = tmp_path_factory.mktemp("corpus") / "corpus.csv"
    frame.to_csv(path, index=False)
    return path, frame


@pytest.fixture(scope="module")
def reference(corpus, model) -> np.ndarray:
    return model.encode(corpus[1]["sentence"].tolist(), normalize_embeddings=True)


@pytest.fixture(scope="module")
def single_run(corpus, model, tmp_path_factory) -> tuple[np.ndarray, pd.DataFrame]:
    path, _ = corpus
    output = tmp_path_factory.mktemp("single") / "vectors.parquet"
    run_local(Job(path, output, column="sentence", part_rows=250), model=model, progress=False)
    return read_parquet_path(output)


def test_single_run_equals_model_encode_and_keeps_the_other_columns(corpus, reference, single_run):
    vectors, metadata = single_run
    np.testing.assert_allclose(vectors, reference, atol=1e-5)
    assert metadata.columns.tolist() == ["text", "id", "topic"]
    assert metadata["text"].tolist() == corpus[1]["sentence"].tolist()
    assert metadata["id"].tolist() == corpus[1]["id"].tolist()
    assert metadata.attrs["model"] == DEFAULT_MODEL


def command(input_path: Path, output: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "components.data.batch_embed",
        str(input_path),
        str(output),
        "--column",
        "sentence",
        "--part-rows",
        "100",
        "--no-progress",
    ]


def test_killed_with_sigkill_midway_then_resumed_embeds_every_row_once_in_order(
    corpus, reference, single_run, tmp_path
):
    path, frame = corpus
    output = tmp_path / "vectors.parquet"
    parts_dir = tmp_path / "vectors.parquet.parts"
    first = subprocess.Popen(
        command(path, output), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and first.poll() is None:
        if parts_dir.exists() and len(list(parts_dir.glob("part-*.parquet"))) >= 3:
            break
        time.sleep(0.05)
    assert first.poll() is None, "the first run ended before it could be killed"
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=60)
    finished = len(list(parts_dir.glob("part-*.parquet")))
    assert not output.exists() and 3 <= finished < ROWS // 100

    second = subprocess.run(
        command(path, output), cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    assert second.returncode == 0, second.stderr
    resumed = re.search(r"resuming: ([\d,]+) of 2,000 rows already embedded", second.stderr)
    assert resumed and int(resumed.group(1).replace(",", "")) >= 300

    vectors, metadata = read_parquet_path(output)
    assert metadata["id"].tolist() == frame["id"].tolist()  # every row once, in order
    assert metadata["text"].tolist() == frame["sentence"].tolist()
    np.testing.assert_allclose(vectors, reference, atol=1e-5)
    np.testing.assert_allclose(vectors, single_run[0], atol=1e-5)
    assert not parts_dir.exists()  # tidied up after the final write


def test_dask_engine_equals_the_single_process_run(corpus, single_run, reference, tmp_path):
    path, frame = corpus
    output = run_dask(
        Job(path, tmp_path / "dask_out", column="sentence", part_rows=500),
        workers=1,
        processes=False,
    )
    assert len(list(output.glob("part.*.parquet"))) == 4  # one part per partition
    vectors, metadata = read_parquet_path(output)
    assert metadata["id"].tolist() == frame["id"].tolist()
    assert metadata["text"].tolist() == frame["sentence"].tolist()
    np.testing.assert_allclose(vectors, single_run[0], atol=1e-5)
    np.testing.assert_allclose(vectors, reference, atol=1e-5)
    assert metadata.attrs["model"] == DEFAULT_MODEL


# ---------------------------------------------------------------- small, in-process cases
def small_txt(tmp_path: Path, lines: int = 45) -> tuple[Path, list[str]]:
    texts = [f"sentence number {i} about {WORDS[i % len(WORDS)]}" for i in range(lines)]
    path = tmp_path / "sentences.txt"
    path.write_text("\n".join(texts[:5]) + "\n\n   \n" + "\n".join(texts[5:]) + "\n")
    return path, texts


def test_txt_input_skips_blank_lines(tmp_path, model):
    path, texts = small_txt(tmp_path)
    output = run_local(
        Job(path, tmp_path / "out.parquet", part_rows=10), model=model, progress=False
    )
    vectors, metadata = read_parquet_path(output)
    assert metadata.columns.tolist() == ["text"] and metadata["text"].tolist() == texts
    np.testing.assert_allclose(vectors, model.encode(texts, normalize_embeddings=True), atol=1e-5)


def test_parquet_input_keeps_column_types(tmp_path, model):
    source = tmp_path / "in.parquet"
    pq.write_table(
        pa.table({"score": [0.5, 1.5, 2.5], "text": ["a cat", "a dog", "a taco"], "n": [1, 2, 3]}),
        source,
    )
    output = run_local(Job(source, tmp_path / "out.parquet"), model=model, progress=False)
    table = pq.read_table(output)
    assert table.column_names == ["text", "vector", "score", "n"]
    assert table.column("n").to_pylist() == [1, 2, 3] and pa.types.is_int64(table.column("n").type)
    assert table.column("score").to_pylist() == [0.5, 1.5, 2.5]


def test_damaged_and_temporary_parts_of_a_killed_run_are_redone(tmp_path, model, capsys):
    path, texts = small_txt(tmp_path)
    job = Job(path, tmp_path / "out.parquet", part_rows=10)
    # The state a kill can leave: one finished part, one cut short, one temporary file.
    _prepare_parts_dir(job, job.key(), len(texts), restart=False)
    all_texts, others = read_input(path)
    good = output_table(all_texts[:10], embed_rows(model, all_texts[:10], 32), others.slice(0, 10))
    pq.write_table(good, job.parts_dir / "part-0000000000-0000000010.parquet")
    pq.write_table(good, job.parts_dir / "whole.parquet")
    damaged = (job.parts_dir / "whole.parquet").read_bytes()
    (job.parts_dir / "whole.parquet").unlink()
    (job.parts_dir / "part-0000000010-0000000020.parquet").write_bytes(damaged[: len(damaged) // 2])
    (job.parts_dir / ".part-0000000020-0000000030.parquet.999.tmp").write_bytes(damaged[:100])

    run_local(job, model=model, progress=False)
    assert "resuming: 10 of 45 rows already embedded (1 of 5 parts)" in capsys.readouterr().err
    vectors, metadata = read_parquet_path(job.output)
    assert metadata["text"].tolist() == texts
    np.testing.assert_allclose(vectors, model.encode(texts, normalize_embeddings=True), atol=1e-5)


def test_parts_of_another_input_are_never_mixed_in(tmp_path, model):
    path, _ = small_txt(tmp_path)
    job = Job(path, tmp_path / "out.parquet", part_rows=10)
    _prepare_parts_dir(job, "a key of some other input", 45, restart=False)
    with pytest.raises(InputError, match="holds parts of another run.*--restart"):
        run_local(job, model=model, progress=False)
    run_local(job, restart=True, model=model, progress=False)
    assert read_parquet_path(job.output)[0].shape == (45, 384)


def test_a_finished_output_is_not_embedded_again(tmp_path, model, capsys):
    path, _ = small_txt(tmp_path, lines=5)
    job = Job(path, tmp_path / "out.parquet")
    run_local(job, model=model, progress=False)
    written = job.output.stat().st_mtime_ns
    run_local(job, model=None, progress=False)  # would have to load a model if it re-embedded
    assert job.output.stat().st_mtime_ns == written
    assert "already complete" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("files", "arguments", "message"),
    [
        (
            {"in.csv": "a,b\n1,2\n"},
            [],
            r"has no column `text` \(choose one with --column\).*`a`, `b`",
        ),
        ({"in.csv": "text,vector\nhi,1\n"}, [], "already has a column `vector`"),
        (
            {"in.csv": "sentence,text\nhi,x\n"},
            ["--column", "sentence"],
            "already has a column `text`",
        ),
        ({"in.json": "{}"}, [], "must be a .txt, .csv or .parquet"),
        ({"in.txt": "\x00\x01binary"}, [], "binary"),
        ({"in.txt": "\n \n"}, [], "no rows"),
        ({"in.parquet": "PAR1 not really"}, [], "as Parquet"),
    ],
)
def test_bad_input_exits_with_a_message_not_a_traceback(
    tmp_path, capsys, files, arguments, message
):
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    status = main([str(tmp_path / name), str(tmp_path / "out.parquet"), *arguments])
    error = capsys.readouterr().err
    assert status == 2 and re.search(message, error) and "Traceback" not in error
    assert not (tmp_path / "out.parquet").exists()
