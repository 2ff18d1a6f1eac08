"""The three contrastive losses of the lesson, per example, for numpy arrays or torch tensors.

Each loss takes anchor, positive and negative vectors (batch, dim) and returns one loss per row
(batch,). Vectors need not be unit length: every similarity here is a cosine. Torch input gives a
torch output that gradients flow through; numpy input gives a float64 numpy output, computed in
numpy (no torch import: the Loss lab shows its numbers without torch in the server).

    cosine_margin_loss  max(0, m - cos(a,p)) + max(0, cos(a,n) - m)
    triplet_loss        max(0, cos(a,n) - cos(a,p) + alpha)
    info_nce_loss       -log softmax over the batch of cos(a, candidate) / tau, where the candidates
                        are every positive of the batch (+ every explicit negative)

Reference implementations they are tested against (tests/unit/test_losses.py):
mean(triplet_loss) == sentence_transformers TripletLoss(distance_metric=COSINE, triplet_margin=alpha)
mean(info_nce_loss) == MultipleNegativesRankingLoss(scale=1/tau) on (a, p) or (a, p, n).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeVar, get_args

import numpy as np

if TYPE_CHECKING:
    import torch

Array = TypeVar("Array", "np.ndarray", "torch.Tensor")
TripletClass = Literal["easy", "semi-hard", "hard"]
LossName = Literal["cosine_margin", "triplet", "info_nce"]  # the one definition of the loss ids
LOSS_IDS: tuple[LossName, ...] = get_args(LossName)
LOSS_NAMES: dict[LossName, str] = {
    "cosine_margin": "Cosine-margin",
    "triplet": "Triplet",
    "info_nce": "InfoNCE",
}


@dataclass(frozen=True)
class LossSettings:
    """The knobs of the three losses, as the Loss lab's sliders set them."""

    margin: float  # m of the cosine-margin loss
    alpha: float  # α of the triplet loss
    tau: float  # τ of InfoNCE
    use_negatives: bool  # InfoNCE: the explicit negatives join the softmax


