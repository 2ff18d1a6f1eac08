"""Loss lab: the lesson's three contrastive losses on your own triplets, and live fine-tuning."""

from __future__ import annotations

import functools
import gc
from dataclasses import asdict

import numpy as np
import pandas as pd
import streamlit as st

from components import widgets as ui
from components.charts import charts, loss_charts
from components.content import lab_notes as notes
from components.core import limits
from components.core.palettes import CATEGORY_ORDER
from components.data import triplets as tri
from components.services.caches import cached_figure
from components.services.encoding import embed_texts
from components.services.models import ActiveModel, trainable_model
from components.services.queue import heavy, session_owner
from components.services.session_keys import LOSS_RESULT_KEY
from components.services.session_models import (
    base_model_name,
    drop_session_model,
    session_model,
    use_session_model,
)
from components.state.page_state import TAUS, TRAIN_LEARNING_RATES, LossState
from components.training import training_setup
from components.training.training_report import (
    TrainingResult,
    held_out_report,
    movement,
    run_metrics,
)
from components.training.training_setup import REGISTRY, TrainConfig
from components.vectors.losses import (
    LOSS_IDS,
    LOSS_NAMES,
    BatchLosses,
    LossSettings,
    batch_losses,
    batch_means,
    landscapes,
    softmax_by_tau,
)
from components.vectors.predictions import score_class_guess

FINE_TUNED = "fine-tuned copy"  # the sidebar label of this session's trained model
GRID = np.linspace(-1, 1, 81)  # cosine axis of the landscapes
LOSS_COLUMNS = ("cos(a,p)", "cos(a,n)", "cosine-margin", "triplet", "InfoNCE")
ss = st.session_state


# ---------------------------------------------------------------- 1. Triplets
def triplets_section() -> tri.Triplets:
    """The usable triplets of the table; stops the page when there is none."""
    st.header("1 · Your triplets", anchor="your-triplets")
    ui.try_notice(
        "add a triplet whose negative shares most words with the anchor",
        "such look-alike negatives are the hard ones",
    )
    edited = ui.triplet_table("loss")
    triplets = tri.clean_triplets(edited)
    ui.show_messages(triplets.messages)
    if not len(triplets):
        st.stop()
    return triplets


# ---------------------------------------------------------------- 2. Losses
def loss_settings() -> LossSettings:
    columns = st.container(key="wide_loss_settings").columns(3)  # stacks on narrow screens
    with columns[0]:
        st.subheader("Cosine-margin")
        st.latex(
            r"\begin{aligned} L = {} & \max(0,\ m - \cos(a,p)) \\ & + \max(0,\ \cos(a,n) - m)"
            r"\end{aligned}"
        )
        margin = st.slider(
            "Margin m",
            -1.0,
            1.0,
            step=0.05,
            key=ui.persist("loss_margin", 0.5),
            help="Positives should score above m and negatives below it, each on its own.",
        )
    with columns[1]:
        st.subheader("Triplet")
        st.latex(
            r"\begin{aligned} L &= \max(0,\ \delta) \\ \delta &= \cos(a,n) - \cos(a,p) + \alpha"
            r"\end{aligned}"
        )
        alpha = st.slider(
            "Margin α",
            0.0,
            1.0,
            step=0.05,
            key=ui.persist("loss_alpha", 0.2),
            help="The positive must beat the negative by α; the lesson uses α ≈ 0.2. Only the "
            "gap counts, not where the two cosines sit.",
        )
    with columns[2]:
        st.subheader("InfoNCE / NT-Xent")
        st.latex(r"L_i = -\log \frac{e^{\cos(a_i,p_i)/\tau}}{\sum_j e^{\cos(a_i,c_j)/\tau}}")
        tau = st.select_slider(
            "Temperature τ",
            TAUS,
            key=ui.persist("loss_tau", 0.05),
            help="Divides every cosine before the softmax. Small τ sharpens it: the hardest "
            "competitor dominates. sentence-transformers calls 1/τ the scale (20 = τ 0.05).",
        )
        use_negatives = st.toggle(
            "Explicit negatives join the softmax",
            key=ui.persist("loss_use_negatives", True),
            help="The candidates c_j are every positive of the batch (in-batch negatives) and, "
            "when on, every negative column too, as in MultipleNegativesRankingLoss(a, p, n).",
        )
    return LossSettings(margin, alpha, tau, use_negatives)


