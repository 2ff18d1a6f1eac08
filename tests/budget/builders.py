"""Hostile files built by hand, byte by byte: the crafted cases of issue 19 and their kin.

Each builder returns the bytes a visitor could upload. PDFs are assembled object by object with
a correct cross-reference table, so pypdf reads them as it would a real file.
"""

from __future__ import annotations

import io
import zlib

import numpy as np


def pdf(objects: dict[int, bytes], root: int = 1) -> bytes:
    """A PDF of numbered objects (number -> body bytes) with a cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n")
    xref = out.tell()
    size = max(objects) + 1
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    for number in range(1, size):
        if number in offsets:
            out.write(b"%010d 00000 n \n" % offsets[number])
        else:
            out.write(b"0000000000 65535 f \n")
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref)
    )
    return out.getvalue()


def stream(content: bytes, compress: bool = False) -> bytes:
    if compress:
        content = zlib.compress(content, 9)
        return (
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content)
            + content
            + (b"\nendstream")
        )
    return b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _page(parent: int, contents: int, font: int) -> bytes:
    return (
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
        b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (parent, contents, font)
    )


def text_pdf(pages: list[str]) -> bytes:
    """An ordinary PDF: one line of text a page."""
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 3: FONT}
    kids = []
    for number, text in enumerate(pages):
        page, content = 4 + 2 * number, 5 + 2 * number
        kids.append(b"%d 0 R" % page)
        objects[page] = _page(2, content, 3)
        objects[content] = stream(b"BT /F1 12 Tf 72 712 Td (%s) Tj ET" % text.encode("latin-1"))
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(pages))
    return pdf(objects)


def shared_page_pdf(references: int = 64, words: int = 20_000) -> bytes:
    """Issue 19: a page tree whose `references` kids are one page object with one content
    stream (2.3 kB took pypdf 105 s as 64 pages)."""
    text = b" ".join(b"(w%d) Tj" % (i % 10) for i in range(words))
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join([b"4 0 R"] * references), references),
        3: FONT,
        4: _page(2, 5, 3),
        5: stream(b"BT /F1 12 Tf 72 712 Td " + text + b" ET", compress=True),
    }
    return pdf(objects)


def page_dag_pdf(levels: int = 15) -> bytes:
    """A page tree of `levels` /Pages nodes, each with two kids that are the same next node:
    2**levels leaves from `levels + 1` objects (a 15-level tree would take pypdf hours)."""
    objects = {1: b"<< /Type /Catalog /Pages 10 0 R >>", 3: FONT, 4: _page(10, 5, 3)}
    objects[5] = stream(b"BT /F1 12 Tf 72 712 Td (hello) Tj ET")
    for level in range(levels):
        node, child = 10 + level, 10 + level + 1 if level + 1 < levels else 4
        objects[node] = b"<< /Type /Pages /Kids [%d 0 R %d 0 R] /Count %d >>" % (
            child,
            child,
            2 ** (levels - level),
        )
    return pdf(objects)


def page_cycle_pdf() -> bytes:
    """A page tree whose node lists itself (and its parent) as kids."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [6 0 R 4 0 R] /Count 2 >>",
        6: b"<< /Type /Pages /Kids [6 0 R 2 0 R 4 0 R] /Parent 2 0 R /Count 1 >>",
        3: FONT,
        4: _page(2, 5, 3),
        5: stream(b"BT /F1 12 Tf 72 712 Td (loop) Tj ET"),
    }
    return pdf(objects)


def long_string_pdf(characters: int = 50_000_000) -> bytes:
    """Issue 19: one compressed content stream holding a string of `characters` characters
    (49 kB; pypdf took 16 s and +639 MB)."""
    content = b"BT /F1 12 Tf 72 712 Td (" + b"a" * characters + b") Tj ET"
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        3: FONT,
        4: _page(2, 5, 3),
        5: stream(content, compress=True),
    }
    return pdf(objects)


