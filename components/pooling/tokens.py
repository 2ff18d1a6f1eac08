"""Sub-word pieces as the model sees them, and the contextual vectors the encoder gives them.

Tokenizer-agnostic: pieces are grouped into words with the fast tokenizer's `word_ids`, so the
same code shows WordPiece's `quantum ##ness` and SentencePiece's `▁quant um`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from components.core import limits
from components.core.texts import Message
from components.runtime.thread_safety import guarded

if TYPE_CHECKING:
    from components.models.encoder import TokenBatch

PieceKind = Literal["special", "unknown", "start", "continuation"]
TokenizerStyle = Literal["WordPiece", "SentencePiece", "byte-level BPE", "other"]

EXAMPLES = {
    "Unseen word: quantumness": "quantumness",
    "A long word: superconductivity": "Superconductivity appears below a critical temperature.",
    "A typo": "I did not recieve the pakage yesterday.",
    "A name": "Arnold Schwarzenegger met Chimamanda Ngozi Adichie in Reykjavík.",
    "Emoji": "Launch day 🚀🔥 went great 👍",
    "Chinese and Japanese (CJK)": "机器学习 is machine learning; 東京 is Tokyo.",
    "The lesson's sentence": "Superconductors expel magnetic fields below a critical temperature.",
}


# What the page says about each tokenizer style ({style} is filled in).
STYLE_NOTES: dict[str, str] = {
    "WordPiece": (
        "This model's tokenizer is **WordPiece** (BERT's): a piece that continues a word starts "
        "with `##` (`quantum` + `##ness`). The lesson writes pieces as `▁quant`, `um`: that is "
        "**SentencePiece** notation (T5, XLM-R, mpnet's cousins), where `▁` marks the *start* of "
        "a word instead. Load a SentencePiece model in the sidebar and this same view shows its "
        "`▁` pieces. Either way, an unseen word is never lost: it is composed from known pieces. "
        "Only characters with no piece at all (emoji here) become [UNK]."
    ),
    "SentencePiece": (
        "This model's tokenizer is **SentencePiece**: `▁` marks the start of a word, as in the "
        "lesson's `▁quant`. BERT-style WordPiece (all-MiniLM-L6-v2) instead marks the "
        "continuation, `##um`."
    ),
    "other": (
        "This model's tokenizer style is **{style}**. WordPiece marks continuation pieces with "
        "`##`, SentencePiece marks word starts with `▁`, byte-level BPE with `Ġ`."
    ),
}


@dataclass(frozen=True)
class Piece:
    text: str  # the piece as the vocabulary spells it ("##ness", "▁quant", "[CLS]")
    id: int
    kind: PieceKind
    word: int | None  # index of the word it belongs to (None for special tokens)
    in_window: bool  # False past the model's window: the model never sees it


@dataclass(frozen=True)
class TokenView:
    pieces: list[Piece]  # every piece of the text, past the window too
    window: int  # the model's max_seq_length
    n_tokens: int  # pieces including specials, before truncation
    style: TokenizerStyle

    @property
    def truncated(self) -> bool:
        return self.n_tokens > self.window

    @property
    def n_unknown(self) -> int:
        return sum(piece.kind == "unknown" for piece in self.pieces)


def tokenizer_style(tokenizer) -> TokenizerStyle:
    """Which sub-word scheme the tokenizer uses, judged by the pieces it makes of a long word."""
    pieces = guarded(tokenizer).tokenize("superconductivity quantumness")
    if any(piece.startswith("##") for piece in pieces):
        return "WordPiece"
    if any(piece.startswith("▁") for piece in pieces):
        return "SentencePiece"
    if any(piece.startswith("Ġ") for piece in pieces):
        return "byte-level BPE"
    return "other"


def token_view(tokenizer, text: str, window: int) -> TokenView:
    """All pieces of `text` (special tokens added, no truncation), marked with what they are.

    Args:
        tokenizer: a Hugging Face *fast* tokenizer (`encoder.get_tokenizer(model)`).
        window: the model's max_seq_length; pieces past it are marked `in_window=False`, and the
            closing special token is the one the model sees at position window - 1.
    """
    tokenizer = guarded(tokenizer)
    encoding = tokenizer(text, add_special_tokens=True, truncation=False, verbose=False)
    ids = list(encoding["input_ids"])
    word_ids = encoding.word_ids()
    pieces_text = tokenizer.convert_ids_to_tokens(ids)
    special_ids = set(tokenizer.all_special_ids)
    unknown_id = tokenizer.unk_token_id
    pieces: list[Piece] = []
    previous_word = None
    for position, (piece, token_id, word) in enumerate(
        zip(pieces_text, ids, word_ids, strict=True)
    ):
        if token_id == unknown_id:
            kind: PieceKind = "unknown"
        elif token_id in special_ids or word is None:
            kind = "special"
        elif word == previous_word:
            kind = "continuation"
        else:
            kind = "start"
        # Past the window the model keeps window - 1 pieces and its own closing special token.
        in_window = len(ids) <= window or position < window - 1 or position == len(ids) - 1
        pieces.append(Piece(piece, int(token_id), kind, word, in_window))
        previous_word = word
    return TokenView(pieces, window, len(ids), tokenizer_style(tokenizer))


def view_messages(view: TokenView) -> list[Message]:
    """What the view's reader should know: pieces cut off at the window, nothing but specials,
    nothing but [UNK]."""
    messages = []
    real = [piece for piece in view.pieces if piece.kind != "special"]
    if view.truncated:
        messages.append(
            Message(
                "warning",
                f"✂ {view.n_tokens:,} pieces, but the window is {view.window}: the model reads the "
                f"first {view.window - 1} and its closing {view.pieces[-1].text}, and silently "
                f"ignores the other {view.n_tokens - view.window:,}. Split long text into chunks "
                "before embedding it.",
            )
        )
    if not real:
        messages.append(
            Message(
                "warning",
                "Nothing but special tokens: the text only contains markers the tokenizer treats as "
                "special tokens (or nothing it can read). Every sentence gets these anyway, so the "
                "vector of this text says nothing about its content.",
            )
        )
    elif view.n_unknown == len(real):
        messages.append(
            Message(
                "warning",
                "Every piece is [UNK] (unknown): this vocabulary has no piece for these characters, "
                "so the model sees only 'unknown' and cannot tell such texts apart.",
            )
        )
    return messages


def word_count(view: TokenView) -> int:
    """How many words the pieces make up (special tokens are no word)."""
    return len(
        {piece.word for piece in view.pieces if piece.kind != "special" and piece.word is not None}
    )


_CHIP_STYLE = """
<style>
.tok-view{display:flex;flex-wrap:wrap;gap:6px 8px;align-items:flex-start;font-family:monospace;
     max-height:430px;overflow-y:auto;padding:2px}
