"""The session's background preparation, called outside a Streamlit run (bare mode)."""

from __future__ import annotations

import numpy as np

from components.data.large_corpus import generate_corpus
from components.models.encoder import DEFAULT_MODEL, embed, model_info
from components.services import maps, queue
from components.services.encoding import TEXTS_PER_ENTRY
from components.services.maps import map_seconds
from components.services.models import ActiveModel


def test_a_cancelled_preparation_resumes_from_the_slices_already_encoded(model, monkeypatch):
    active = ActiveModel(model, DEFAULT_MODEL + "#resume-test", model_info(model, DEFAULT_MODEL))
    texts = generate_corpus(1_500, seed=11).texts
    encoded: list[int] = []

    def counting_embed(model, texts, **options):
        encoded.append(len(texts))
        return embed(model, texts, **options)

    monkeypatch.setattr(maps, "embed", counting_embed)
    monkeypatch.setattr(queue.st, "session_state", {})  # bare mode: a plain dict per "session"
    job = maps.preparation(active, texts)
    while sum(encoded) < 3 * TEXTS_PER_ENTRY:
        job.wait(0.05)
    job.cancel()
    assert job.wait(120) and job.state == "cancelled"
    first_run = sum(encoded)
    assert 0 < first_run < len(texts)
    assert maps.preparation(active, texts) is job  # stays cancelled until a restart is asked
    resumed = maps.preparation(active, texts, restart=True)
    assert resumed.wait(600) and resumed.state == "done"
    assert sum(encoded) == len(texts)  # every sentence encoded exactly once over both runs
    np.testing.assert_allclose(resumed.result.vectors, embed(model, texts), atol=1e-5)


def test_a_large_map_has_a_time_cap_in_proportion_to_its_points():
    from components.core import limits

    assert map_seconds(1_000) == limits.JOB_SECONDS  # never under other jobs' cap
    assert map_seconds(limits.SENTENCES) == limits.MAP_SECONDS
    assert map_seconds(limits.SENTENCES // 2) == limits.MAP_SECONDS / 2
