"""Loss lab: the lesson's three contrastive losses on your own triplets, and live fine-tuning."""

from __future__ import annotations

import functools
import gc

import numpy as np
import pandas as pd
import streamlit as st

from components import backend, charts, loss_charts
from components import triplets as tri
from components.encoder import DEFAULT_MODEL, embed
from components.finetune import (
    MAX_EPOCHS,
    MAX_TRAIN_TRIPLETS,
    REGISTRY,
    CopyLimitError,
    TrainConfig,
    fine_tune,
    model_zip,
)
from components.losses import (
    LOSS_NAMES,
    classify,
    cosine_margin_from_cosines,
    cosine_margin_loss,
    info_nce_loss,
    info_nce_softmax,
    info_nce_two_candidates,
    pairwise_cosine,
    triplet_from_cosines,
    triplet_loss,
)
from components.projection import project
from components.texts import InputError, Message
from components.widgets import model_sidebar, persist, show_messages

st.set_page_config(page_title="Loss lab · Sentence Embedding Lab", page_icon="🎯", layout="wide")
active = model_sidebar()

FINE_TUNED = "fine-tuned copy"  # the sidebar label of this session's trained model
TAUS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
LEARNING_RATES = [1e-5, 2e-5, 5e-5, 1e-4, 2e-4]
GRID = np.linspace(-1, 1, 81)  # cosine axis of the landscapes
ss = st.session_state

st.title("🎯 Loss lab")
st.caption(
    "A sentence encoder learns from triplets: an **anchor**, a **positive** that means the same, "
    "and a **negative** that does not. A loss turns the two cosines into one number to push "
    "down. Here are the lesson's three losses on your own triplets, and a real (small) training run."
)


# ---------------------------------------------------------------- 1. Triplets
def _replace_table(table: pd.DataFrame) -> None:
    ss["loss_table"] = table.reset_index(drop=True)
    ss["loss_editor_version"] = ss.get("loss_editor_version", 0) + 1
    ss.pop("_loss_table_edited", None)


def _apply_preset() -> None:
    _replace_table(tri.load_preset(ss["loss_preset"]))


def _add_pasted() -> None:
    try:
        pasted = tri.parse_pasted(ss.get("loss_paste", ""))
    except InputError as error:
        ss["_loss_paste_message"] = Message("error", str(error))
        return
    current = ss.get("_loss_table_edited", ss["loss_table"])
    _replace_table(pd.concat([current, pasted], ignore_index=True))
    ss["_loss_paste_message"] = Message("info", f"Added {len(pasted)} pasted row(s).")
    ss["loss_paste"] = ""


if "loss_table" not in ss:  # first visit: a preset, no typing needed
    ss["loss_table"] = tri.load_preset(tri.DEFAULT_PRESET)
    ss["loss_editor_version"] = 0

st.header("1 · Your triplets")
left, right = st.columns([2, 3])
left.selectbox(
    "Start from a preset",
    list(tri.PRESETS),
    key=persist("loss_preset", tri.DEFAULT_PRESET),
    on_change=_apply_preset,
    help="Picking a preset replaces the table. The project triplets include hard ones: negatives "
    "that share words with the anchor ('bank account' / 'river bank'), positives that share none.",
)
uploaded = right.file_uploader(
    "Or upload a CSV with the columns anchor, positive, negative",
    type=["csv", "txt"],
    key="loss_upload",
)
if uploaded is not None and uploaded.file_id != ss.get("_loss_upload_id"):
    ss["_loss_upload_id"] = uploaded.file_id
    try:
        table, upload_messages = tri.read_triplet_csv(uploaded.getvalue(), uploaded.name)
    except InputError as error:
        upload_messages = [Message("error", f"{error} Your table is unchanged.")]
    else:
        _replace_table(table)
    ss["_loss_upload_messages"] = upload_messages
if uploaded is not None:
    show_messages(ss.get("_loss_upload_messages", []))