.tok-word{display:inline-flex;border-radius:6px;outline:1px solid #c9ced6}
.tok{display:inline-flex;flex-direction:column;align-items:center;padding:2px 6px;
     background:#eef4fb;min-width:1.6em}
.tok-word .tok:first-child{border-radius:6px 0 0 6px}
.tok-word .tok:last-child{border-radius:0 6px 6px 0}
.tok-word .tok+.tok{border-left:1px dashed #9aa5b1}
.tok.cont{background:#fff4e0}
.tok.special{background:#e6e6e6;color:#555;border-radius:6px;outline:1px solid #bbb}
.tok.unknown{background:#fde2e1;color:#a11;border-radius:6px;outline:1px solid #e99}
.tok .id{font-size:0.7em;color:#6b7280}
.tok-cut{align-self:stretch;display:flex;align-items:center;padding:2px 8px;border-left:3px solid
     #d62728;color:#d62728;font-weight:bold;font-family:sans-serif;font-size:0.85em}
.tok-beyond,.tok-beyond .tok,.tok-beyond .tok-word{opacity:0.45}
</style>
"""


def _chip(piece: Piece) -> str:
    css = {"special": "tok special", "unknown": "tok unknown", "continuation": "tok cont"}
    return (
        f'<span class="{css.get(piece.kind, "tok")}" title="id {piece.id} · {piece.kind}">'
        f"<span>{html.escape(piece.text)}</span><span class='id'>{piece.id}</span></span>"
    )


def chips_html(view: TokenView, beyond_shown: int = 20) -> str:
    """The pieces as HTML chips: pieces of one word share a box, specials are grey, [UNK] red.

    Past the window, a red marker says how many pieces the model never sees; the first
    `beyond_shown` of them are drawn faded. All text is HTML-escaped.
    """
    parts = [_CHIP_STYLE, '<div class="tok-view">']
    seen = [piece for piece in view.pieces if piece.in_window]
    dropped = [piece for piece in view.pieces if not piece.in_window]
    closing = seen.pop() if view.truncated else None

    def words(pieces: Sequence[Piece]) -> list[str]:
        out: list[str] = []
        group: list[Piece] = []
        for piece in [*pieces, None]:
            if group and (
                piece is None or piece.kind != "continuation" or piece.word != group[0].word
            ):
                if len(group) == 1 and group[0].kind in ("special", "unknown"):
                    out.append(_chip(group[0]))
                else:
                    out.append('<span class="tok-word">' + "".join(map(_chip, group)) + "</span>")
                group = []
            if piece is not None:
                group.append(piece)
        return out

    parts.extend(words(seen))
    if closing is not None:
        parts.append(_chip(closing))
        parts.append(
            f'<span class="tok-cut">✂ window of {view.window} tokens ends here · '
            f"{len(dropped):,} more pieces are cut off</span>"
        )
        parts.append('<span class="tok-beyond" style="display:contents">')
        parts.extend(words(dropped[:beyond_shown]))
        parts.append("</span>")
        if len(dropped) > beyond_shown:
            parts.append(f"<span class='tok-beyond'>… {len(dropped) - beyond_shown:,} more</span>")
    parts.append("</div>")
    return "".join(parts)


@dataclass(frozen=True)
class TokenPoints:
    pieces: list[str]  # the piece of each point
    owners: list[int]  # the sentence each point belongs to
    vectors: np.ndarray  # (points, dim) its contextual vector


def token_points(batch: TokenBatch, include_special: bool = False) -> TokenPoints:
    """Every token vector of a batch as one point each (special tokens only when asked)."""
    pieces: list[str] = []
    owners: list[int] = []
    rows: list[np.ndarray] = []
    for sentence, (sentence_pieces, special) in enumerate(
        zip(batch.pieces, batch.special, strict=True)
    ):
        for position, (piece, is_special) in enumerate(zip(sentence_pieces, special, strict=True)):
            if include_special or not is_special:
                pieces.append(piece)
                owners.append(sentence)
                rows.append(batch.embeddings[sentence, position])
    dimension = batch.embeddings.shape[-1]
    vectors = np.stack(rows) if rows else np.zeros((0, dimension), dtype=np.float32)
    return TokenPoints(pieces, owners, vectors)


def words_to_follow(text: str) -> tuple[list[str], list[Message]]:
    """The comma-separated words to follow: distinct (case-insensitive), at most
    `limits.WORDS_TO_FOLLOW` of `limits.WORD_CHARS` characters each, with messages when cut.

    `bank, ` typed 500 times is one word, not 500 (whose heatmap grew with the square).
    """
    seen: dict[str, str] = {}
    long_words = 0
    for raw in text.split(","):
        word = " ".join(raw.split())
        if not word:
            continue
        if len(word) > limits.WORD_CHARS:
            long_words += 1
            continue
        seen.setdefault(word.casefold(), word)
    words = list(seen.values())
    messages: list[Message] = []
    if long_words:
        messages.append(
            Message(
                "warning",
                f"{long_words} entr{'ies are' if long_words > 1 else 'y is'} longer than "
                f"{limits.WORD_CHARS} characters and left out: type single words, "
                "separated by commas.",
            )
        )
    if len(words) > limits.WORDS_TO_FOLLOW:
        messages.append(
            Message(
                "warning",
                f"{len(words)} distinct words is over the limit of {limits.WORDS_TO_FOLLOW}: "
                f"following the first {limits.WORDS_TO_FOLLOW}.",
            )
        )
        words = words[: limits.WORDS_TO_FOLLOW]
    return words, messages


@dataclass(frozen=True)
class WordInContext:
    sentence: int  # index of the sentence
    word: str  # the word as written in the sentence
    pieces: list[str]  # its sub-word pieces
    vector: np.ndarray  # (dim,) mean of its pieces' contextual vectors


def find_word_vectors(
    tokenizer,
    window: int,
    sentences: Sequence[str],
    words: Sequence[str],
    token_embeddings: np.ndarray,
) -> list[WordInContext]:
    """The contextual vector of each target word in each sentence (first occurrence per word).

    A word split into several pieces gets the mean of its pieces' vectors. Matching is whole-word
    and case-insensitive; occurrences past the model's window are skipped.

    Args:
        tokenizer: the model's fast tokenizer.
        window: the model's max_seq_length.
        token_embeddings: (n, tokens, dim) of `sentences`, e.g. from `encoder.token_embeddings`.
    """
    words = list(dict.fromkeys(word.strip() for word in words if word.strip()))  # once each
    tokenizer = guarded(tokenizer)
    vectors = np.asarray(token_embeddings)
    found: list[WordInContext] = []
    for index, sentence in enumerate(sentences):
        encoding = tokenizer(
            sentence, truncation=True, max_length=window, return_offsets_mapping=True
        )
        offsets = encoding["offset_mapping"]
        pieces = tokenizer.convert_ids_to_tokens(encoding["input_ids"])
        for word in words:
            match = re.search(rf"(?<!\w){re.escape(word)}(?!\w)", sentence, flags=re.IGNORECASE)
            if match is None:
                continue
            positions = [
                position
                for position, (start, end) in enumerate(offsets)
                if end > start and start < match.end() and end > match.start()
            ]
            if not positions:
                continue
            vector = vectors[index, positions].mean(axis=0)  # (dim,)
            found.append(
                WordInContext(index, match.group(0), [pieces[p] for p in positions], vector)
            )
    return found


def occurrence_label(occurrence: WordInContext, sentences: Sequence[str]) -> str:
    """`bank · We had a picnic …`, with the pieces of a word cut into several: `bat (b ##at) · …`."""
    pieces = f" ({' '.join(occurrence.pieces)})" if len(occurrence.pieces) > 1 else ""
    return f"{occurrence.word}{pieces} · {sentences[occurrence.sentence]}"


def view_metrics(view: TokenView, window: int) -> dict[str, str]:
    """The view's counts as the page's metrics: pieces against the `window`, words, [UNK]s."""
    return {
        "Pieces (with specials)": f"{view.n_tokens:,} / {window}",
        "Words": f"{word_count(view):,}",
        "Unknown pieces [UNK]": f"{view.n_unknown:,}",
        "Tokenizer": view.style,
    }
