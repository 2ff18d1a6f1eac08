"""Click through the Long text & search lab in a real browser, with screenshots of each step."""

from __future__ import annotations

from tests.e2e.conftest import settle, shot
from tests.unit.test_documents import blank_pdf, text_pdf

QUOKKA = (
    "# Quokka notes\n\n"
    + "The quokka is a small wallaby that lives on Rottnest Island near Perth. " * 6
    + "\n\nQuokkas eat leaves and grasses at night and rest in the shade by day. " * 6
    + "\n\n<script>window.hacked = 1</script> A quokka can climb low trees. " * 3
)


def test_search_main_flow(page, app_url, tmp_path):
    page.goto(f"{app_url}/Search_Long_Text")
    settle(page)
    page.get_by_text("2 · Chunking by tokens").wait_for()
    assert page.locator(".st-key-search_chunk_view span[title^='overlap of chunks']").count() > 3
    page.locator(".st-key-search_chunk_view").scroll_into_view_if_needed()
    shot(page, "search_1_samples_chunked")

    notes = tmp_path / "quokka_notes.md"
    notes.write_text(QUOKKA, encoding="utf-8")
    pdf = tmp_path / "island_log.pdf"
    pdf.write_bytes(text_pdf(["The ferry to Rottnest Island left at dawn.", "Quokkas waited."]))
    scan = tmp_path / "scanned.pdf"
    scan.write_bytes(blank_pdf())
    page.locator(".st-key-search_uploads input[type='file']").set_input_files(
        [str(notes), str(pdf), str(scan)]
    )
    settle(page)
    page.get_by_text("has no text layer").first.wait_for()  # the scan gets a message
    assert page.get_by_text("quokka_notes.md", exact=False).count() > 0
    assert page.evaluate("window.hacked") is None  # uploaded text is shown, never run
    page.get_by_role("heading", name="1 · Documents").scroll_into_view_if_needed()
    shot(page, "search_2_uploaded_files")

    box = page.locator(".st-key-search_query input")
    box.fill("Where do quokkas live?")
    box.press("Enter")
    settle(page)
    first_hit = page.locator("[data-testid='stExpander']").filter(has_text="cosine").first
    assert "quokka_notes.md" in first_hit.inner_text()
    marked = first_hit.locator("mark").first.inner_text()
    assert "Rottnest Island" in marked
    first_hit.scroll_into_view_if_needed()
    shot(page, "search_3_query_results")
    page.locator(".st-key-search_map").scroll_into_view_if_needed()
    shot(page, "search_4_query_map")

    page.locator(".st-key-search_reranker").get_by_text("Late interaction (MaxSim)").click()
    settle(page)
    page.get_by_text("Late interaction", exact=False).nth(1).wait_for()
    page.locator(".st-key-search_rerank").scroll_into_view_if_needed()
    shot(page, "search_5_rerank_maxsim")

    page.locator(".st-key-search_pooling").get_by_text("attention").click()
    settle(page)
    page.locator(".st-key-search_book_heatmap").scroll_into_view_if_needed()
    shot(page, "search_6_book_vectors")