with st.expander("Paste rows from a spreadsheet"):
    st.text_area(
        "One triplet per line: anchor, positive, negative (tab- or comma-separated)",
        key="loss_paste",
        height=100,
        help="Copy three columns from a spreadsheet and paste them here. You can also paste "
        "straight into the table below: select a cell and press Ctrl+V.",
    )
    st.button("Add the pasted rows", key="loss_paste_add", on_click=_add_pasted)
    if "_loss_paste_message" in ss:
        show_messages([ss.pop("_loss_paste_message")])

editor_key = f"loss_editor_{ss['loss_editor_version']}"
if editor_key not in ss and "_loss_table_edited" in ss:  # back from another page: keep the edits
    ss["loss_table"] = ss["_loss_table_edited"]
edited = st.data_editor(
    ss["loss_table"],
    key=editor_key,
    num_rows="dynamic",
    width="stretch",
    height=min(420, 36 * (len(ss["loss_table"]) + 2)),
    column_config={
        column: st.column_config.TextColumn(column, width="medium") for column in tri.COLUMNS
    },
)
ss["_loss_table_edited"] = edited
st.caption(
    "Double-click a cell to edit it, add rows at the bottom, select rows (click left of a row) "
    "and press Delete to remove them. The `row` column in the tables below counts this table's "
    "rows from the top (first row = 1)."
)
st.download_button(
    "Download the table (CSV)",
    tri.table_csv(edited),
    file_name="triplets.csv",
    mime="text/csv",
    key="loss_download_csv",
)

triplets = tri.clean_triplets(edited)
show_messages(triplets.messages)
if not len(triplets):
    st.stop()

texts = triplets.texts()
vectors = backend.embed_texts(active, texts)  # (sentences, dim), unit length
position = {text: i for i, text in enumerate(texts)}
a, p, n = (
    vectors[[position[text] for text in column]]  # (triplets, dim)
    for column in (triplets.anchors, triplets.positives, triplets.negatives)
)
cos_ap, cos_an = pairwise_cosine(a, p), pairwise_cosine(a, n)  # (triplets,)

# ---------------------------------------------------------------- 2. Losses
st.header("2 · Three losses")
st.caption(
    f"Computed with **{active.info.name.split('/')[-1]}** on {len(triplets)} triplet"
    f"{'s' if len(triplets) > 1 else ''}. cos(a,p) should be high, cos(a,n) low; each loss "
    "scores how far the model is from that in its own way."
)
columns = st.columns(3)
with columns[0]:
    st.subheader("Cosine-margin")
    st.latex(r"L = \max(0,\ m - \cos(a,p)) + \max(0,\ \cos(a,n) - m)")
    margin = st.slider(
        "Margin m", -1.0, 1.0, step=0.05, key=persist("loss_margin", 0.5),
        help="Positives should score above m and negatives below it, each on its own.",
    )  # fmt: skip
with columns[1]:
    st.subheader("Triplet")
    st.latex(r"L = \max(0,\ \cos(a,n) - \cos(a,p) + \alpha)")
    alpha = st.slider(
        "Margin α", 0.0, 1.0, step=0.05, key=persist("loss_alpha", 0.2),
        help="The positive must beat the negative by α; the lesson uses α ≈ 0.2. Only the gap "
        "counts, not where the two cosines sit.",
    )  # fmt: skip
with columns[2]:
    st.subheader("InfoNCE / NT-Xent")
    st.latex(r"L_i = -\log \frac{e^{\cos(a_i,p_i)/\tau}}{\sum_j e^{\cos(a_i,c_j)/\tau}}")
    tau = st.select_slider(
        "Temperature τ", TAUS, key=persist("loss_tau", 0.05),
        help="Divides every cosine before the softmax. Small τ sharpens it: the hardest "
        "competitor dominates. sentence-transformers calls 1/τ the scale (20 = τ 0.05).",
    )  # fmt: skip
    use_negatives = st.toggle(
        "Explicit negatives join the softmax", key=persist("loss_use_negatives", True),
        help="The candidates c_j are every positive of the batch (in-batch negatives) and, "
        "when on, every negative column too, as in MultipleNegativesRankingLoss(a, p, n).",
    )  # fmt: skip