def losses_section(
    active: ActiveModel, triplets: tri.Triplets, vectors: tuple
) -> tuple[LossSettings, BatchLosses]:
    st.header("2 · Three losses", anchor="three-losses")
    ui.try_notice(
        "move α and τ and watch the batch means",
        "easy triplets give zero triplet loss; InfoNCE is never exactly zero",
    )
    st.caption(
        f"Computed with **{active.info.short_name}** on {ui.plural(len(triplets), 'triplet')}. "
        "cos(a,p) should be high, cos(a,n) low; each loss scores how far the model is from that "
        "in its own way."
    )
    settings = loss_settings()
    losses = batch_losses(*vectors, **asdict(settings))
    if len(triplets) == 1:
        st.info(notes.loss_one_row(settings.use_negatives))
    guess_hard_triplets(triplets, losses)
    ui.metric_row(batch_means(losses))
    per_triplet = tri.loss_rows(triplets, losses)
    # The numbers a teacher points at fit any screen; the sentences are one click away.
    key_numbers = {name: per_triplet[name] for name in ("row", "anchor", *LOSS_COLUMNS, "class")}
    ui.number_table(
        key_numbers,
        dict.fromkeys(LOSS_COLUMNS, "%.3f"),
        key="loss_table_view",
        narrow=["anchor"],
    )
    with st.expander("The sentences of each row"):
        sentences = ("row", "anchor", "positive", "negative")
        ui.number_table({name: per_triplet[name] for name in sentences}, key="loss_table_texts")
    ui.csv_download(
        "Download the per-triplet losses (CSV)",
        lambda: pd.DataFrame(per_triplet),
        "triplet_losses.csv",
        "loss_download_losses",
    )
    st.caption(notes.loss_classes(settings.alpha))
    return settings, losses


def guess_hard_triplets(triplets: tri.Triplets, losses: BatchLosses) -> None:
    """Predict, then reveal: say which triplets are hard before the table (the page waits)."""
    if not st.toggle(
        "Guess first: which triplets are hard?",
        key=ui.persist("loss_predict", False),
        help="Mark the triplets whose negative you expect to be as close to the anchor as the "
        "positive, or closer. The table and everything below stay hidden until you press Reveal.",
    ):
        return
    guess = st.multiselect(
        "The triplets I think are hard",
        range(len(triplets)),
        key="loss_guess",
        format_func=lambda i: (
            f"{triplets.rows[i] + 1}. {triplets.anchors[i]} → {triplets.negatives[i]}"
        ),
        help="Hard: cos(anchor, negative) ≥ cos(anchor, positive). Shared words are a trap.",
    )
    ui.wait_for_reveal(
        "loss_predict", "\n".join(triplets.texts()), "The loss table and everything below"
    )
    score = score_class_guess(guess, losses.classes, {"hard"})
    ui.metric_row(score.metrics("your guesses that are hard", "hard ones you found"))
    st.caption(score.details([row + 1 for row in triplets.rows], "hard"))


# ---------------------------------------------------------------- 3. Landscapes
def landscapes_section(triplets: tri.Triplets, settings: LossSettings, losses: BatchLosses) -> None:
    st.header("3 · Loss landscapes", anchor="loss-landscapes")
    ui.try_notice(
        "raise α, then lower τ",
        "the zero-loss region shrinks; small τ turns InfoNCE into a hard maximum",
    )
    st.caption(notes.LOSS_LANDSCAPES)
    keys = ("loss_landscape_margin", "loss_landscape_triplet", "loss_landscape_nce")
    for column, key, (title, surface) in zip(
        st.container(key="wide_loss_landscapes").columns(3),
        keys,
        landscapes(GRID, settings),
        strict=True,
    ):
        figure = cached_figure(
            loss_charts.loss_landscape,
            GRID,
            surface,
            losses.cos_ap,
            losses.cos_an,
            triplets.anchors,
            losses.classes,
            title,
        )
        ui.chart(figure, key, column)
    st.latex(
        r"\begin{aligned} L_{\text{2 candidates}} &= -\log \frac{e^{\cos(a,p)/\tau}}"
        r"{e^{\cos(a,p)/\tau} + e^{\cos(a,n)/\tau}} \\ &= \operatorname{softplus}\!\left("
        r"\frac{\cos(a,n) - \cos(a,p)}{\tau}\right) \end{aligned}"
    )
    st.caption(notes.LOSS_TWO_CANDIDATES)


