"""`build_once`: the one way the ONNX export and the int8 quantisation are built on disk."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from components.models.onnx_files import OnnxUnavailable, build_once


def done(folder: Path) -> bool:
    return (folder / "done.txt").exists()


def writer(program: str):
    """A subprocess that runs `program` with `out` bound to the folder it must write into."""
    return lambda partial: [
        sys.executable,
        "-c",
        f"import pathlib; out = {str(partial)!r}; {program}",
    ]


def test_a_build_lands_in_place_once_and_is_not_repeated(tmp_path):
    final = tmp_path / "model-export"
    statuses: list[str] = []
    program = "pathlib.Path(out, 'done.txt').write_text('1')"
    assert (
        build_once(final, writer(program), done, "export", "building", on_status=statuses.append)
        == final
    )
    assert done(final) and statuses == ["building"]
    assert not list(tmp_path.glob("*.tmp-*"))  # the temporary folder was renamed, not copied
    # A second call finds it done: no subprocess (a failing command would raise), no status.
    failing = writer("raise SystemExit(3)")
    assert (
        build_once(final, failing, done, "export", "building", on_status=statuses.append) == final
    )
    assert statuses == ["building"]


def test_a_failed_build_says_why_and_leaves_nothing_behind(tmp_path):
    final = tmp_path / "model-export"
    program = "import sys; print('the weights are damaged', file=sys.stderr); sys.exit(2)"
    with pytest.raises(
        OnnxUnavailable, match="the int8 quantisation failed: the weights are damaged"
    ):
        build_once(final, writer(program), done, "int8 quantisation", "quantising")
    assert not final.exists() and not list(tmp_path.glob("*.tmp-*"))


def test_a_build_that_exits_cleanly_but_incomplete_is_a_failure(tmp_path):
    final = tmp_path / "model-export"
    with pytest.raises(OnnxUnavailable, match="export failed"):
        build_once(final, writer("pass"), done, "export", "building")
    assert not final.exists()


def test_a_build_past_its_time_is_stopped(tmp_path):
    final = tmp_path / "model-export"
    with pytest.raises(OnnxUnavailable, match="took more than 1 s"):
        build_once(final, writer("import time; time.sleep(30)"), done, "export", "x", timeout=1)
    assert not final.exists() and not list(tmp_path.glob("*.tmp-*"))


def test_leftovers_of_a_crashed_build_are_cleared_first(tmp_path):
    final = tmp_path / "model-export"
    (tmp_path / "model-export.tmp-dead").mkdir()
    final.mkdir()  # half-built: no done.txt
    (final / "junk.onnx").write_text("partial")
    build_once(final, writer("pathlib.Path(out, 'done.txt').write_text('1')"), done, "export", "x")
    assert done(final) and not (final / "junk.onnx").exists()
    assert not list(tmp_path.glob("*.tmp-*"))