negatives = n if use_negatives else None
margin_losses = cosine_margin_loss(a, p, n, margin)
triplet_losses = triplet_loss(a, p, n, alpha)
nce_losses = info_nce_loss(a, p, negatives, tau=tau)
classes = classify(cos_ap, cos_an, alpha)
if len(triplets) == 1:
    st.info(
        "With one row there are no in-batch negatives: InfoNCE compares the positive only with "
        + ("the row's own negative." if use_negatives else "itself, so its loss is 0. Add rows.")
    )

metrics = st.columns(4)
metrics[0].metric("Cosine-margin (batch mean)", f"{margin_losses.mean():.4f}")
metrics[1].metric("Triplet (batch mean)", f"{triplet_losses.mean():.4f}")
metrics[2].metric("InfoNCE (batch mean)", f"{nce_losses.mean():.4f}")
counts = {name: classes.count(name) for name in ("easy", "semi-hard", "hard")}
metrics[3].metric("easy / semi-hard / hard", " / ".join(str(c) for c in counts.values()))
st.dataframe(
    pd.DataFrame(
        {
            "row": [row + 1 for row in triplets.rows],
            "anchor": triplets.anchors,
            "positive": triplets.positives,
            "negative": triplets.negatives,
            "cos(a,p)": cos_ap,
            "cos(a,n)": cos_an,
            "cosine-margin": margin_losses,
            "triplet": triplet_losses,
            "InfoNCE": nce_losses,
            "class": classes,
        }
    ),
    hide_index=True,
    width="stretch",
    key="loss_table_view",
    column_config={
        name: st.column_config.NumberColumn(format="%.4f")
        for name in ("cos(a,p)", "cos(a,n)", "cosine-margin", "triplet", "InfoNCE")
    },
)
st.caption(
    f"**easy**: the positive wins by α = {alpha:g} or more, so the triplet loss is 0 and the "
    "triplet teaches nothing more. **semi-hard**: the positive wins, by less than α. **hard**: the "
    "negative is as close as the positive, or closer. Hard and semi-hard triplets carry the "
    "learning signal; InfoNCE is never exactly 0, it only gets small."
)

# ---------------------------------------------------------------- 3. Landscapes
st.header("3 · Loss landscapes")
st.caption(
    "Each map is a loss over every possible pair (cos(a,p), cos(a,n)); your triplets are the "
    "markers (○ easy, ◇ semi-hard, ✕ hard). Training moves them right (positive closer) and down "
    "(negative further), towards the dark, zero-loss corner. The dotted line is cos(a,p) = cos(a,n)."
)
ap_grid, an_grid = np.meshgrid(GRID, GRID)  # x: cos(a,p), y: cos(a,n)
landscapes = [
    (f"Cosine-margin, m = {margin:g}", cosine_margin_from_cosines(ap_grid, an_grid, margin)),
    (f"Triplet, α = {alpha:g}", triplet_from_cosines(ap_grid, an_grid, alpha)),
    (f"InfoNCE, τ = {tau:g} (positive vs its negative)", info_nce_two_candidates(ap_grid, an_grid, tau)),
]  # fmt: skip
for column, (title, surface), key in zip(
    st.columns(3), landscapes, ("loss_landscape_margin", "loss_landscape_triplet", "loss_landscape_nce"),
    strict=True,
):  # fmt: skip
    column.plotly_chart(
        loss_charts.loss_landscape(GRID, surface, cos_ap, cos_an, triplets.anchors, classes, title),
        width="stretch",
        key=key,
    )
st.caption(
    "The InfoNCE map shows one anchor whose softmax holds only its positive and its own negative: "
    "softplus((cos(a,n) − cos(a,p)) / τ). In the table above every other sentence of the batch "
    "also sits in the denominator, so the real values are higher."
)

