"""Home page of the sentence-embedding lab."""

from __future__ import annotations

import streamlit as st

from components.services.startup import start
from components.widgets import LABS, ROOT, model_sidebar, page_done
from components.widgets.layout import presenter_style

st.set_page_config(page_title="Sentence Embedding Lab", page_icon="🧭", layout="wide")
start()  # the process's start-up (once) and the warm-up

st.title("🧭 Sentence Embedding Lab")
st.markdown(
    "How does a transformer turn a sentence into **one vector**, and why do similar sentences end "
    "up close together? Type your own text and watch every step, with the real numbers of a real "
    "model: no slides, no made-up figures."
)

active = model_sidebar()
presenter_style()  # the lab's page style (and presenter mode's, when a lab turned it on)

st.subheader("What a sentence encoder is")
pipeline = st.columns(4)
pipeline[0].markdown(
    "**1 · Tokenizer**  \nSplits text into sub-word pieces and maps each to an id, so unseen "
    "words are built from known pieces (`quantum` + `##ness`)."
)
pipeline[1].markdown(
    "**2 · Transformer encoder**  \nSelf-attention layers turn each piece into a *contextual* "
    "vector that knows its neighbours (a river *bank* ≠ a *bank* loan)."
)
pipeline[2].markdown(
    "**3 · Pooling head**  \nCollapses the token vectors into one fixed-size sentence vector: "
    "`[CLS]`, mean, max or a small attention layer."
)
pipeline[3].markdown(
    "**4 · Cosine similarity**  \nClose meanings → vectors pointing the same way. Contrastive "
    "training on anchor / positive / negative triplets makes it so."
)

st.subheader("The labs")
columns = st.columns(2)
for number, (path, title, blurb) in enumerate(LABS):
    with columns[number % 2].container(border=True):
        st.markdown(f"#### {title}")
        st.caption(blurb)
        if (ROOT / path).exists():
            st.page_link(path, label=f"Open {title}", icon="➡️")
        else:
            st.caption("Coming soon.")

st.subheader("The model in use")
# A model name is words, not a number: its metric wraps (at its hyphens) instead of being cut.
metrics = st.container(key="wrap_model_metrics").columns(3)
metrics[0].metric("Model", active.info.short_name)
metrics[1].metric("Vector size", f"{active.info.dimension} d")
metrics[2].metric("Context window", f"{active.info.max_tokens} tokens")
st.caption(
    f"Loaded from the {active.info.source}. Change it in the sidebar on any page; "
    "every lab uses the model picked there."
)
page_done()
