"""Digits 0-4 -> 5-9 with 10 labelled images per class: scratch vs fine-tuned vs feature extraction.

The issue-6 transfer check measured in a plain PyTorch loop (the same recipe the test runs
through ``biodl.train``): the default image CNN (``biodl.models.cnn2d.CNN2d``) is pretrained on
every 0-4 image of scikit-learn's 8x8 digits (10 epochs, Adam 1e-3, batch 64); then for 3 seeds
10 images per class of 5-9 train and the other 5-9 images test. The three arms share optimiser,
learning rate, epochs and batch size; only the starting weights and the frozen body differ
(feature extraction keeps the body's BatchNorm layers in eval mode, as biodl does). Weights are
moved with biodl's own ``load_initial_weights`` and ``parameter_groups``.

Run: ``python benchmarks/bench_transfer_digits.py`` (a few minutes on 2 idle cores).
``bench_transfer_digits_diagnosis.py`` varies one setting at a time to find out why transfer
does not beat scratch here.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

from biodl.models.cnn2d import CNN2d
from biodl.training.optim import parameter_groups
from biodl.training.pretrained import SourceWeights, load_initial_weights

RECIPES = [(1e-3, 30, 64), (1e-2, 30, 64), (1e-2, 10, 10), (1e-2, 50, 10)]  # lr, epochs, batch


def standardise(x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    return (x - ref.mean()) / ref.std()


def fit(
    model: nn.Module,
    x: np.ndarray,
    y: np.ndarray,
    *,
    lr: float,
    epochs: int,
    batch: int,
    frozen: bool = False,
    seed: int = 0,
) -> None:
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(parameter_groups(model, lr=lr, train_body=not frozen))
    for name, p in model.named_parameters():
        p.requires_grad_(not frozen or name.startswith("head."))
    xt, yt = torch.tensor(x), torch.tensor(y)
    for _ in range(epochs):
        model.train()
        if frozen:
            for m in model.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.eval()
        order = torch.randperm(len(xt), generator=g)
        for i in range(0, len(xt), batch):
            idx = order[i : i + batch]
            loss = nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    model.eval()
    with torch.no_grad():
        return float((model(torch.tensor(x)).argmax(1).numpy() == y).mean())


def main() -> None:
    torch.set_num_threads(2)
    digits = load_digits()
    x, y = digits.images.astype(np.float32)[:, None], digits.target
    low = y < 5
    start = time.perf_counter()
    torch.manual_seed(0)
    pretrained = CNN2d(in_channels=1, n_outputs=5)
    fit(pretrained, standardise(x[low], x[low]), y[low], lr=1e-3, epochs=10, batch=64)
    # The new task has other classes: its head starts fresh (as biodl does for a source run
    # trained on other classes), so only the body is carried over.
    body = {k: v for k, v in pretrained.state_dict().items() if not k.startswith("head.")}
    state = SourceWeights("pretrained", "safetensors", body)
    print(f"pretraining on {low.sum()} images of 0-4: {time.perf_counter() - start:.1f} s")
    high = np.flatnonzero(~low)
    print("| lr | epochs | batch | scratch | fine-tuned | feature extraction |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for lr, epochs, batch in RECIPES:
        arms: dict[str, list[float]] = {"scratch": [], "fine-tuned": [], "feature": []}
        for seed in range(3):
            rng = np.random.default_rng(seed)
            train = np.concatenate(
                [rng.choice(high[y[high] == c], 10, replace=False) for c in range(5, 10)]
            )
            test = np.setdiff1d(high, train)
            xtr, xte = standardise(x[train], x[train]), standardise(x[test], x[train])
            for arm in arms:
                torch.manual_seed(seed)
                model = CNN2d(in_channels=1, n_outputs=5)
                if arm != "scratch":
                    load_initial_weights(model, state)
                fit(
                    model,
                    xtr,
                    y[train] - 5,
                    lr=lr,
                    epochs=epochs,
                    batch=batch,
                    frozen=arm == "feature",
                    seed=seed,
                )
                arms[arm].append(accuracy(model, xte, y[test] - 5))
        means = " | ".join(f"{np.mean(v):.3f}" for v in arms.values())
        print(f"| {lr:g} | {epochs} | {batch} | {means} |", flush=True)
    print(f"total {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