st.subheader("How τ sharpens the InfoNCE softmax")
focus = st.selectbox(
    "Anchor",
    range(len(triplets)),
    format_func=lambda i: f"{triplets.rows[i] + 1}. {triplets.anchors[i]}",
    key="loss_focus",
)
taus = sorted({1.0, 0.2, 0.05, 0.01, float(tau)}, reverse=True)
candidates = triplets.positives + (triplets.negatives if use_negatives else [])
st.plotly_chart(
    loss_charts.softmax_bars(
        {t: info_nce_softmax(a, p, negatives, t, focus) for t in taus}, candidates, focus
    ),
    width="stretch",
    key="loss_softmax",
)
st.caption(
    f"Bars 1–{len(triplets)} are the batch's positives"
    + (f", bars {len(triplets) + 1}–{2 * len(triplets)} its negatives" if use_negatives else "")
    + "; green is this anchor's own positive. The loss is −log of the green bar. At τ = 1 every "
    "candidate gets a similar share (cosines differ by < 2); at small τ the softmax becomes a "
    "hard maximum, and all the gradient goes to the closest competitors."
)


# ---------------------------------------------------------------- 4. Fine-tuning
def _reset() -> None:
    models = ss.get(backend.SESSION_MODELS_KEY, {})
    REGISTRY.release(models.pop(FINE_TUNED, None))
    ss.pop("loss_result", None)
    if ss.get(backend.MODEL_NAME_KEY) == FINE_TUNED:
        ss[backend.MODEL_NAME_KEY] = ss.get("loss_base_model", DEFAULT_MODEL)
    gc.collect()


