from __future__ import annotations

from components.content.glossary import TERMS, search_terms
from tests.app.conftest import open_page, texts_of

GLOSSARY = "pages/6_Glossary.py"


def test_glossary_lists_every_term_and_searches():
    app = open_page(GLOSSARY)
    assert not app.exception
    assert app.title[0].value == "📖 Glossary"
    shown = texts_of(app.markdown)
    assert all(f"**{term.term}**" in shown for term in TERMS)

    app.text_input(key="glossary_query").input("temperature").run()
    assert not app.exception
    shown = texts_of(app.markdown)
    assert "**Temperature**" in shown and "**UMAP**" not in shown
    assert f"{len(search_terms('temperature'))} of {len(TERMS)} terms" in texts_of(app.caption)

    app.text_input(key="glossary_query").input("<script>alert(1)</script> zebra").run()
    assert not app.exception
    assert "No term matches" in texts_of(app.info)
