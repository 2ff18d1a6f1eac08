"""One shared model used from many threads gives the serial results (issue 9).

Before the tokenizer locks, this test failed on the unchanged code: of 12 threads x 2 rounds,
`embed` and `token_embeddings` raised "The size of tensor a (818) must match the size of tensor b
(512)" / "Unable to create tensor ... activate truncation", and untruncated token counts, chunks,
`tokenize` and `token_view` silently came back truncated (wrong, and cached for everyone).
"""

from __future__ import annotations

import random
import threading

import numpy as np
import torch

from components.data.chunking import chunk_text, count_content_tokens, default_max_tokens
from components.models.encoder import (
    count_tokens,
    embed,
    get_tokenizer,
    token_batch,
    token_embeddings,
    tokenize,
)
from components.pooling.tokens import find_word_vectors, token_view
from components.retrieval.rerank import content_vectors
from components.runtime.thread_safety import (
    GuardedTokenizer,
    guarded,
    model_lock,
    seeded,
    tokenizer_lock,
    torch_threads,
)

THREADS = 12
ROUNDS = 2
WORDS = (
    "the river bank flooded after heavy rain while the bank raised its interest rates again; "
    "quantumness and superconductivity puzzle students, 🚀 and 東京 too"
).split()


def _long_text(seed: int, words: int) -> str:
    pick = random.Random(seed)
    return " ".join(pick.choice(WORDS) for _ in range(words))


# Six texts of 300-650 words: every one is longer than the 256-token window.
LONG = [_long_text(seed, 300 + 70 * seed) for seed in range(6)]
SHORT = ["The river bank flooded.", "The bank raised its rates.", "Tacos on Tuesday."]


def _jobs(model) -> dict:
    """Every function that calls the shared tokenizer or model, each returning a comparable value.

    They get `model.tokenizer` itself (not a guarded view), as a page would pass it.
    """
    tokenizer = model.tokenizer
    window = model.max_seq_length

    def words_in_context():
        vectors, _ = token_embeddings(model, SHORT)
        found = find_word_vectors(tokenizer, window, SHORT, ["bank"], vectors.numpy())
        return np.stack([item.vector for item in found])

    return {
        "count_tokens untruncated": lambda: count_tokens(model, LONG),
        "count_content_tokens": lambda: count_content_tokens(tokenizer, LONG),
        "chunk_text": lambda: [
            (chunk.start, chunk.end, chunk.n_tokens)
            for chunk in chunk_text(LONG[5], tokenizer, 60, 10)
        ],
        "default_max_tokens": lambda: default_max_tokens(window, tokenizer),
        "embed": lambda: embed(model, LONG + SHORT),
        "tokenize": lambda: (tokenize(model, LONG[3]).ids, tokenize(model, SHORT[0]).ids),
        "token_embeddings": lambda: token_embeddings(model, LONG[:3])[0].numpy(),
        "token_batch": lambda: token_batch(model, LONG[:2]).embeddings,
        "token_view": lambda: [piece.id for piece in token_view(tokenizer, LONG[2], window).pieces],
        "late interaction vectors": lambda: np.concatenate(
            content_vectors(token_batch(model, LONG[:3]))
        ),
        "find_word_vectors": words_in_context,
    }


def _same(result, expected) -> bool:
    if isinstance(expected, np.ndarray):
        return result.shape == expected.shape and np.allclose(result, expected, atol=1e-5)
    return result == expected


