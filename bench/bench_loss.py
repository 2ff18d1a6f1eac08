"""Loss lab: fine-tuning 20 triplets x 3 epochs against the library's old_fit and the 1-minute budget;
our InfoNCE against sentence-transformers' MultipleNegativesRankingLoss on the same vectors."""

from __future__ import annotations

import copy
import os
import statistics

from bench.common import Row, median_time, print_rows


def run() -> None:
    import numpy as np
    import torch
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    from components.data.samples import load_triplet_preset
    from components.models.encoder import load_model
    from components.training.finetune import TrainConfig, fine_tune, make_loss, triplet_loader
    from components.vectors.losses import info_nce_loss

    model = load_model()
    table = load_triplet_preset("24 project triplets (some hard)").iloc[:20]
    anchors, positives, negatives = (table[c].tolist() for c in ("anchor", "positive", "negative"))
    config = TrainConfig(loss="triplet", epochs=3, batch_size=8)

    def ours() -> None:
        fine_tune(copy.deepcopy(model), anchors, positives, negatives, config)

    def library() -> None:
        trained = copy.deepcopy(model)
        loader = triplet_loader(anchors, positives, negatives, config.batch_size, config.seed)
        trained.old_fit(
            [(loader, make_loss(trained, "triplet", alpha=config.alpha))],
            epochs=config.epochs,
            scheduler="constantlr",
            optimizer_params={"lr": config.learning_rate},
            show_progress_bar=False,
        )

    # Alternate the two so that load from other processes hits both alike; on a shared machine a
    # step takes 0.3 s or 3 s depending on the neighbours, so the ratio compares the best runs
    # and the budget row takes the median run (the worst is in its name).
    ours()  # warm-up: first-call allocations
    ours_times, library_times = [], []
    for _ in range(5):
        ours_times.append(median_time(ours, repeat=1, warmup=0))
        library_times.append(median_time(library, repeat=1, warmup=0))

    rng = np.random.default_rng(0)
    a, p, n = (rng.normal(size=(512, 384)).astype(np.float32) for _ in range(3))
    reference = MultipleNegativesRankingLoss(model, scale=20.0)
    tensors = [torch.from_numpy(x) for x in (a, p, n)]
    nce_ours = median_time(lambda: info_nce_loss(a, p, n, tau=0.05), repeat=20)
    nce_library = median_time(
        lambda: reference.compute_loss_from_embeddings(tensors, torch.zeros(512)), repeat=20
    )

    load = os.getloadavg()[0]
    print(f"\n(load average while measuring: {load:.1f} on {os.cpu_count()} cores)")
    print_rows(
        "Loss lab",
        [
            Row(
                f"fine_tune 20 x 3 epochs, median of 5 (worst {max(ours_times):.1f} s)",
                statistics.median(ours_times),
                60.0,
                "the issue's budget: one minute",
                goal=0.5,
            ),
            Row(
                "fine_tune 20 x 3 epochs, best of 5",
                min(ours_times),
                min(library_times),
                "SentenceTransformer.old_fit, best of 5",
                goal=1.2,
            ),
            Row(
                "info_nce_loss, 512 triplets x 384-d (numpy in)",
                nce_ours,
                nce_library,
                "MNRL.compute_loss_from_embeddings",
                goal=3.0,
            ),
        ],
    )
