"""Issue 6 check: pretrain on digits 0-4, transfer to digits 5-9 with 10 labelled images per class.

Protocol (everything through ``biodl.train``): the pretraining run sees every 0-4 image of
scikit-learn's 8x8 digits; each of 3 seeds draws 10 images per class of 5-9 (50 images) for
training and evaluates on all the other 5-9 images. Fine-tuning (``freeze='none'``, with
``compare_scratch=True``, which also trains the same model from random weights on the same 50
images) and feature extraction (``freeze='body'``) use the same optimiser, learning rate,
epochs and batch size as the scratch model. The default image model (``cnn``) is used.

Measured through ``biodl.train`` (on the lead's modality seam merged with this branch in a
scratch copy): scratch 0.946, fine-tuned 0.944, feature extraction 0.785 mean test accuracy
over the 3 seeds; ``benchmarks/bench_transfer_digits.py`` gives the same picture in a plain
loop (0.947 / 0.944 / 0.768). A small CNN trained from scratch on 50 of these 8x8 digits is
already close to what 0-4 features offer, so the issue's claim (both transferred models beat
scratch) is recorded as an expected failure rather than forced by tuning the scratch arm down.

Why (``benchmarks/bench_transfer_digits_diagnosis.py``, table in docs/transfer.md): every arm
tops out at 0.94-0.96 (raw-pixel logistic regression 0.93), so transfer has ~0.01 to gain.
Longer pretraining makes the 0-4 features more specific; shift-augmented pretraining is the
only change that helps (fine-tuned 0.953-0.957 vs scratch 0.947-0.954, within the seed sd).
Feature extraction is limited by the top block's 128 pooled features (converged linear probe
0.86-0.92; 0.94 on the flattened block-1/2 maps), not by head training (0.81-0.86 trained
longer); keeping a 2x2 map lifts it to 0.93, still below scratch. A 0.1 body rate or gradual
unfreezing is worse (0.92-0.94), and early stopping on the 5 validation images ruins
fine-tuning (0.75 +- 0.12), which is why this test runs with patience 0.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

import biodl

SEEDS = (0, 1, 2)
RECIPE = {
    "model": "cnn",
    "lr": 0.01,
    "epochs": 30,
    "batch_size": 64,
    "patience": 0,
    "n_bootstrap": 100,
    "threads": 2,
}


def _npz(path, train_x, train_y, test_x=None, test_y=None):
    arrays = {"train_images": train_x, "train_labels": train_y[:, None]}
    if test_x is not None:
        arrays.update(test_images=test_x, test_labels=test_y[:, None])
    np.savez(path, **arrays)
    return path


@pytest.fixture(scope="module")
def digits_transfer(tmp_path_factory):
    """Test accuracy of scratch / fine-tuned / feature-extraction runs for each seed."""
    from sklearn.datasets import load_digits

    folder = tmp_path_factory.mktemp("digits")
    digits = load_digits()
    images = np.clip(digits.images * 16, 0, 255).astype(np.uint8)
    y = digits.target
    low = y < 5
    # Pretraining: every 0-4 image trains (a held-out fifth only reports pretraining accuracy).
    pre_data = _npz(folder / "pre.npz", images[low], y[low], images[low][:200], y[low][:200])
    pretraining = {**RECIPE, "lr": 0.001, "epochs": 10}
    start = time.perf_counter()
    pre = biodl.train(pre_data, out=folder / "pre", seed=0, **pretraining)
    print(f"pretraining: {time.perf_counter() - start:.1f} s")
    assert pre.metrics["model"]["test"]["accuracy"] > 0.9
    high = np.flatnonzero(~low)
    results: dict[str, list[float]] = {"scratch": [], "fine-tuned": [], "feature extraction": []}
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        train = np.concatenate(
            [rng.choice(high[y[high] == c], 10, replace=False) for c in range(5, 10)]
        )
        test = np.setdiff1d(high, train)
        data = _npz(folder / f"few{seed}.npz", images[train], y[train], images[test], y[test])
        common = {**RECIPE, "seed": seed, "init_from": str(folder / "pre")}
        start = time.perf_counter()
        tuned = biodl.train(data, freeze="none", compare_scratch=True, **common)
        frozen = biodl.train(data, freeze="body", **common)
        print(f"seed {seed}: 3 runs in {time.perf_counter() - start:.1f} s")
        assert tuned.model.info["transfer"]["head"] == "reinitialised"  # other classes
        results["fine-tuned"].append(tuned.metrics["model"]["test"]["accuracy"])
        results["scratch"].append(tuned.metrics["scratch"]["test"]["accuracy"])
        results["feature extraction"].append(frozen.metrics["model"]["test"]["accuracy"])
    means = {k: float(np.mean(v)) for k, v in results.items()}
    print("digits 0-4 -> 5-9, 10 per class, mean test accuracy over 3 seeds:", means)
    return means


@pytest.mark.slow
def test_every_arm_learns_and_fine_tuning_keeps_up_with_scratch(digits_transfer):
    assert min(digits_transfer.values()) > 0.6  # chance is 0.2
    assert digits_transfer["fine-tuned"] > digits_transfer["scratch"] - 0.03


@pytest.mark.slow
@pytest.mark.xfail(
    strict=False,
    reason="measured: a CNN from scratch on 50 digits (0.946) is not beaten by 0-4 features "
    "(fine-tuned 0.944, feature extraction 0.785); no documented setting applied to all arms "
    "changes that (best: shift-augmented pretraining, fine-tuned +0.003..0.007 within the "
    "seed sd, feature extraction at most 0.93 < scratch); table in docs/transfer.md",
)
def test_issue_check_both_transferred_models_beat_scratch(digits_transfer):
    assert digits_transfer["fine-tuned"] > digits_transfer["scratch"]
    assert digits_transfer["feature extraction"] > digits_transfer["scratch"]
