"""Why transfer from digits 0-4 does not beat scratch on 5-9 with 10 images per class.

The issue-6 protocol of ``bench_transfer_digits.py`` (pretrain the image CNN on every 0-4 image
of scikit-learn's 8x8 digits; for 3 seeds train on 10 images per class of 5-9 and test on all
the other 5-9 images) with one change at a time, each applied equally to the three arms:

* (a) pretraining: more epochs, a higher rate, ``shift`` augmentation (pretraining and/or the
  50-image runs, with more epochs since augmented data needs more steps);
* (b) the representation: ``global_pooling='maxavg'``, no dropout, 2 blocks (a 2x2 map), and
  a diagnostic variant that keeps that 2x2 map (adaptive average pooling to 2x2, flattened,
  before the head; not a biodl option);
* (c) the feature-extraction head trained to convergence (200-500 full-batch epochs), and a
  converged logistic regression on the frozen features ("probe": the best any linear head can
  do), also on the flattened maps of the first and second block;
* (d) fine-tuning with ``body_lr_factor=0.1`` and/or ``unfreeze_after=10``;
* (e) 5 of the 50 images held out for validation (biodl's default ``valid_size=0.1``), with and
  without early stopping (patience 5, best epoch kept).

Printed: mean ± sd (ddof 0) test accuracy over the 3 seeds per arm, plus raw-pixel logistic
regression on the same 50 images. Run: ``python benchmarks/bench_transfer_digits_diagnosis.py``
(about 10 minutes on one core).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from torch import Tensor, nn

from biodl.data.augment import augment_batch
from biodl.models.cnn2d import CNN2d
from biodl.training.optim import parameter_groups
from biodl.training.pretrained import SourceWeights, load_initial_weights

DIGITS = load_digits()
X = (DIGITS.images.astype(np.float32) / 16.0)[:, None]
Y = DIGITS.target
LOW = Y < 5
HIGH = np.flatnonzero(~LOW)
SHIFT = ("shift",)
BASE = {"lr": 1e-2, "epochs": 30, "batch": 64}


class Spatial2x2(CNN2d):
    """CNN2d whose features keep a 2x2 map (adaptive average pooling, flattened)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.n_features *= 4
        self.head = nn.Linear(self.n_features, self.head.out_features)

    def features(self, x: Tensor) -> Tensor:
        return nn.functional.adaptive_avg_pool2d(self.blocks(x), 2).flatten(1)


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
    frozen_epochs: int | None = 0,
    body_lr_factor: float = 1.0,
    augment: tuple[str, ...] = (),
    seed: int = 0,
    valid: tuple[Tensor, Tensor] | None = None,
    patience: int = 0,
) -> None:
    """Adam; ``frozen_epochs=None`` keeps the body frozen throughout (feature extraction)."""
    g = torch.Generator().manual_seed(seed)
    always = frozen_epochs is None
    groups = parameter_groups(model, lr=lr, body_lr_factor=body_lr_factor, train_body=not always)
    opt = torch.optim.Adam(groups)
    xt, yt = torch.tensor(x), torch.tensor(y)
    best, best_state, bad = np.inf, None, 0
    for epoch in range(epochs):
        frozen = always or epoch < (frozen_epochs or 0)
        for name, p in model.named_parameters():
            p.requires_grad_(not frozen or name.startswith("head."))
        model.train()
        if frozen:  # as biodl's BodyFreezer: body BatchNorm keeps its pretrained statistics
            for m in model.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.eval()
        order = torch.randperm(len(xt), generator=g)
        for i in range(0, len(xt), batch):
            idx = order[i : i + batch]
            xb = augment_batch(xt[idx], augment, g) if augment else xt[idx]
            loss = nn.functional.cross_entropy(model(xb), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if valid is not None and patience:
            model.eval()
            with torch.no_grad():
                valid_loss = float(nn.functional.cross_entropy(model(valid[0]), valid[1]))
            if valid_loss < best:
                best, bad = valid_loss, 0
                best_state = {k: v.clone() for k, v in model.state_dict().items()}
            else:
                bad += 1
                if bad >= patience:
                    break
    for p in model.parameters():
        p.requires_grad_(True)
    if best_state is not None:
        model.load_state_dict(best_state)


_PRETRAINED: dict[str, SourceWeights] = {}


def pretrained(model: type[CNN2d], params: dict, pre: dict) -> SourceWeights:
    key = repr((model.__name__, sorted(params.items()), sorted(pre.items())))
    if key not in _PRETRAINED:
        torch.manual_seed(0)
        net = model(in_channels=1, n_outputs=5, **params)
        recipe = {"lr": 1e-3, "epochs": 10, "batch": 64, **pre}
        fit(net, standardise(X[LOW], X[LOW]), Y[LOW], **recipe)
        body = {k: v for k, v in net.state_dict().items() if not k.startswith("head.")}
        _PRETRAINED[key] = SourceWeights("pretrained", "safetensors", body)
    return _PRETRAINED[key]


def split(seed: int, n_valid: int = 0) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """10 images per class of 5-9 (one per class to validation when n_valid=5); the rest test."""
    rng = np.random.default_rng(seed)
    train = np.concatenate(
        [rng.choice(HIGH[Y[HIGH] == c], 10, replace=False) for c in range(5, 10)]
    )
    test = np.setdiff1d(HIGH, train)
    if not n_valid:
        return train, None, test
    r = np.random.default_rng(seed + 100)
    valid = np.array([r.choice(train[Y[train] == c]) for c in range(5, 10)])
    return np.setdiff1d(train, valid), valid, test


def probe(features: np.ndarray, y: np.ndarray, test: np.ndarray, y_test: np.ndarray) -> float:
    """Converged logistic regression on standardised frozen features."""
    mu, sd = features.mean(0), features.std(0) + 1e-6
    clf = LogisticRegression(max_iter=5000).fit((features - mu) / sd, y)
    return float((clf.predict((test - mu) / sd) == y_test).mean())


def run(
    *,
    model: type[CNN2d] = CNN2d,
    params: dict | None = None,
    pre: dict | None = None,
    arms: tuple[str, ...] = ("scratch", "fine-tuned", "feature", "probe"),
    n_valid: int = 0,
    patience: int = 0,
    fine_tune: dict | None = None,
    head: dict | None = None,
    **recipe: Any,
) -> dict[str, list[float]]:
    params = params or {}
    source = pretrained(model, params, pre or {})
    out: dict[str, list[float]] = {arm: [] for arm in arms}
    for seed in range(3):
        train, valid, test = split(seed, n_valid)
        xtr, xte = standardise(X[train], X[train]), standardise(X[test], X[train])
        ytr, yte = Y[train] - 5, Y[test] - 5
        held = None
        if valid is not None:
            held = (torch.tensor(standardise(X[valid], X[train])), torch.tensor(Y[valid] - 5))
        for arm in arms:
            torch.manual_seed(seed)
            net = model(in_channels=1, n_outputs=5, **params)
            if arm != "scratch":
                load_initial_weights(net, source)
            if arm.startswith("probe"):
                net.eval()
                blocks = int(arm[-1]) if arm[-1].isdigit() else None
                with torch.no_grad():
                    feats = [
                        (
                            net.blocks[:blocks](torch.tensor(z)).flatten(1)
                            if blocks
                            else net.features(torch.tensor(z))
                        ).numpy()
                        for z in (xtr, xte)
                    ]
                out[arm].append(probe(feats[0], ytr, feats[1], yte))
                continue
            kw: dict[str, Any] = {**BASE, **recipe, "seed": seed, "valid": held}
            kw["patience"] = patience
            if arm == "feature":
                kw.update(head or {}, frozen_epochs=None)
            elif arm == "fine-tuned":
                kw.update(fine_tune or {})
            fit(net, xtr, ytr, **kw)
            net.eval()
            with torch.no_grad():
                pred = net(torch.tensor(xte)).argmax(1).numpy()
            out[arm].append(float((pred == yte).mean()))
    return out


ROWS: list[tuple[str, dict[str, Any]]] = [
    ("reference: pretrain 10 ep; lr 0.01, 30 ep, batch 64", {}),
    ("(a) pretrain 30 epochs", {"pre": {"epochs": 30}}),
    ("(a) pretrain 50 epochs", {"pre": {"epochs": 50}}),
    ("(a) pretrain 30 epochs at lr 0.01", {"pre": {"epochs": 30, "lr": 1e-2}}),
    ("(a) pretrain 10 epochs with shift", {"pre": {"augment": SHIFT}}),
    ("(a) pretrain 30 epochs with shift", {"pre": {"epochs": 30, "augment": SHIFT}}),
    ("(a) shift everywhere, 30 ep", {"pre": {"augment": SHIFT}, "augment": SHIFT}),
    ("(a) shift everywhere, 60 ep", {"pre": {"augment": SHIFT}, "augment": SHIFT, "epochs": 60}),
    (
        "(a) shift everywhere, pretrain 30 ep, 60 ep",
        {"pre": {"epochs": 30, "augment": SHIFT}, "augment": SHIFT, "epochs": 60},
    ),
    (
        "(a) shift everywhere, 60 ep at lr 0.001",
        {"pre": {"augment": SHIFT}, "augment": SHIFT, "epochs": 60, "lr": 1e-3},
    ),
    (
        "(a) shift everywhere, 60 ep, batch 10",
        {"pre": {"augment": SHIFT}, "augment": SHIFT, "epochs": 60, "batch": 10},
    ),
    ("(b) 2 blocks (2x2 map, avg)", {"params": {"n_layers": 2, "channels": (32, 64)}}),
    (
        "(b) 2 blocks, maxavg",
        {"params": {"n_layers": 2, "channels": (32, 64), "global_pooling": "maxavg"}},
    ),
    ("(b) dropout 0", {"params": {"dropout": 0.0}}),
    (
        "(b) 2 blocks, 2x2 map flattened (diagnostic)",
        {"model": Spatial2x2, "params": {"n_layers": 2, "channels": (32, 64)}},
    ),
    (
        "(b)+(c) 2x2 map, head 200 full-batch epochs",
        {
            "model": Spatial2x2,
            "params": {"n_layers": 2, "channels": (32, 64)},
            "arms": ("feature",),
            "head": {"epochs": 200, "batch": 50},
        },
    ),
    (
        "(b)+(a) 2x2 map, shift everywhere, pretrain 30 ep, 60 ep",
        {
            "model": Spatial2x2,
            "params": {"n_layers": 2, "channels": (32, 64)},
            "pre": {"epochs": 30, "augment": SHIFT},
            "augment": SHIFT,
            "epochs": 60,
        },
    ),
    ("(c) probes on block 1 / block 2 maps", {"arms": ("probe", "probe1", "probe2")}),
    (
        "(c) head: lr 0.01, 200 full-batch epochs",
        {"arms": ("feature",), "head": {"epochs": 200, "batch": 50}},
    ),
    (
        "(c) head: lr 0.1, 200 full-batch epochs",
        {"arms": ("feature",), "head": {"lr": 0.1, "epochs": 200, "batch": 50}},
    ),
    (
        "(c) head: lr 0.001, 500 full-batch epochs",
        {"arms": ("feature",), "head": {"lr": 1e-3, "epochs": 500, "batch": 50}},
    ),
    ("(d) body_lr_factor 0.1", {"arms": ("fine-tuned",), "fine_tune": {"body_lr_factor": 0.1}}),
    ("(d) unfreeze_after 10", {"arms": ("fine-tuned",), "fine_tune": {"frozen_epochs": 10}}),
    (
        "(d) unfreeze_after 10, body_lr_factor 0.1",
        {"arms": ("fine-tuned",), "fine_tune": {"frozen_epochs": 10, "body_lr_factor": 0.1}},
    ),
    ("(e) 45 train + 5 valid, no early stopping", {"n_valid": 5}),
    ("(e) 45 train + 5 valid, patience 5", {"n_valid": 5, "patience": 5}),
]


def main() -> None:
    torch.set_num_threads(1)
    start = time.perf_counter()
    pixels = []
    for seed in range(3):
        train, _, test = split(seed)
        clf = LogisticRegression(max_iter=5000).fit(X[train].reshape(len(train), -1), Y[train])
        pixels.append(float((clf.predict(X[test].reshape(len(test), -1)) == Y[test]).mean()))
    print(f"raw-pixel logistic regression: {np.mean(pixels):.3f} ± {np.std(pixels):.3f}")
    print("| setting | scratch | fine-tuned | feature extraction | linear probe |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, kw in ROWS:
        res = run(**kw)
        cells = []
        for arm in ("scratch", "fine-tuned", "feature", "probe"):
            found = [k for k in res if k == arm or (arm == "probe" and k.startswith("probe"))]
            text = " / ".join(f"{np.mean(res[k]):.3f} ± {np.std(res[k]):.3f}" for k in found)
            cells.append(text or "")
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