def test_twelve_threads_get_the_serial_results(model):
    jobs = _jobs(model)
    serial = {name: job() for name, job in jobs.items()}
    assert min(serial["count_tokens untruncated"]) > model.max_seq_length  # all past the window
    assert len(serial["chunk_text"]) > 5  # the chunked text needs many windows

    errors: list[str] = []
    wrong: list[str] = []
    calls = [0]
    start = threading.Barrier(THREADS)

    def worker(number: int) -> None:
        names = list(jobs)
        random.Random(number).shuffle(names)  # each thread runs the jobs in its own order
        start.wait()
        for _ in range(ROUNDS):
            for name in names:
                try:
                    result = jobs[name]()
                except Exception as error:  # noqa: BLE001 - every failure is reported
                    errors.append(f"{name}: {type(error).__name__}: {error}"[:200])
                    continue
                calls[0] += 1
                if not _same(result, serial[name]):
                    wrong.append(name)

    threads = [threading.Thread(target=worker, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:5]
    assert not wrong, sorted(set(wrong))
    assert calls[0] == THREADS * ROUNDS * len(jobs)


def test_one_lock_per_tokenizer_object(model):
    tokenizer = model.tokenizer
    assert tokenizer_lock(tokenizer) is tokenizer_lock(tokenizer)
    assert tokenizer_lock(guarded(tokenizer)) is tokenizer_lock(tokenizer)
    assert model_lock(model) is tokenizer_lock(tokenizer)
    assert guarded(guarded(tokenizer))._target is tokenizer
    assert isinstance(get_tokenizer(model), GuardedTokenizer)
    other = object()
    assert tokenizer_lock(other) is not tokenizer_lock(tokenizer)


def test_guarded_tokenizer_behaves_like_the_tokenizer(model):
    tokenizer, view = model.tokenizer, get_tokenizer(model)
    text = "Quantumness and 🚀."
    assert view(text)["input_ids"] == tokenizer(text)["input_ids"]
    assert view.convert_ids_to_tokens([101, 102]) == ["[CLS]", "[SEP]"]
    assert view.all_special_ids == tokenizer.all_special_ids
    assert view.is_fast and len(view) == len(tokenizer)
    assert view(text, return_offsets_mapping=True).word_ids() == tokenizer(text).word_ids()


def test_the_lock_is_held_during_a_call(model):
    """A second thread cannot call the tokenizer while the first holds its lock."""
    view = get_tokenizer(model)
    entered = threading.Event()
    with model_lock(model):
        thread = threading.Thread(target=lambda: (view("text"), entered.set()))
        thread.start()
        assert not entered.wait(0.3)  # blocked on the lock
    thread.join(10)
    assert entered.is_set()


def test_torch_threads_interleaved_blocks_restore_the_setting():
    before = torch.get_num_threads()
    seen: list[int] = []
    start = threading.Barrier(8)

    def worker(threads: int) -> None:
        start.wait()
        for _ in range(20):
            with torch_threads(threads):
                seen.append(torch.get_num_threads() == threads)

    workers = [threading.Thread(target=worker, args=(1 + n % 2,)) for n in range(8)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert all(seen) and len(seen) == 160
    assert torch.get_num_threads() == before


def test_seeded_blocks_in_threads_draw_their_serial_numbers():
    threads = 4

    def draw(seed: int) -> np.ndarray:
        with seeded(seed):
            return torch.rand(1000).numpy()

    serial = {seed: draw(seed) for seed in range(threads)}
    state = torch.random.get_rng_state()
    results: dict[int, list[np.ndarray]] = {seed: [] for seed in range(threads)}
    start = threading.Barrier(threads)

    def worker(seed: int) -> None:
        start.wait()
        for _ in range(25):
            results[seed].append(draw(seed))

    workers = [threading.Thread(target=worker, args=(seed,)) for seed in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    for seed, draws in results.items():
        assert all(np.array_equal(numbers, serial[seed]) for numbers in draws)
    assert torch.equal(torch.random.get_rng_state(), state)  # the global state is put back


def test_a_leaked_progress_lock_delays_but_never_stops_an_encode(model):
    """A thread that leaves tqdm's lock held (as a raising progress sink did) no longer makes
    every later encode wait forever."""
    import time

    from tqdm import tqdm

    from components.models.encoder import embed
    from components.runtime.thread_safety import ForgivingLock

    lock = tqdm.get_lock()
    assert isinstance(lock, ForgivingLock)
    leaker = threading.Thread(target=lock.acquire)  # takes the lock and ends holding it
    leaker.start()
    leaker.join()
    started = time.monotonic()
    try:
        ours = embed(model, ["a sentence"])
    finally:
        tqdm.set_lock(ForgivingLock())  # a fresh lock for the tests after this one
    assert time.monotonic() - started < 60
    np.testing.assert_allclose(
        ours, model.encode(["a sentence"], normalize_embeddings=True), atol=1e-5
    )