def softmax_section(triplets: tri.Triplets, vectors: tuple, settings: LossSettings) -> None:
    st.subheader("How τ sharpens the InfoNCE softmax")
    ui.keep_if_in("loss_focus", range(len(triplets)))
    focus = st.selectbox(
        "Anchor",
        range(len(triplets)),
        key="loss_focus",
        help="Whose softmax over the batch's candidates is drawn below.",
        format_func=lambda i: f"{triplets.rows[i] + 1}. {triplets.anchors[i]}",
    )
    focus = focus if focus in range(len(triplets)) else 0  # a made-up value is ignored
    a, p, n = vectors
    softmaxes = softmax_by_tau(a, p, n if settings.use_negatives else None, settings.tau, focus)
    candidates = triplets.positives + (triplets.negatives if settings.use_negatives else [])
    ui.chart(cached_figure(loss_charts.softmax_bars, softmaxes, candidates, focus), "loss_softmax")
    # Presenter mode redraws the green bar in the first colour-blind-safe category colour.
    colour = CATEGORY_ORDER[ui.theme()][0] if ui.presenter_mode() else "green"
    st.caption(notes.loss_softmax_bars(len(triplets), settings.use_negatives, colour))


# ---------------------------------------------------------------- 4. Fine-tuning
def reset() -> None:
    """Drop (and release) this session's fine-tuned copy; back to the model it started from."""
    drop_session_model(FINE_TUNED)
    REGISTRY.release_owner(session_owner())  # and a copy an interrupted run left behind
    ss.pop(LOSS_RESULT_KEY, None)
    gc.collect()


