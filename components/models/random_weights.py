"""A BERT's random starting weights, drawn in numpy exactly as torch draws them (no torch).

The Tokens & pooling lab compares the trained model with the same architecture at random weights,
built as `encoder.untrained_copy` builds it: `AutoModel.from_config(config)` under
`torch.manual_seed(seed)`. Importing torch and transformers' BERT for that costs ~450 MB in the
export subprocess (docs/memory.md); this module reproduces the same tensors with numpy alone.

How torch draws them (CPU, float32), which this module replays:
- The generator is a 32-bit Mersenne Twister seeded like the reference `init_genrand(seed)`;
  numpy's `MT19937` with its legacy seeding is the same generator.
- `uniform_` takes one 32-bit draw per element: `(draw & (2**24 - 1)) * 2**-24`.
- `normal_` on >= 16 contiguous floats fills the tensor with such uniforms, turns each block of
  16 into 8 Box-Muller pairs (`u1 = 1 - x[j]`, `u2 = x[j + 8]`), and when the size is not a
  multiple of 16 draws 16 fresh uniforms for the last 16 values.
- Building the model draws first (every `nn.Embedding` `normal_(0, 1)`, every `nn.Linear` a
  uniform weight and bias), then transformers' `_init_weights` overwrites every module, children
  before parents: Linear and Embedding weights `normal_(0, initializer_range)`, biases 0, the
  padding row 0, LayerNorm 1 and 0.

Only the values after the overwrite are kept, but the draws before it move the generator, so the
plan below follows `BertModel.__init__` (with its pooler) in order. Tested against torch
(`tests/unit/test_random_weights.py`): every tensor equal within 1e-6.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

_UNIFORM_BITS = 24  # float32 mantissa digits: torch keeps the low 24 bits of a 32-bit draw
_BLOCK = 16  # torch's normal_fill works on blocks of 16 uniforms (8 Box-Muller pairs)
_CHUNK = 1 << 20  # draws at a time (8 MB as uint64): bounded temporaries
_CHUNK_BLOCKS = _CHUNK // _BLOCK


class TorchGenerator:
    """torch's CPU generator after `torch.manual_seed(seed)`, for float32 `uniform_`/`normal_`."""

    def __init__(self, seed: int) -> None:
        self._bits = np.random.MT19937()
        self._bits._legacy_seeding(seed)  # init_genrand(seed), as torch's mt19937(seed)

    def skip(self, count: int) -> None:
        """Advance by `count` 32-bit draws (what `uniform_` of `count` floats takes)."""
        for start in range(0, count, _CHUNK):  # draws come as uint64: bounded temporaries
            self._bits.random_raw(min(_CHUNK, count - start))

    def skip_normal(self, count: int) -> None:
        """Advance as `normal` of `count` floats would, without computing them."""
        self.skip(count + (_BLOCK if count % _BLOCK else 0))

    def uniform(self, count: int) -> np.ndarray:
        """`count` floats in [0, 1), as `torch.empty(count).uniform_()` draws them."""
        values = np.empty(count, np.float32)
        for start in range(0, count, _CHUNK):
            draws = self._bits.random_raw(min(_CHUNK, count - start)) & ((1 << _UNIFORM_BITS) - 1)
            values[start : start + len(draws)] = draws * np.float32(2.0**-_UNIFORM_BITS)
        return values

    def normal(self, count: int, mean: float = 0.0, std: float = 1.0) -> np.ndarray:
        """`count` floats as `torch.empty(count).normal_(mean, std)` draws them (count >= 16)."""
        if count < _BLOCK:
            raise ValueError("torch draws fewer than 16 normals another way; not replayed here")
        values = self.uniform(count)
        blocks = values[: count // _BLOCK * _BLOCK].reshape(-1, _BLOCK)  # a view: filled in place
        for start in range(0, len(blocks), _CHUNK_BLOCKS):  # bounded temporaries
            chunk = blocks[start : start + _CHUNK_BLOCKS]
            chunk[:] = self._box_muller(chunk, mean, std)
        if count % _BLOCK:
            tail = self.uniform(_BLOCK).reshape(1, _BLOCK)
            values[count - _BLOCK :] = self._box_muller(tail, mean, std).ravel()
        return values

    @staticmethod
    def _box_muller(blocks: np.ndarray, mean: float, std: float) -> np.ndarray:
        """(blocks, 16) uniforms -> (blocks, 16) normals: first half cos, second half sin."""
        half = _BLOCK // 2
        radius = np.sqrt(np.float32(-2.0) * np.log(np.float32(1.0) - blocks[:, :half]))
        theta = np.float32(2.0 * math.pi) * blocks[:, half:]
        normals = np.concatenate([radius * np.cos(theta), radius * np.sin(theta)], axis=1)
        return (normals * np.float32(std) + np.float32(mean)).astype(np.float32)


def _layers(config: dict) -> list[tuple[str, str, tuple[int, ...]]]:
    """(kind, name, shape) of every module of `BertModel(config)` in construction order; kind
    is "embedding", "linear" or "norm"; the shape is the weight's."""
    hidden, inner = config["hidden_size"], config["intermediate_size"]
    modules = [
        ("embedding", "embeddings.word_embeddings", (config["vocab_size"], hidden)),
        (
            "embedding",
            "embeddings.position_embeddings",
            (config["max_position_embeddings"], hidden),
        ),
        ("embedding", "embeddings.token_type_embeddings", (config["type_vocab_size"], hidden)),
        ("norm", "embeddings.LayerNorm", (hidden,)),
    ]
    for layer in range(config["num_hidden_layers"]):
        prefix = f"encoder.layer.{layer}."
        modules += [
            ("linear", prefix + "attention.self.query", (hidden, hidden)),
            ("linear", prefix + "attention.self.key", (hidden, hidden)),
            ("linear", prefix + "attention.self.value", (hidden, hidden)),
            ("linear", prefix + "attention.output.dense", (hidden, hidden)),
            ("norm", prefix + "attention.output.LayerNorm", (hidden,)),
            ("linear", prefix + "intermediate.dense", (inner, hidden)),
            ("linear", prefix + "output.dense", (hidden, inner)),
            ("norm", prefix + "output.LayerNorm", (hidden,)),
        ]
    modules.append(("linear", "pooler.dense", (hidden, hidden)))
    return modules


def is_replayable(config: dict) -> bool:
    """Whether `bert_random_state` knows this architecture (a plain BERT with absolute positions)."""
    needed = (
        "hidden_size",
        "intermediate_size",
        "vocab_size",
        "max_position_embeddings",
        "type_vocab_size",
        "num_hidden_layers",
    )
    return (
        config.get("model_type") == "bert"
        and config.get("architectures", ["BertModel"]) == ["BertModel"]
        and config.get("position_embedding_type", "absolute") == "absolute"
        and all(isinstance(config.get(key), int) and config[key] > 0 for key in needed)
    )


def bert_random_state(config: dict, seed: int) -> dict[str, np.ndarray]:
    """name -> float32 array of every weight of `AutoModel.from_config(config)` built under
    `torch.manual_seed(seed)` (the names of its `state_dict`, buffers left out).

    Raises:
        ValueError: the architecture is not one this module replays (`is_replayable`).
    """
    if not is_replayable(config):
        raise ValueError("only a plain BertModel's random weights are replayed without torch")
    generator = TorchGenerator(seed)
    modules = _layers(config)
    for kind, _, shape in modules:  # construction: torch's default inits move the generator
        if kind == "embedding":
            generator.skip_normal(math.prod(shape))
        elif kind == "linear":
            generator.skip(math.prod(shape))  # kaiming_uniform_ weight
            generator.skip(shape[0])  # uniform_ bias
    std = float(config.get("initializer_range") or 0.02)
    padding = config.get("pad_token_id")
    state: dict[str, np.ndarray] = {}
    for kind, name, shape in modules:  # _init_weights, children first: the order above
        if kind == "norm":
            state[f"{name}.weight"] = np.ones(shape, np.float32)
            state[f"{name}.bias"] = np.zeros(shape, np.float32)
            continue
        state[f"{name}.weight"] = generator.normal(math.prod(shape), 0.0, std).reshape(shape)
        if kind == "linear":
            state[f"{name}.bias"] = np.zeros(shape[0], np.float32)
        elif name.endswith("word_embeddings") and padding is not None:
            state[f"{name}.weight"][padding] = 0.0
    return state


def read_config(transformer_dir: str | Path) -> dict:
    """The transformer's config.json as a dict ({} when missing or unreadable)."""
    try:
        config = json.loads((Path(transformer_dir) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return config if isinstance(config, dict) else {}