def many_pages_pdf(pages: int = 5_000) -> bytes:
    """Many small distinct pages (each its own object) sharing one content stream."""
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 3: FONT}
    objects[5] = stream(b"BT /F1 12 Tf 72 712 Td (" + b"word " * 50 + b") Tj ET")
    kids = []
    for number in range(pages):
        objects[6 + number] = _page(2, 5, 3)
        kids.append(b"%d 0 R" % (6 + number))
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), pages)
    return pdf(objects)


def npy_header(shape: tuple[int, ...], dtype: str = "<f4", data: bytes = b"\0" * 64) -> bytes:
    """A .npy file whose header claims `shape` followed by `data` (issue 19: (10**9, 384) and
    64 bytes made numpy try to allocate 1.4 TiB)."""
    header = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shape!r}, }}"
    header = header.encode("latin-1")
    padding = 64 - (10 + len(header) + 1) % 64
    header += b" " * padding + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + data


def parquet_bytes(table, **options) -> bytes:
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd", **options)
    return buffer.getvalue()


def parquet_vector_bomb(rows: int = 200_000, dimension: int = 500, group: int = 10_000) -> bytes:
    """Issue 19: a few kB of zeros that expand to rows x dimension float32 vectors (written as
    row groups of `group` rows, so building it does not take the memory it expands to)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    values = pa.array(np.zeros(group * dimension, dtype=np.float32))
    table = pa.table({"vector": pa.FixedSizeListArray.from_arrays(values, dimension)})
    buffer = io.BytesIO()
    with pq.ParquetWriter(buffer, table.schema, compression="zstd") as writer:
        for _ in range(rows // group):
            writer.write_table(table)
    return buffer.getvalue()


def parquet_text_bomb(rows: int = 100_000, characters: int = 5_000) -> bytes:
    """Issue 19: 2.2 kB that expand to `rows` texts of `characters` characters (+1.9 GB)."""
    import pyarrow as pa

    vectors = pa.FixedSizeListArray.from_arrays(pa.array(np.ones(rows * 2, dtype=np.float32)), 2)
    return parquet_bytes(pa.table({"text": pa.array(["x" * characters] * rows), "vector": vectors}))


def parquet_binary_text(valid_type: bool = False) -> bytes:
    """A text column of bytes that are not UTF-8 (as `string` when `valid_type`, else binary)."""
    import pyarrow as pa

    vectors = pa.FixedSizeListArray.from_arrays(pa.array(np.ones(4, dtype=np.float32)), 2)
    if valid_type:
        offsets = pa.py_buffer(np.array([0, 2, 4], dtype=np.int32).tobytes())
        text = pa.Array.from_buffers(
            pa.string(), 2, [None, offsets, pa.py_buffer(b"\xff\xfe\xc3(")]
        )
    else:
        text = pa.array([b"\xff\xfe", b"\xc3("], pa.binary())
    return parquet_bytes(pa.table({"text": text, "vector": vectors}))


def wide_csv_header(columns: int = 40_000, name: str = "") -> bytes:
    """A header of `columns` names (blank by default; a first column `id` so that the header
    is not a blank line) and one row."""
    header = ",".join(["id"] + [name] * (columns - 1))
    return (header + "\n" + ",".join(["1"] * columns) + "\n").encode()


def wide_number_csv(columns: int = 100_000, rows: int = 2) -> bytes:
    """A header-less vector CSV of `columns` numbers a row (issue 19: 104 s, +486 MB)."""
    line = ",".join(["0.5"] * columns)
    return ("\n".join([line] * rows) + "\n").encode()


def nested_lesson(depth: int) -> bytes:
    """A lesson whose `pages` nests `depth` arrays deep (issue 19: RecursionError at 990)."""
    return (
        b'{"schema": "sentence-embedding-lab/lesson", "version": 1, "pages": '
        + b"[" * depth
        + b"]" * depth
        + b"}"
    )


def flood_lesson(keys: int = 250_000) -> bytes:
    """A lesson with `keys` unknown keys (issue 19: 250,000 info boxes, 21 s, +627 MB)."""
    body = ",".join(f'"k{i}": 0' for i in range(keys))
    return ('{"schema": "sentence-embedding-lab/lesson", "version": 1, ' + body + "}").encode()
