"""The session's background preparation, called outside a Streamlit run (bare mode)."""

from __future__ import annotations

import numpy as np

from components.data.large_corpus import generate_corpus
from components.models.encoder import DEFAULT_MODEL, embed, model_info
from components.services import backend


def test_a_cancelled_preparation_resumes_from_the_slices_already_encoded(model, monkeypatch):
    active = backend.ActiveModel(
        model, DEFAULT_MODEL + "#resume-test", model_info(model, DEFAULT_MODEL)
    )
    texts = generate_corpus(1_500, seed=11).texts
    encoded: list[int] = []

    def counting_embed(model, texts, **options):
        encoded.append(len(texts))
        return embed(model, texts, **options)

    monkeypatch.setattr(backend, "embed", counting_embed)
    monkeypatch.setattr(backend.st, "session_state", {})  # bare mode: a plain dict per "session"
    job = backend.preparation(active, texts)
    while sum(encoded) < 3 * backend.EMBED_CHUNK:
        job.wait(0.05)
    job.cancel()
    assert job.wait(120) and job.state == "cancelled"
    first_run = sum(encoded)
    assert 0 < first_run < len(texts)
    assert backend.preparation(active, texts) is job  # stays cancelled until a restart is asked
    resumed = backend.preparation(active, texts, restart=True)
    assert resumed.wait(600) and resumed.state == "done"
    assert sum(encoded) == len(texts)  # every sentence encoded exactly once over both runs
    np.testing.assert_allclose(resumed.result.vectors, embed(model, texts), atol=1e-5)


def test_a_large_map_has_a_time_cap_in_proportion_to_its_points():
    from components.core import limits

    assert backend.map_seconds(1_000) == limits.JOB_SECONDS  # never under other jobs' cap
    assert backend.map_seconds(limits.SENTENCES) == limits.MAP_SECONDS
    assert backend.map_seconds(limits.SENTENCES // 2) == limits.MAP_SECONDS / 2
