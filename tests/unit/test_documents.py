from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter

from components.core import limits
from components.core.texts import InputError
from components.data.documents import (
    LESSON_QUERIES,
    from_sample,
    from_text,
    from_upload,
    sample_names,
    section_at,
)


def text_pdf(lines: list[str]) -> bytes:
    """A minimal one-page PDF with a real text layer (Helvetica), written by hand."""
    stream = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    positions = []
    for number, body in enumerate(objects, start=1):
        positions.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for position in positions:
        out.write(f"{position:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode())
    out.write(f"startxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def blank_pdf(pages: int = 2) -> bytes:
    """A PDF of empty pages: like a scan, it has no text layer."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(["Secret lighthouse log"]))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_text_layer_is_extracted():
    loaded = from_upload(text_pdf(["The keeper trimmed the wicks.", "Fog rolled in."]), "log.pdf")
    assert "The keeper trimmed the wicks." in loaded.document.text
    assert "Fog rolled in." in loaded.document.text
    assert loaded.document.source == "upload"


def test_pdf_without_text_layer_is_refused_with_a_message():
    with pytest.raises(InputError, match="no text layer"):
        from_upload(blank_pdf(), "scan.pdf")


def test_password_protected_pdf_is_refused_with_a_message():
    data = encrypted_pdf("secret")
    assert PdfReader(io.BytesIO(data)).is_encrypted
    with pytest.raises(InputError, match="encrypted with a password"):
        from_upload(data, "locked.pdf")


def test_pdf_encrypted_with_an_empty_password_opens():
    loaded = from_upload(encrypted_pdf(""), "restricted.pdf")
    assert "Secret lighthouse log" in loaded.document.text


def test_damaged_pdf_is_refused_with_a_message():
    with pytest.raises(InputError, match="PDF"):
        from_upload(b"%PDF-1.4\nthis is not really a pdf", "broken.pdf")


def test_text_and_markdown_uploads():
    assert from_upload(b"# Title\n\nSome text.", "notes.md").document.text.startswith("#")
    latin = from_upload("café crème".encode("cp1252"), "old.txt")
    assert latin.document.text == "café crème" and latin.messages  # says it was not UTF-8


@pytest.mark.parametrize("data", [b"", b"   \n\n  "])
def test_empty_documents_are_refused(data):
    with pytest.raises(InputError, match="empty"):
        from_upload(data, "empty.txt")
    with pytest.raises(InputError, match="empty"):
        from_text(data.decode())


def test_upload_over_the_size_limit_is_refused_before_parsing():
    with pytest.raises(InputError, match=f"limit is {limits.UPLOAD_MB} MB"):
        from_upload(b"a" * (limits.UPLOAD_MB * 1024 * 1024 + 1), "huge.txt")


def test_very_long_text_is_cut_with_a_warning():
    loaded = from_text("word " * (limits.DOCUMENT_CHARS // 4))
    assert len(loaded.document.text) == limits.DOCUMENT_CHARS
    assert loaded.messages and loaded.messages[0].level == "warning"


def test_shipped_samples_are_long_and_different():
    names = sample_names()
    assert len(names) >= 2
    texts = [from_sample(name).document.text for name in names]
    assert all(len(text.split()) >= 5_000 for text in texts)
    assert len({text[:200] for text in texts}) == len(texts)


def test_lesson_queries_point_at_real_sections():
    for _, filename, heading in LESSON_QUERIES:
        text = from_sample(filename).document.text
        offset = text.index(heading)
        assert section_at(text, offset + len(heading) + 50) == heading
