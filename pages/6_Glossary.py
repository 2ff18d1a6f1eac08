"""Glossary: every term of the lesson and the labs, in one line, with the lab where to see it."""

from __future__ import annotations

import streamlit as st

from components.content.glossary import TERMS, search_terms
from components.state.page_state import GlossaryState
from components.state.share_links import SECTION_PARAM
from components.widgets import LABS, page_done, page_setup, persist

page_setup("Glossary", "📖", GlossaryState)
LAB_TITLES = {path: title for path, title, _ in LABS}

st.title("📖 Glossary")
st.caption(
    f"{len(TERMS)} terms from the lesson and the labs, each in one line, with the place where "
    "you can see it at work. Search by word: 'temperature', 'pooling', 'bank'…"
)
query = st.text_input(
    "Search the glossary",
    key=persist("glossary_query", ""),
    max_chars=200,
    placeholder="e.g. temperature, hard negative, UMAP",
    help="Matches the term, its other names and its definition; every word must appear. "
    "Upper/lower case and accents are ignored.",
)
found = search_terms(query)
if not found:
    st.info(f"No term matches “{query}”. Try a shorter word, or clear the search to see all.")
else:
    st.caption(f"{len(found)} of {len(TERMS)} terms" if query.strip() else "All terms, A–Z")
terms = st.container(key="wide_glossary")  # a term and its link stack on narrow screens
for term in found:
    with terms.container(border=True):
        left, right = st.columns([3, 2])
        also = f" · *also: {', '.join(term.aliases)}*" if term.aliases else ""
        left.markdown(f"**{term.term}**{also}  \n{term.definition}")
        right.page_link(  # opens the lab at the section (see `read_section`)
            term.page,
            label=f"{LAB_TITLES.get(term.page, term.page)} · {term.section}",
            icon="➡️",
            query_params={SECTION_PARAM: term.anchor},
        )
page_done()