st.header("4 · Fine-tune a private copy")
st.caption(
    "Train starts from a fresh copy of the model (the shared model every visitor uses is never "
    "touched) and runs a few epochs on your triplets. Afterwards the copy appears in the sidebar "
    "as **fine-tuned copy** and every page of this session uses it; Reset drops it."
)
loss_name = st.radio(
    "Loss to train with",
    list(LOSS_NAMES),
    format_func=LOSS_NAMES.get,
    horizontal=True,
    key=persist("loss_train_loss", "triplet"),
    help="Uses the margin, α or τ set above. Triplet and InfoNCE are sentence-transformers' own "
    "TripletLoss(COSINE) and MultipleNegativesRankingLoss; cosine-margin is ours, tested against "
    "its formula.",
)
controls = st.columns(4)
epochs = controls[0].slider(
    "Epochs", 1, MAX_EPOCHS, key=persist("loss_epochs", 3),
    help=f"Passes over the training triplets (at most {MAX_EPOCHS}).",
)  # fmt: skip
batch_size = controls[1].slider(
    "Batch size", 2, 32, key=persist("loss_batch", 8),
    help="Triplets per step. For InfoNCE a bigger batch means more in-batch negatives.",
)  # fmt: skip
learning_rate = controls[2].select_slider(
    "Learning rate", LEARNING_RATES, format_func=lambda v: f"{v:.0e}",
    key=persist("loss_lr", 5e-5),
    help="AdamW step size. Large rates learn these few triplets fast, and forget other things.",
)  # fmt: skip
max_held_out = len(triplets) // 2
held_out_key = persist("loss_held_out", len(triplets) // 4)
ss[held_out_key] = min(ss[held_out_key], max_held_out)  # the table may have shrunk
held_out_count = controls[3].slider(
    "Held-out triplets", 0, max(1, max_held_out), key=held_out_key, disabled=max_held_out == 0,
    help="Triplets kept out of training (picked at random, always the same ones for the same "
    "table) to check whether what the model learned carries over to new sentences.",
)  # fmt: skip
held_out = tri.held_out_indices(len(triplets), held_out_count if max_held_out else 0)
train_indices = [i for i in range(len(triplets)) if i not in held_out]
if len(train_indices) > MAX_TRAIN_TRIPLETS:
    st.warning(
        f"{len(train_indices)} training triplets is over the cap of {MAX_TRAIN_TRIPLETS} "
        f"(to keep training under a minute): the first {MAX_TRAIN_TRIPLETS} are used."
    )
    train_indices = train_indices[:MAX_TRAIN_TRIPLETS]
train_set = triplets.subset(train_indices)
if loss_name == "info_nce" and len(train_set) == 1 and not use_negatives:
    st.info("InfoNCE on one triplet without negatives has nothing to compare with: its loss is 0.")
st.caption(
    f"{len(train_set)} triplets to train on, {len(held_out)} held out: "
    f"{epochs} epoch{'s' if epochs > 1 else ''} × {-(-len(train_set) // batch_size)} step"
    f"{'s' if -(-len(train_set) // batch_size) > 1 else ''}. A step of 8 triplets takes about "
    "0.3–1 s on 2 free CPU cores, longer when the server is busy."
)
buttons = st.columns([1, 1, 4])
train_clicked = buttons[0].button("Train", key="loss_train", type="primary")
buttons[1].button("Reset", key="loss_reset", on_click=_reset, disabled="loss_result" not in ss)

if train_clicked:
    session_models = ss.get(backend.SESSION_MODELS_KEY, {})
    base_name = (
        ss.get("loss_base_model", DEFAULT_MODEL)
        if backend.is_session_model(active)
        else active.info.name
    )
    base = backend.get_model(base_name)
    try:
        trained = REGISTRY.fresh_copy(base, replacing=session_models.get(FINE_TUNED))
    except CopyLimitError as error:
        st.error(str(error))
    else:
        config = TrainConfig(
            loss=loss_name, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
            margin=margin, alpha=alpha, tau=tau, use_negatives=use_negatives,
        )  # fmt: skip
        progress = st.progress(0.0, text="Waiting for other heavy work to finish…")
        live_curve = st.empty()
        losses_so_far: list[float] = []
        epochs_so_far: list[int] = []

        def show_step(step: int, total: int, epoch: int, loss: float) -> None:
            losses_so_far.append(loss)
            epochs_so_far.append(epoch)
            progress.progress(
                step / total, text=f"Epoch {epoch}/{epochs} · step {step}/{total} · loss {loss:.4f}"
            )
            live_curve.plotly_chart(
                charts.loss_curve(losses_so_far, "Training loss (live)", epochs=epochs_so_far),
                width="stretch",
            )

        try:
            with backend.HEAVY_WORK:
                progress.progress(0.0, text="Training…")
                before_vectors = embed(base, texts)  # (sentences, dim)
                history = fine_tune(
                    trained, train_set.anchors, train_set.positives, train_set.negatives,
                    config, on_step=show_step,
                )  # fmt: skip
                after_vectors = embed(trained, texts)
        except Exception as error:  # noqa: BLE001 - a failed run is a message, never a traceback
            REGISTRY.release(trained)
            st.error(f"Training failed: {error}")
        else:
            backend.register_session_model(FINE_TUNED, trained)
            ss[backend.MODEL_NAME_KEY] = FINE_TUNED
            ss["loss_base_model"] = base_name
            ss["loss_result"] = {
                "base_name": base_name,
                "config": config,
                "history": history,
                "triplets": triplets.subset(range(len(triplets))),
                "held_out": [i in held_out for i in range(len(triplets))],
                "texts": texts,
                "before": before_vectors,
                "after": after_vectors,
            }
            st.rerun()  # the sidebar now shows the fine-tuned copy

result = ss.get("loss_result")
fine_tuned_model = ss.get(backend.SESSION_MODELS_KEY, {}).get(FINE_TUNED)
if result is None or fine_tuned_model is None:
    st.info("Press **Train** to fine-tune a copy of the model on the triplets above.")
    st.stop()

config: TrainConfig = result["config"]
history = result["history"]
done: tri.Triplets = result["triplets"]
where = {text: i for i, text in enumerate(result["texts"])}
rows = {
    role: [where[text] for text in column]
    for role, column in (("a", done.anchors), ("p", done.positives), ("n", done.negatives))
}
cosines = {}
for stage in ("before", "after"):
    vecs = result[stage]
    cosines[stage] = (
        pairwise_cosine(vecs[rows["a"]], vecs[rows["p"]]),
        pairwise_cosine(vecs[rows["a"]], vecs[rows["n"]]),
    )

st.subheader("Result of the last run")
summary = st.columns(4)
summary[0].metric("Loss", LOSS_NAMES[config.loss])
summary[1].metric("Training time", f"{history.seconds:.1f} s")
summary[2].metric(
    "Steps", f"{len(history.step_losses)} ({config.epochs} epoch{'s' if config.epochs > 1 else ''})"
)
means = history.epoch_means()
summary[3].metric(
    "Mean loss, last epoch",
    f"{means[-1]:.4f}",
    delta=f"{means[-1] - means[0]:+.4f} vs epoch 1" if len(means) > 1 else None,
    delta_color="inverse",
)
st.plotly_chart(
    charts.loss_curve(history.step_losses, "Training loss per step", epochs=history.step_epochs),
    width="stretch",
    key="loss_curve",
)
if max(history.step_losses) == 0:
    st.warning(
        "The training loss was 0 at every step: all training triplets are already easy for this "
        "loss, so there was no gradient and the model did not change (apart from weight decay). "
        "Raise α or the margin, use InfoNCE, or add harder triplets."
    )
st.caption(
    "Each step is one batch. Dropout is on while training, so the curve is noisy; with so few "
    "triplets it falls quickly because the model is memorising them."
)

st.subheader("Cosines before and after")
st.plotly_chart(
    loss_charts.cosine_shift(cosines["before"], cosines["after"], done.anchors, result["held_out"]),
    width="stretch",
    key="loss_shift",
)
held = np.asarray(result["held_out"])


def _group_stats(mask: np.ndarray) -> dict[str, str]:
    if not mask.any():
        return {stage: "—" for stage in ("gap before", "gap after", "wins before", "wins after")}
    stats = {}
    for stage in ("before", "after"):
        ap, an = cosines[stage][0][mask], cosines[stage][1][mask]
        stats[f"gap {stage}"] = f"{np.mean(ap - an):+.3f}"
        stats[f"wins {stage}"] = f"{int(np.sum(ap > an))} / {int(mask.sum())}"
    return stats


check = pd.DataFrame({"trained on": _group_stats(~held), "held out": _group_stats(held)}).T
st.dataframe(check, width="stretch", key="loss_heldout_check")
st.caption(
    "gap = mean of cos(a,p) − cos(a,n) over the group (higher is better); wins = triplets whose "
    "positive is closer to the anchor than the negative."
)
gap_train = float(
    np.mean(cosines["after"][0][~held] - cosines["after"][1][~held])
    - np.mean(cosines["before"][0][~held] - cosines["before"][1][~held])
)
if held.any():
    gap_held = float(
        np.mean(cosines["after"][0][held] - cosines["after"][1][held])
        - np.mean(cosines["before"][0][held] - cosines["before"][1][held])
    )
    verdict = (
        "carried over to the held-out triplets: the model learned something general"
        if gap_held > 0.5 * gap_train > 0
        else "mostly did **not** carry over to the held-out triplets: with this few examples the "
        "model memorises them (overfitting)"
    )
    st.markdown(
        f"Training widened the gap between positive and negative by **{gap_train:+.3f}** on the "
        f"triplets it saw and by **{gap_held:+.3f}** on the held-out ones: the change {verdict}."
    )
else:
    st.markdown(
        f"Training widened the gap between positive and negative by **{gap_train:+.3f}**. Hold "
        "some triplets out to see whether that carries over to sentences the model never saw."
    )

st.subheader("Where every sentence moved")
both = np.vstack([result["before"], result["after"]])  # (2 * sentences, dim)
projection = project(both, "pca", 2)
count = len(result["texts"])
role_of = {}
for role, column in (
    ("negative", done.negatives),
    ("positive", done.positives),
    ("anchor", done.anchors),
):
    for text in column:
        role_of[text] = role
st.plotly_chart(
    loss_charts.movement_map(
        projection.coords[:count], projection.coords[count:], result["texts"],
        [role_of[text] for text in result["texts"]],
    ),
    width="stretch",
    key="loss_movement",
)  # fmt: skip
st.caption(
    "One PCA of the vectors before and after training, so both share the same axes: faint dots "
    "are the original model, arrows lead to where the fine-tuned copy puts each sentence."
)

st.download_button(
    "Download the fine-tuned model (.zip)",
    functools.partial(model_zip, fine_tuned_model),
    file_name="fine-tuned-model.zip",
    mime="application/zip",
    key="loss_download_model",
    on_click="ignore",
    help="The folder `model.save()` writes (about 85 MB zipped). Unzip it and load it with "
    "SentenceTransformer('path/to/folder').",
)
