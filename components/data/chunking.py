"""Token-window chunking of long text, with overlap, cut at word boundaries.

A sentence encoder reads at most `max_seq_length` tokens (256 for all-MiniLM-L6-v2, [CLS] and
[SEP] included) and silently drops the rest. Long text is therefore cut into overlapping windows
of tokens. Windows are counted in tokens (not characters), cut between words where possible,
and each chunk is checked by tokenising it again on its own, so no chunk is ever truncated.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

from components.runtime.thread_safety import guarded

MIN_MAX_TOKENS = 20  # longer than any single WordPiece (18 characters): one piece always fits


@dataclass(frozen=True)
class Chunk:
    """One window of a text.

    Attributes:
        text: exactly `source[start:end]`.
        start: character offset of the first character in the source text.
        end: character offset one past the last character.
        n_tokens: tokens of `text` tokenised on its own, without [CLS]/[SEP].
    """

    text: str
    start: int
    end: int
    n_tokens: int


def special_token_count(tokenizer: Any) -> int:
    """How many special tokens ([CLS], [SEP]) the tokenizer adds to one text."""
    return int(guarded(tokenizer).num_special_tokens_to_add(pair=False))


def default_max_tokens(model_window: int, tokenizer: Any) -> int:
    """The largest chunk the model reads whole: its window minus the special tokens."""
    return int(model_window) - special_token_count(tokenizer)


def count_content_tokens(tokenizer: Any, texts: list[str]) -> list[int]:
    """Tokens of each text on its own, without special tokens and without truncation."""
    if not texts:
        return []
    encoded = guarded(tokenizer)(texts, add_special_tokens=False, truncation=False, verbose=False)
    return [len(ids) for ids in encoded["input_ids"]]


def _cut_positions(word_ids: list[int | None], max_tokens: int) -> list[int]:
    """Token positions where a chunk may start or end: word starts (and the end).

    A word longer than the window (rare: most long words become one [UNK]) may also be cut
    between its own pieces, since it cannot fit whole.
    """
    n = len(word_ids)
    starts = [
        i for i in range(n) if i == 0 or word_ids[i] != word_ids[i - 1] or word_ids[i] is None
    ]
    cuts: list[int] = []
    for number, first in enumerate(starts):
        last = starts[number + 1] if number + 1 < len(starts) else n
        cuts.append(first)
        if last - first > max_tokens:
            cuts.extend(range(first + 1, last))
    cuts.append(n)
    return cuts


def chunk_text(
    text: str, tokenizer: Any, max_tokens: int, overlap: int = 0, max_chunks: int | None = None
) -> list[Chunk]:
    """Cut `text` into windows of at most `max_tokens` tokens that overlap by about `overlap`.

    Chunks start and end at word boundaries (a word longer than the window is cut between its
    pieces). Consecutive chunks share at least `overlap` tokens where a word boundary allows it
    (more when a boundary falls inside the overlap, less only when the previous chunk is a single
    word), and each chunk starts after the previous one, so the loop always advances. Characters
    outside every chunk (leading/trailing whitespace, gaps of whitespace when `overlap` is 0) are
    ones the tokenizer produces no tokens for.

    Args:
        text: any unicode string.
        tokenizer: a Hugging Face *fast* tokenizer (it must give character offsets), e.g.
            `encoder.get_tokenizer(model)`. Every call into it holds its lock
            (`components.runtime.thread_safety`), so the model's shared tokenizer can be used from any
            thread.
        max_tokens: window size in tokens, special tokens excluded (the model window minus 2
            for BERT-style models). At least MIN_MAX_TOKENS.
        overlap: tokens shared by consecutive chunks, 0 <= overlap < max_tokens.
        max_chunks: stop after this many chunks (None: the whole text). A large overlap makes
            about one chunk per word, so a caller on a shared server bounds the work here.

    Returns:
        Chunks in text order; `text[c.start:c.end] == c.text` and `c.n_tokens <= max_tokens`.
        An empty list when the text has no tokens (empty or whitespace only).

    Raises:
        ValueError: with a message for the user when the settings are impossible.
    """
    max_tokens, overlap = int(max_tokens), int(overlap)
    if max_tokens < MIN_MAX_TOKENS:
        raise ValueError(f"The window must be at least {MIN_MAX_TOKENS} tokens.")
    if overlap < 0:
        raise ValueError("The overlap cannot be negative.")
    if overlap >= max_tokens:
        raise ValueError(
            f"The overlap ({overlap} tokens) must be smaller than the window ({max_tokens} "
            "tokens): otherwise a chunk never moves forward."
        )
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError("Chunking needs a fast tokenizer (one that reports character offsets).")
    if not text:
        return []
    tokenizer = guarded(tokenizer)
    # In blocks of characters, so that a long text never has all its tokens (and offsets) in
    # memory at once (1,000,000 CJK characters: +826 MB in one piece) and work stops at
    # `max_chunks`. A block's last chunk may be cut by the block's end: it is dropped and the
    # next block starts where it started (a word start, so it tokenises the same).
    chunks: list[Chunk] = []
    position, block = 0, BLOCK_CHARS
    while position < len(text):
        end = min(position + block, len(text))
        wanted = None if max_chunks is None else max_chunks - len(chunks) + 1
        found = _chunk_block(text[position:end], tokenizer, max_tokens, overlap, wanted)
        if end < len(text) and len(found) < 2 and found and block < MAX_BLOCK_CHARS:
            block *= 2  # one chunk longer than the block: look further before cutting
            continue
        if end < len(text) and len(found) >= 2:
            restart = found.pop().start  # cut by the block's end: read again with what follows
        else:
            restart = end - position
        chunks.extend(
            Chunk(c.text, c.start + position, c.end + position, c.n_tokens) for c in found
        )
        if max_chunks is not None and len(chunks) >= max_chunks:
            return chunks[:max_chunks]
        position, block = position + max(restart, 1), BLOCK_CHARS
    return chunks


BLOCK_CHARS = 20_000  # characters tokenised at once by `chunk_text`
MAX_BLOCK_CHARS = 8 * BLOCK_CHARS  # a "word" longer than this (no space in 160,000 characters,
# e.g. emoji or a base64 blob, one [UNK] anyway) is cut at the block's end


def _chunk_block(
    text: str, tokenizer: Any, max_tokens: int, overlap: int, max_chunks: int | None
) -> list[Chunk]:
    """`chunk_text` of one block (its checks done; `tokenizer` guarded)."""
    encoding = tokenizer(
        text,
        add_special_tokens=False,
        truncation=False,
        return_offsets_mapping=True,
        verbose=False,
    )
    offsets: list[tuple[int, int]] = list(encoding["offset_mapping"])  # (tokens, 2) characters
    n = len(offsets)
    if n == 0:
        return []
    # Token i covers text[offsets[i][0]:offsets[i][1]]; pieces of one character can share offsets.
    token_starts = [start for start, _ in offsets]
    token_ends = [end for _, end in offsets]
    # Running maximum: a chunk ends where the furthest of its tokens ends.
    reach = list(token_ends)
    for i in range(1, n):
        reach[i] = max(reach[i], reach[i - 1])
    cuts = _cut_positions(encoding.word_ids(), max_tokens)

    def make(first: int, stop: int) -> Chunk:
        start, end = token_starts[first], reach[stop - 1]
        piece = text[start:end]
        return Chunk(piece, start, end, count_content_tokens(tokenizer, [piece])[0])

    def longest_from(first: int) -> tuple[int, Chunk]:
        """The longest chunk starting at token `first` that re-tokenises within the window."""
        position = bisect.bisect_right(cuts, first + max_tokens) - 1
        while cuts[position] > first:
            chunk = make(first, cuts[position])
            if chunk.n_tokens <= max_tokens:
                return cuts[position], chunk
            position -= 1
        # No word boundary works (a piece of a word re-tokenised differently): cut inside it.
        for stop in range(min(first + max_tokens, n), first, -1):
            chunk = make(first, stop)
            if chunk.n_tokens <= max_tokens:
                return stop, chunk
        raise ValueError(
            "A piece of the text cannot fit in the window even on its own; use a larger window."
        )

    chunks: list[Chunk] = []
    first = 0
    stop, chunk = longest_from(first)
    while True:
        chunks.append(chunk)
        if stop >= n or (max_chunks is not None and len(chunks) >= max_chunks):
            return chunks
        # Next start: the last cut at or before `stop - overlap` (overlap as asked), else the
        # earliest later cut (less overlap), else `stop` itself (none) -- the first that yields
        # a chunk reaching past `stop`, so every chunk ends later than the one before.
        inside = cuts[bisect.bisect_right(cuts, first) : bisect.bisect_left(cuts, stop)]
        wanted = [c for c in inside if c <= stop - overlap] if overlap else []
        options = ([wanted[-1]] if wanted else []) + [c for c in inside if c > stop - overlap]
        next_cut = cuts[bisect.bisect_right(cuts, stop)] if stop < n else n
        for candidate in [*(options if overlap else []), stop]:
            if candidate != stop and next_cut > candidate + max_tokens:
                continue  # its window cannot reach the next boundary after `stop`
            candidate_stop, candidate_chunk = longest_from(candidate)
            if candidate_stop > stop or candidate == stop:
                break
        first, stop, chunk = candidate, candidate_stop, candidate_chunk