class _NumpyOps:
    """The few array operations the losses need, in numpy (float64): no torch in the process."""

    @staticmethod
    def normalize(x: np.ndarray) -> np.ndarray:  # as F.normalize(p=2, dim=-1, eps=1e-12)
        return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)

    @staticmethod
    def relu(x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0.0)

    @staticmethod
    def logsumexp(x: np.ndarray) -> np.ndarray:  # over dim 1
        top = np.max(x, axis=1, keepdims=True)
        return (top + np.log(np.exp(x - top).sum(axis=1, keepdims=True)))[:, 0]

    @staticmethod
    def softmax(x: np.ndarray) -> np.ndarray:  # over the last dim
        exp = np.exp(x - np.max(x, axis=-1, keepdims=True))
        return exp / exp.sum(axis=-1, keepdims=True)

    @staticmethod
    def cat(parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(parts, axis=0)


class _TorchOps:
    """The same operations in torch, for tensors that gradients flow through (training)."""

    @staticmethod
    def normalize(x):
        import torch.nn.functional as F

        return F.normalize(x, p=2, dim=-1)

    @staticmethod
    def relu(x):
        import torch

        return torch.relu(x)

    @staticmethod
    def logsumexp(x):
        import torch

        return torch.logsumexp(x, dim=1)

    @staticmethod
    def softmax(x):
        import torch

        return torch.softmax(x, dim=-1)

    @staticmethod
    def cat(parts):
        import torch

        return torch.cat(parts, dim=0)


def _is_tensor(value: object) -> bool:
    """True for a torch tensor (without importing torch when nobody has)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def _prepared(*arrays: np.ndarray | torch.Tensor | None):
    """(ops, the inputs as float64 numpy arrays or as tensors): numpy unless a tensor is given."""
    tensors = [array for array in arrays if _is_tensor(array)]
    if not tensors:
        return _NumpyOps, [
            None if array is None else np.asarray(array, dtype=np.float64) for array in arrays
        ]
    import torch

    reference = tensors[0]  # mixed input: follow the first tensor's dtype and device
    return _TorchOps, [
        None
        if array is None
        else torch.as_tensor(array).to(dtype=reference.dtype, device=reference.device)
        for array in arrays
    ]


def _check_shapes(**named: np.ndarray | torch.Tensor | None) -> int:
    shapes = {name: tuple(t.shape) for name, t in named.items() if t is not None}
    for name, shape in shapes.items():
        if len(shape) != 2:
            raise ValueError(f"`{name}` must be a (batch, dim) matrix, got shape {shape}")
    if len(set(shapes.values())) > 1:
        raise ValueError(f"anchor, positive and negative must have the same shape, got {shapes}")
    return next(iter(shapes.values()))[0]


def pairwise_cosine(
    a: np.ndarray | torch.Tensor, b: np.ndarray | torch.Tensor
) -> np.ndarray | torch.Tensor:
    """cos(a[i], b[i]) for each row: (batch, dim), (batch, dim) -> (batch,)."""
    ops, (ta, tb) = _prepared(a, b)
    _check_shapes(a=ta, b=tb)
    return _pairwise_cos(ops, ta, tb)


def _pairwise_cos(ops, a, b):
    # Same normalisation as sentence_transformers.util.pairwise_cos_sim (F.normalize, eps 1e-12).
    return (ops.normalize(a) * ops.normalize(b)).sum(-1)  # (batch,)


def cosine_margin_loss(
    a: Array, p: Array, n: Array, margin: float = 0.5
) -> np.ndarray | torch.Tensor:
    """Cosine-margin (Siamese) loss of each triplet.

    Pulls every positive above the margin and pushes every negative below it, each on its own
    (not one relative to the other, as the triplet loss does):

    ``loss_i = max(0, m - cos(a_i, p_i)) + max(0, cos(a_i, n_i) - m)``

    Args:
        a: anchors, (batch, dim).
        p: positives, (batch, dim); p[i] means the same as a[i].
        n: negatives, (batch, dim); n[i] does not.
        margin: m, in [-1, 1].

    Returns:
        (batch,) losses in [0, 2] for m in [-1, 1]; a tensor for torch input (gradients flow),
        else a float64 numpy array.

    References:
        - Hadsell, Chopra & LeCun (2006), "Dimensionality Reduction by Learning an Invariant
          Mapping", CVPR (the contrastive pair loss this cosine form follows).
        - sentence-transformers' `OnlineContrastiveLoss` / `ContrastiveLoss` (distance form).
    """
    ops, (ta, tp, tn) = _prepared(a, p, n)
    _check_shapes(anchor=ta, positive=tp, negative=tn)
    cos_ap, cos_an = _pairwise_cos(ops, ta, tp), _pairwise_cos(ops, ta, tn)
    return cosine_margin_from_cosines(cos_ap, cos_an, margin)


def triplet_loss(a: Array, p: Array, n: Array, alpha: float = 0.2) -> np.ndarray | torch.Tensor:
    """Triplet loss of each triplet, with cosine similarity.

    The positive must beat the negative by at least the margin alpha; by how much it wins beyond
    that does not matter:

    ``loss_i = max(0, cos(a_i, n_i) - cos(a_i, p_i) + alpha)``

    With the distance 1 - cos this is sentence-transformers'
    ``TripletLoss(distance_metric=TripletDistanceMetric.COSINE, triplet_margin=alpha)``, whose
    value is the mean of these (tests/unit/test_losses.py).

    Args:
        a: anchors, (batch, dim).
        p: positives, (batch, dim).
        n: negatives, (batch, dim).
        alpha: the margin α (0.2 in the lesson).

    Returns:
        (batch,) losses in [0, 2 + alpha] for alpha >= 0; a tensor for torch input, else float64
        numpy.

    References:
        - Schroff, Kalenichenko & Philbin (2015), "FaceNet: A Unified Embedding for Face
          Recognition and Clustering", CVPR, https://arxiv.org/abs/1503.03832
        - Hermans, Beyer & Leibe (2017), "In Defense of the Triplet Loss for Person
          Re-Identification", https://arxiv.org/abs/1703.07737
    """
    ops, (ta, tp, tn) = _prepared(a, p, n)
    _check_shapes(anchor=ta, positive=tp, negative=tn)
    cos_ap, cos_an = _pairwise_cos(ops, ta, tp), _pairwise_cos(ops, ta, tn)
    return triplet_from_cosines(cos_ap, cos_an, alpha)


def info_nce_loss(
    a: Array, p: Array, n: Array | None = None, tau: float = 0.05
) -> np.ndarray | torch.Tensor:
    """InfoNCE / NT-Xent of each anchor, with in-batch negatives (and the explicit negatives).

    Anchor i scores every candidate j by s_ij = cos(a_i, c_j) / tau, where the candidates are all
    positives of the batch, then (when given) all negatives of the batch. Its loss is minus the
    log-probability the softmax gives its own positive:

    ``loss_i = -log( exp(s_ii) / sum_j exp(s_ij) ) = logsumexp_j(s_ij) - s_ii``

    computed with log-sum-exp, so a tiny tau does not overflow. sentence-transformers'
    ``MultipleNegativesRankingLoss(scale=1/tau)`` is the mean of these.

    Args:
        a: anchors, (batch, dim).
        p: positives, (batch, dim); p[i] belongs to a[i], the others are in-batch negatives.
        n: explicit negatives, (batch, dim), or None.
        tau: temperature > 0 (the library's scale is 1 / tau).

    Returns:
        (batch,) losses >= 0. With one anchor and no negatives the loss is 0: the softmax has a
        single candidate, so there is nothing to learn.

    References:
        - van den Oord, Li & Vinyals (2018), "Representation Learning with Contrastive Predictive
          Coding" (InfoNCE), https://arxiv.org/abs/1807.03748
        - Chen et al. (2020), "A Simple Framework for Contrastive Learning of Visual
          Representations" (NT-Xent), https://arxiv.org/abs/2002.05709
        - Henderson et al. (2017), "Efficient Natural Language Response Suggestion for Smart
          Reply" (in-batch negatives), https://arxiv.org/abs/1705.00652
    """
    if not tau > 0:
        raise ValueError(f"the temperature tau must be > 0, got {tau}")
    ops, (ta, tp, tn) = _prepared(a, p, n)
    batch = _check_shapes(anchor=ta, positive=tp, negative=tn)
    logits = info_nce_logits(ta, tp, tn, tau)  # (batch, batch or 2 * batch)
    rows = list(range(batch))
    return ops.logsumexp(logits) - logits[rows, rows]  # (batch,)


def info_nce_logits(
    a: np.ndarray | torch.Tensor,
    p: np.ndarray | torch.Tensor,
    n: np.ndarray | torch.Tensor | None,
    tau: float,
) -> np.ndarray | torch.Tensor:
    """cos(a_i, c_j) / tau for every anchor and candidate: (batch, candidates).

    Candidates are the positives, then the negatives: column i is anchor i's own positive.
    """
    ops, (a, p, n) = _prepared(a, p, n)
    candidates = p if n is None else ops.cat([p, n])  # (candidates, dim)
    return ops.normalize(a) @ ops.normalize(candidates).T / tau


def info_nce_softmax(
    a: np.ndarray, p: np.ndarray, n: np.ndarray | None, tau: float, anchor: int
) -> np.ndarray:
    """The softmax of one anchor over all candidates (positives, then negatives): (candidates,)."""
    ops, _ = _prepared(a, p, n)
    softmax = ops.softmax(info_nce_logits(a, p, n, tau)[anchor])  # (candidates,)
    return softmax.detach().cpu().numpy() if _is_tensor(softmax) else softmax


# ---------------------------------------------------------------- from cosines (landscapes)
def softmax_by_tau(
    a: np.ndarray,
    p: np.ndarray,
    n: np.ndarray | None,
    tau: float,
    anchor: int,
    taus: tuple[float, ...] = (1.0, 0.2, 0.05, 0.01),
) -> dict[float, np.ndarray]:
    """One anchor's InfoNCE softmax over the candidates (`info_nce_softmax`) at each of `taus`
    and the current `tau`, the largest τ first: how τ sharpens it."""
    every = sorted({*map(float, taus), float(tau)}, reverse=True)
    return {value: info_nce_softmax(a, p, n, value, anchor) for value in every}


def cosine_margin_from_cosines(cos_ap: Array, cos_an: Array, margin: float) -> Array:
    """max(0, m - cos_ap) + max(0, cos_an - m), elementwise."""
    ops = _TorchOps if _is_tensor(cos_ap) else _NumpyOps
    return ops.relu(margin - cos_ap) + ops.relu(cos_an - margin)


def triplet_from_cosines(cos_ap: Array, cos_an: Array, alpha: float) -> Array:
    """max(0, cos_an - cos_ap + alpha), elementwise."""
    ops = _TorchOps if _is_tensor(cos_ap) else _NumpyOps
    return ops.relu(cos_an - cos_ap + alpha)


def info_nce_two_candidates(cos_ap: np.ndarray, cos_an: np.ndarray, tau: float) -> np.ndarray:
    """InfoNCE of one anchor whose softmax holds its positive and one negative, elementwise.

    -log(e^(cos_ap/tau) / (e^(cos_ap/tau) + e^(cos_an/tau))) = softplus((cos_an - cos_ap) / tau),
    computed stably (np.logaddexp) for any tau > 0.
    """
    return np.logaddexp(0.0, (np.asarray(cos_an) - np.asarray(cos_ap)) / tau)


def classify(cos_ap: np.ndarray, cos_an: np.ndarray, alpha: float) -> list[TripletClass]:
    """FaceNet's triplet classes by the triplet margin alpha.

    easy: the positive wins by alpha or more (zero triplet loss); semi-hard: the positive wins, but
    by less than alpha; hard: the negative is as close as the positive or closer.
    """
    classes: list[TripletClass] = []
    for ap, an in zip(np.asarray(cos_ap), np.asarray(cos_an), strict=True):
        if an - ap + alpha <= 0:
            classes.append("easy")
        elif ap > an:
            classes.append("semi-hard")
        else:
            classes.append("hard")
    return classes


@dataclass(frozen=True)
class BatchLosses:
    """The three losses of every triplet of a batch, and the cosines they come from.

    Attributes:
        cos_ap, cos_an: (batch,) cos(anchor, positive) and cos(anchor, negative).
        cosine_margin, triplet, info_nce: (batch,) per-triplet losses.
        classes: each triplet's class by the triplet margin (`classify`).
    """

    cos_ap: np.ndarray
    cos_an: np.ndarray
    cosine_margin: np.ndarray
    triplet: np.ndarray
    info_nce: np.ndarray
    classes: list[TripletClass]


def batch_losses(
    a: np.ndarray,
    p: np.ndarray,
    n: np.ndarray,
    *,
    margin: float,
    alpha: float,
    tau: float,
    use_negatives: bool = True,
) -> BatchLosses:
    """Every loss of the lesson on one batch of (batch, dim) anchors, positives, negatives."""
    cos_ap, cos_an = pairwise_cosine(a, p), pairwise_cosine(a, n)
    return BatchLosses(
        cos_ap,
        cos_an,
        cosine_margin_loss(a, p, n, margin),
        triplet_loss(a, p, n, alpha),
        info_nce_loss(a, p, n if use_negatives else None, tau=tau),
        classify(cos_ap, cos_an, alpha),
    )


def batch_means(losses: BatchLosses) -> dict[str, str]:
    """The batch mean of each loss and the class counts, as the metrics above the loss table."""
    counts = [losses.classes.count(name) for name in get_args(TripletClass)]
    return {
        "Cosine-margin (batch mean)": f"{losses.cosine_margin.mean():.4f}",
        "Triplet (batch mean)": f"{losses.triplet.mean():.4f}",
        "InfoNCE (batch mean)": f"{losses.info_nce.mean():.4f}",
        "easy / semi-hard / hard": " / ".join(map(str, counts)),
    }


def landscapes(grid: np.ndarray, settings: LossSettings) -> list[tuple[str, np.ndarray]]:
    """Each loss over every (cos(a,p), cos(a,n)) of `grid` x `grid`: (title, (len(grid),
    len(grid)) surface, rows cos(a,n), columns cos(a,p)); InfoNCE with two candidates."""
    ap, an = np.meshgrid(grid, grid)  # x: cos(a,p), y: cos(a,n)
    m, alpha, tau = settings.margin, settings.alpha, settings.tau
    return [
        (f"Cosine-margin, m = {m:g}", cosine_margin_from_cosines(ap, an, m)),
        (f"Triplet, α = {alpha:g}", triplet_from_cosines(ap, an, alpha)),
        (f"InfoNCE, τ = {tau:g} (positive vs its negative)", info_nce_two_candidates(ap, an, tau)),
    ]
