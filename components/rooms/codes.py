"""Room codes, teacher tokens, and the per-session limit on join attempts.

A code is read off a projector and typed on a phone: it uses only letters that cannot be taken for
another letter or a digit (no B/8, G/6, I/L/1, O/Q/0, S/5, Z/2), drawn with `secrets`. With
`CODE_LETTERS` letters from an 18-letter alphabet there are 18^6 ≈ 34 million codes, and at most
`limits.ROOMS_OPEN` rooms are open: a guess finds a room about once in 680,000 tries, and a
session may try `limits.ROOM_JOIN_ATTEMPTS` times a minute.

The teacher's token is a separate secret (never part of the link); the database keeps only its
SHA-256 hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import deque
from dataclasses import dataclass, field

from components.core import limits
from components.core.texts import InputError

ALPHABET = "ACDEFHJKMNPRTUVWXY"  # 18 letters without look-alikes
CODE_LETTERS = 6
JOIN_WINDOW_SECONDS = 60.0


def new_code() -> str:
    """A fresh random room code, e.g. `KXMAPT`."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LETTERS))


def new_token() -> str:
    """A fresh teacher token (32 random bytes, URL-safe text)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def token_matches(token: str | None, stored_hash: str) -> bool:
    """Constant-time check of a token against the stored hash."""
    if not token:
        return False
    return hmac.compare_digest(token_hash(token), stored_hash)


def normalize_code(typed: object) -> str:
    """A typed code in its stored form: upper case, spaces and dashes dropped.

    Raises:
        InputError: the text cannot be a room code (wrong length or letters).
    """
    text = str(typed or "")
    code = "".join(text.split()).replace("-", "").upper()
    if not code:
        raise InputError("Type the room code your teacher shows (letters only).")
    if len(code) != CODE_LETTERS or any(letter not in ALPHABET for letter in code):
        raise InputError(
            f"“{code[:20]}” is not a room code: a code has {CODE_LETTERS} letters, "
            "as shown on the teacher's screen."
        )
    return code


@dataclass
class JoinAttempts:
    """Join attempts of one browser session within the last minute (kept in its session state)."""

    times: deque[float] = field(default_factory=deque)
    allowed: int = limits.ROOM_JOIN_ATTEMPTS
    window: float = JOIN_WINDOW_SECONDS

    def check(self, now: float) -> None:
        """Count one attempt at `now` (seconds).

        Raises:
            InputError: this session has tried `allowed` times within the last `window` seconds.
        """
        while self.times and now - self.times[0] >= self.window:
            self.times.popleft()
        if len(self.times) >= self.allowed:
            wait = int(self.window - (now - self.times[0])) + 1
            raise InputError(
                f"Too many join attempts: {limits.LIMITS['ROOM_JOIN_ATTEMPTS'].text}. "
                f"Try again in {wait} s."
            )
        self.times.append(now)
