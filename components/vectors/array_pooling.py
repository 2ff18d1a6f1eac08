"""Pooling in numpy: the four fixed modes of `components.pooling.pooling.pool`, without torch.

The same computations as `pool` / `token_shares` (and so as sentence-transformers' `Pooling`
modes "cls", "mean", "max", "mean_sqrt_len_tokens"), equal within 1e-5 (tests/unit/
test_array_pooling.py). The torch-free inference path (`components.models.onnx_encoder`) pools with
these, so a page that only shows pooled vectors never has to import torch.

Padding never leaks into any mode: padded positions (attention_mask == 0) get no weight, are never
a maximum and are never the [CLS] position. A row with no real token at all pools to zeros.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

FixedMode = Literal["cls", "mean", "max", "mean_sqrt_len"]
FIXED_MODES: tuple[FixedMode, ...] = ("cls", "mean", "max", "mean_sqrt_len")
# Our mode name -> the name sentence-transformers' Pooling module uses for the same computation.
SENTENCE_TRANSFORMERS_MODE: dict[FixedMode, str] = {
    "cls": "cls",
    "mean": "mean",
    "max": "max",
    "mean_sqrt_len": "mean_sqrt_len_tokens",
}
# Our mode name -> the flag a saved Pooling module's config.json sets for it (the format of
# sentence-transformers' folders, e.g. `"pooling_mode_mean_tokens": true`).
SENTENCE_TRANSFORMERS_CONFIG_FLAG: dict[FixedMode, str] = {
    "cls": "pooling_mode_cls_token",
    "mean": "pooling_mode_mean_tokens",
    "max": "pooling_mode_max_tokens",
    "mean_sqrt_len": "pooling_mode_mean_sqrt_len_tokens",
}


def check_shapes(tokens_shape: tuple[int, ...], mask_shape: tuple[int, ...]) -> None:
    """The one shape check of pooling's inputs (numpy here, torch in `components.pooling.pooling`).

    Raises:
        ValueError: token vectors that are not (batch, tokens, dim) with a (batch, tokens) mask.
    """
    if len(tokens_shape) != 3 or tuple(mask_shape) != tuple(tokens_shape[:2]):
        raise ValueError(
            f"expected token_embeddings (batch, tokens, dim) and attention_mask (batch, tokens); "
            f"got {tuple(tokens_shape)} and {tuple(mask_shape)}"
        )


def _checked(token_embeddings: np.ndarray, attention_mask: np.ndarray, mode: str):
    tokens = np.asarray(token_embeddings)
    mask = np.asarray(attention_mask)
    check_shapes(tokens.shape, mask.shape)
    if mode not in FIXED_MODES:
        raise ValueError(f"unknown pooling mode {mode!r}; choose one of {', '.join(FIXED_MODES)}")
    return tokens, mask != 0


def pool_array(
    token_embeddings: np.ndarray, attention_mask: np.ndarray, mode: FixedMode
) -> np.ndarray:
    """One vector per sentence from its token vectors.

    Args:
        token_embeddings: (batch, tokens, dim) contextual token vectors.
        attention_mask: (batch, tokens), 1 for real tokens (specials included), 0 for padding.
        mode: "cls", "mean", "max" or "mean_sqrt_len".

    Returns:
        (batch, dim) in the dtype of `token_embeddings`; not normalised.
    """
    tokens, real = _checked(token_embeddings, attention_mask, mode)
    batch, length, dim = tokens.shape
    if length == 0:  # no tokens at all: every row is empty
        return np.zeros((batch, dim), dtype=tokens.dtype)
    has_tokens = real.any(axis=1)  # (batch,)
    if mode == "cls":
        first = real.argmax(axis=1)  # (batch,) first real position
        pooled = tokens[np.arange(batch), first]  # (batch, dim)
    elif mode == "max":
        masked = np.where(real[..., None], tokens, -np.inf)  # (batch, tokens, dim)
        pooled = masked.max(axis=1)
    else:  # mean, mean_sqrt_len
        weights = real.astype(tokens.dtype)[..., None]  # (batch, tokens, 1)
        summed = (tokens * weights).sum(axis=1)  # (batch, dim)
        count = np.maximum(weights.sum(axis=1), 1e-9)  # (batch, 1)
        pooled = summed / (count if mode == "mean" else np.sqrt(count))
    pooled = np.where(has_tokens[:, None], pooled, 0)  # empty rows -> zeros
    return pooled.astype(tokens.dtype, copy=False)


def token_shares_array(
    token_embeddings: np.ndarray, attention_mask: np.ndarray, mode: FixedMode
) -> np.ndarray:
    """How much each token contributes to the pooled vector, as shares that sum to 1.

    cls: one-hot on the first real token. mean and mean_sqrt_len: uniform. max: for each token,
    the fraction of the dimensions where it holds the maximum (the first such token on ties).

    Returns:
        (batch, tokens) float64; padding gets 0; a row without real tokens is all 0.
    """
    tokens, real = _checked(token_embeddings, attention_mask, mode)
    batch, length, dim = tokens.shape
    count = real.sum(axis=1, keepdims=True)  # (batch, 1)
    if mode == "cls":
        shares = np.zeros((batch, length))
        if length:
            shares[np.arange(batch), real.argmax(axis=1)] = 1.0  # first real position
    elif mode == "max":
        shares = np.zeros((batch, length))
        if length:
            masked = np.where(real[..., None], tokens, -np.inf)
            winners = masked.argmax(axis=1)  # (batch, dim): which token holds each maximum
            for row in range(batch):
                shares[row] = np.bincount(winners[row], minlength=length) / dim
    else:
        shares = real / np.maximum(count, 1)
    return np.where(count > 0, shares, 0.0)


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 length, as torch's `F.normalize(p=2, eps=1e-12)` does it."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)  # (n, 1)
    return vectors / np.maximum(norms, 1e-12)


def attention_weights_array(
    token_embeddings: np.ndarray,
    attention_mask: np.ndarray,
    dense_weight: np.ndarray,
    dense_bias: np.ndarray,
    score_weight: np.ndarray,
) -> np.ndarray:
    """The attention pooling head's token weights, `softmax_t(w · tanh(W h_t + b))` over real tokens.

    The same computation as `AttentionPoolingHead.token_weights`, from its weights as arrays.

    Args:
        token_embeddings: (batch, tokens, dim).
        attention_mask: (batch, tokens).
        dense_weight: W (hidden, dim); dense_bias: b (hidden,); score_weight: w (1, hidden).

    Returns:
        (batch, tokens): each row sums to 1 over its real tokens; padding and empty rows get 0.
    """
    tokens = np.asarray(token_embeddings, dtype=np.float32)
    real = np.asarray(attention_mask) != 0  # (batch, tokens)
    hidden = np.tanh(tokens @ dense_weight.T + dense_bias)  # (batch, tokens, hidden)
    scores = (hidden @ score_weight.T)[..., 0]  # (batch, tokens)
    scores = np.where(real, scores, -np.inf)
    top = np.max(scores, axis=1, keepdims=True, initial=-np.inf)  # (batch, 1)
    exp = np.where(real, np.exp(scores - np.where(np.isfinite(top), top, 0.0)), 0.0)
    total = exp.sum(axis=1, keepdims=True)
    return np.where(total > 0, exp / np.where(total > 0, total, 1.0), 0.0).astype(np.float32)