def training_controls(triplets: tri.Triplets) -> tuple[str, int, int, float, list[int]]:
    """(loss id, epochs, batch size, learning rate, held-out indices) as the user set them."""
    loss_name = st.radio(
        "Loss to train with",
        LOSS_IDS,
        format_func=LOSS_NAMES.get,
        horizontal=True,
        key=ui.persist("loss_train_loss", "triplet"),
        help="Uses the margin, α or τ set above. Triplet and InfoNCE are sentence-transformers' "
        "own TripletLoss(COSINE) and MultipleNegativesRankingLoss; cosine-margin is ours, tested "
        "against its formula.",
    )
    controls = st.container(key="advanced_loss_training").columns(4)  # hidden when presenting
    epochs = controls[0].slider(
        "Epochs",
        1,
        limits.EPOCHS,
        key=ui.persist("loss_epochs", 3),
        help=f"Passes over the training triplets (at most {limits.EPOCHS}).",
    )
    batch_size = controls[1].slider(
        "Batch size",
        2,
        32,
        key=ui.persist("loss_batch", 8),
        help="Triplets per step. For InfoNCE a bigger batch means more in-batch negatives.",
    )
    learning_rate = controls[2].select_slider(
        "Learning rate",
        TRAIN_LEARNING_RATES,
        format_func=lambda v: f"{v:.0e}",
        key=ui.persist("loss_lr", 5e-5),
        help="AdamW step size. Large rates learn these few triplets fast, and forget other things.",
    )
    most = len(triplets) // 2
    ui.note_page_default("loss_held_out", len(triplets) // 4)
    key = ui.persist("loss_held_out", len(triplets) // 4)
    ss[key] = min(ss[key], most)  # the table may have shrunk
    held_out = controls[3].slider(
        "Held-out triplets",
        0,
        max(1, most),
        key=key,
        disabled=most == 0,
        help="Triplets kept out of training (picked at random, always the same ones for the "
        "same table) to check whether what the model learned carries over to new sentences.",
    )
    return loss_name, epochs, batch_size, learning_rate, held_out if most else 0


def train(
    active: ActiveModel,
    triplets: tri.Triplets,
    train_set: tri.Triplets,
    held_out: list[int],
    config: TrainConfig,
) -> None:
    """Fine-tune a fresh copy of the base model; on success it becomes this session's model."""
    from components.training import finetune  # torch: imported when someone trains

    base_name = base_model_name(active)
    base = trainable_model(base_name)
    # One copy per session, counted from now on: the previous one is released first.
    drop_session_model(FINE_TUNED)
    try:
        trained = REGISTRY.fresh_copy(base, owner=session_owner())
    except training_setup.CopyLimitError as error:
        st.error(str(error))
        return
    with ui.live_training(config.epochs) as (show, draw_step):
        try:
            with heavy("train", "Fine-tuning a copy", limits.TRAIN_SECONDS) as job:
                show(0.0, "Training…")
                on_step = lambda *step: (job.check(), draw_step(*step))  # noqa: E731 - check: time cap, closed tab
                result = finetune.fine_tune_and_compare(
                    base_name, base, trained, triplets, train_set, held_out, config, on_step
                )
        except BaseException as error:  # a failed, stopped or interrupted run frees its copy
            REGISTRY.release(trained)
            if not isinstance(error, Exception):
                raise  # Streamlit's rerun/stop signals
            st.error(f"Training did not finish: {error}")
            return
    use_session_model(FINE_TUNED, trained, base_name)
    ss[LOSS_RESULT_KEY] = result
    st.rerun()  # the sidebar now shows the fine-tuned copy


def finetune_section(active: ActiveModel, triplets: tri.Triplets, settings: LossSettings) -> None:
    st.header("4 · Fine-tune a private copy", anchor="fine-tune-a-private-copy")
    ui.try_notice(
        "train 3 epochs, then compare trained and held-out triplets",
        "a gap that widens only on trained triplets is memorising",
    )
    st.caption(notes.LOSS_FINE_TUNE)
    loss_name, epochs, batch_size, learning_rate, held_out_count = training_controls(triplets)
    config = TrainConfig(loss_name, epochs, batch_size, learning_rate, **asdict(settings))
    plan = training_setup.plan_training(len(triplets), held_out_count, config)
    ui.show_messages(plan.messages)
    st.caption(plan.summary)
    buttons = st.columns([1, 1, 4])
    train_clicked = buttons[0].button(
        "Train",
        key="loss_train",
        type="primary",
        help="Fine-tune a private copy of the model on these triplets (the shared model is never "
        "touched).",
    )
    buttons[1].button(
        "Reset",
        key="loss_reset",
        on_click=reset,
        disabled=LOSS_RESULT_KEY not in ss,
        help="Drop the fine-tuned copy and go back to the model it was made from.",
    )
    buttons[2].caption(notes.LOSS_COPIES)
    if train_clicked:
        train(active, triplets, triplets.subset(plan.training), plan.held_out, config)


def result_section(result: TrainingResult, model) -> None:
    st.subheader("Result of the last run")
    history = result.history
    ui.metric_row(*run_metrics(result), delta_color="inverse")
    curve = charts.loss_curve(
        history.step_losses, "Training loss per step", epochs=history.step_epochs
    )
    ui.chart(curve, "loss_curve")
    if max(history.step_losses) == 0:
        st.warning(notes.LOSS_ZERO_LOSS)
    st.caption(notes.LOSS_CURVE_NOISE)
    st.subheader("Cosines before and after")
    before, after = result.cosines("before"), result.cosines("after")
    ui.chart(
        loss_charts.cosine_shift(before, after, result.triplets.anchors, result.held_out),
        "loss_shift",
    )
    report = held_out_report(result)
    st.dataframe(report.table, width="stretch", key="loss_heldout_check")
    st.caption(notes.LOSS_GAP)
    st.markdown(report.summary())
    st.subheader("Where every sentence moved")
    moved = movement(result)
    ui.chart(
        loss_charts.movement_map(moved.before, moved.after, result.texts, moved.roles),
        "loss_movement",
    )
    st.caption(notes.LOSS_MOVEMENT)
    from components.training import finetune  # a fine-tuned copy exists: torch is loaded already

    st.download_button(
        "Download the fine-tuned model (.zip)",
        functools.partial(finetune.model_zip, model),
        file_name="fine-tuned-model.zip",
        mime="application/zip",
        key="loss_download_model",
        on_click="ignore",
        help="The folder `model.save()` writes (about 85 MB zipped). Unzip it and load it with "
        "SentenceTransformer('path/to/folder').",
    )


active = ui.page_setup("Loss lab", "🎯", LossState)
st.title("🎯 Loss lab")
st.caption(
    "A sentence encoder learns from triplets: an **anchor**, a **positive** that means the same, "
    "and a **negative** that does not. A loss turns the two cosines into one number to push "
    "down. Here are the lesson's three losses on your own triplets, and a real (small) training run."
)
losses = None
with ui.section("triplets"):
    triplets = triplets_section()
    texts = triplets.texts()
    vectors = triplets.vectors(texts, embed_texts(active, texts))  # 3 x (triplets, dim)
    settings, losses = losses_section(active, triplets, vectors)
if losses is None:  # the triplets could not be read or encoded: the message is above
    st.stop()
with ui.section("landscapes"):
    landscapes_section(triplets, settings, losses)
with ui.section("softmax"):
    softmax_section(triplets, vectors, settings)
with ui.section("fine-tuning"):
    finetune_section(active, triplets, settings)
with ui.section("result"):
    result = ss.get(LOSS_RESULT_KEY)
    fine_tuned = session_model(FINE_TUNED)
    if result is None or fine_tuned is None:
        st.info("Press **Train** to fine-tune a copy of the model on the triplets above.")
    else:
        result_section(result, fine_tuned)
ui.page_done()
