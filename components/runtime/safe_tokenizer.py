"""A tokenizer that many threads can share: Hugging Face's fast-tokenizer calls, never reconfigured.

A `transformers` fast tokenizer stores its truncation and padding settings on the one Rust
tokenizer object and changes them on every call, so two threads with different settings break
each other ("Unable to create tensor ... activate truncation", wrong lengths). `SafeTokenizer`
answers the same calls (the subset the lab uses: `__call__` with `add_special_tokens`,
`truncation`, `max_length`, `return_offsets_mapping`; `word_ids`; `tokenize`;
`convert_ids_to_tokens`; `num_special_tokens_to_add`; `all_special_ids`; `unk_token_id`) from
`tokenizers.Tokenizer` objects that are each configured once, when created, and only read after:
one that never truncates, and one per truncation length (created on first use, under a lock,
before it is shared). It needs only the `tokenizers` library (no torch, no transformers).

Equal to the model's Hugging Face tokenizer on every call the lab makes
(tests/unit/test_safe_tokenizer.py).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path


class Encoded(dict):
    """The result of a call: `input_ids`, `attention_mask`, `token_type_ids` (+ `offset_mapping`),
    lists for one text or lists of lists for a batch, like a `BatchEncoding`."""

    def __init__(self, values: dict, word_ids: list[list[int | None]], batched: bool) -> None:
        super().__init__(values)
        self._word_ids = word_ids
        self._batched = batched

    def word_ids(self, batch_index: int = 0) -> list[int | None]:
        """The word each token belongs to (None for special tokens), as `BatchEncoding.word_ids`."""
        return self._word_ids[batch_index]


class SafeTokenizer:
    """Hugging Face fast-tokenizer calls over `tokenizers.Tokenizer` objects configured once.

    Args:
        tokenizer_file: the model's `tokenizer.json`.
        window: the model's max_seq_length (`truncation=True` without `max_length` truncates here).
    """

    is_fast = True

    def __init__(self, tokenizer_file: str | Path, window: int) -> None:
        from tokenizers import Tokenizer

        self._file = str(tokenizer_file)
        self.window = int(window)
        self._full = Tokenizer.from_file(self._file)
        self._full.no_padding()
        self._full.no_truncation()
        self._truncating: dict[int, Tokenizer] = {}
        self._lock = threading.Lock()  # only guards creating a truncating tokenizer
        self._truncated_at(self.window)
        added = self._full.get_added_tokens_decoder()
        self.all_special_ids = sorted(index for index, token in added.items() if token.special)
        config = json.loads(Path(self._file).read_text(encoding="utf-8"))
        model = config.get("model") or {}
        unknown = model.get("unk_token")
        self.unk_token_id = self._full.token_to_id(unknown) if isinstance(unknown, str) else None
        padding = config.get("padding") or {}
        pad_token = padding.get("pad_token", "[PAD]")
        self.pad_token_id = int(padding.get("pad_id", self._full.token_to_id(pad_token) or 0))
        self._specials_added = len(self._full.encode("", add_special_tokens=True).ids) - len(
            self._full.encode("", add_special_tokens=False).ids
        )

    @property
    def backend_tokenizer(self):
        """The untruncated `tokenizers.Tokenizer` (as on a Hugging Face fast tokenizer): read
        its model and vocabulary only; never reconfigure it (other threads use it)."""
        return self._full

    def __len__(self) -> int:
        """Vocabulary size with added tokens, like `len()` of a Hugging Face tokenizer."""
        return int(self._full.get_vocab_size(with_added_tokens=True))

    def _truncated_at(self, length: int):
        tokenizer = self._truncating.get(length)
        if tokenizer is None:
            from tokenizers import Tokenizer

            with self._lock:
                tokenizer = self._truncating.get(length)
                if tokenizer is None:
                    tokenizer = Tokenizer.from_file(self._file)
                    tokenizer.no_padding()
                    tokenizer.enable_truncation(max_length=length)
                    self._truncating[length] = tokenizer  # published only once configured
        return tokenizer

    def backend(self, *, truncation: bool = False, max_length: int | None = None):
        """The `tokenizers.Tokenizer` for these settings (shared: never reconfigure it)."""
        if not truncation:
            return self._full
        return self._truncated_at(int(max_length or self.window))

    def encodings(
        self,
        texts: Sequence[str],
        *,
        add_special_tokens: bool = True,
        truncation: bool = False,
        max_length: int | None = None,
    ) -> list:
        """`tokenizers.Encoding` of each text (ids, tokens, offsets, word_ids, attention_mask)."""
        tokenizer = self.backend(truncation=truncation, max_length=max_length)
        return tokenizer.encode_batch(list(texts), add_special_tokens=add_special_tokens)

    def __call__(
        self,
        text: str | Sequence[str],
        add_special_tokens: bool = True,
        truncation: bool | str = False,
        max_length: int | None = None,
        return_offsets_mapping: bool = False,
        **ignored: object,  # verbose=..., return_attention_mask=...: no effect here
    ) -> Encoded:
        batched = not isinstance(text, str)
        texts = list(text) if batched else [text]
        encodings = self.encodings(
            texts,
            add_special_tokens=add_special_tokens,
            truncation=bool(truncation) and truncation != "do_not_truncate",
            max_length=max_length,
        )
        values: dict[str, list] = {
            "input_ids": [list(encoding.ids) for encoding in encodings],
            "token_type_ids": [list(encoding.type_ids) for encoding in encodings],
            "attention_mask": [list(encoding.attention_mask) for encoding in encodings],
        }
        if return_offsets_mapping:
            values["offset_mapping"] = [list(encoding.offsets) for encoding in encodings]
        if not batched:
            values = {key: value[0] for key, value in values.items()}
        word_ids = [list(encoding.word_ids) for encoding in encodings]
        return Encoded(values, word_ids, batched)

    def tokenize(self, text: str) -> list[str]:
        """The pieces of `text`, without special tokens."""
        return list(self._full.encode(text, add_special_tokens=False).tokens)

    def convert_ids_to_tokens(self, ids: int | Sequence[int]) -> str | list[str]:
        if isinstance(ids, int):
            return self._full.id_to_token(ids)
        return [self._full.id_to_token(int(index)) for index in ids]

    def num_special_tokens_to_add(self, pair: bool = False) -> int:
        if pair:
            raise NotImplementedError("pairs are not used by the lab")
        return self._specials_added
