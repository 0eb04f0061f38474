"""Conditional GAN on scikit-learn's 8x8 digits: train-on-synthetic, test-on-real (issue 15).

scikit-learn's 1,797 digits are split 60 / 20 / 20 (stratified, seed 0): the GAN is fitted on
the training part (pixels 0..16 scaled to [-1, 1]); choices were made on the validation
part; the test part is read once, for the numbers below. For each generator pair,

- the image pair ``ImageGenerator`` / ``ImageDiscriminator`` on ``(1, 8, 8)`` and
- the MLP pair ``MLPGenerator`` / ``MLPDiscriminator`` on 64 features (output 'tanh'),

both conditional on the 10 classes with their default hyperparameters and trained by
``fit_gan`` with its default options for ``--epochs`` epochs, keeping the epoch of the best
quality: every 5 epochs, 1 - the validation accuracy of a logistic regression trained on
1,078 freshly generated digits (the held-out quality score of ``fit_gan``; the validation part
is used for this choice only). The script then draws as many synthetic digits as there are
training digits, with the training labels, from the kept generator and from the last epoch's,
rounds them to the data's grid (whole pixel values 0..16) and prints for each:

- TSTR / TRTR: a logistic regression (``max_iter=2000``) trained on the synthetic digits,
  then on the real training digits, each tested on real held-out digits (the ratio must be
  >= 0.8);
- detection AUROC: a ``HistGradientBoostingClassifier`` told to separate real training
  digits from synthetic ones, 5-fold cross-validated (0.5: indistinguishable), against the
  same for an independent-marginals sampler (each pixel drawn from its training column);
- copies: synthetic digits identical to a training digit;
- CPU seconds of ``fit_gan`` (``time.process_time``, quality evaluations included), with
  ``--threads`` torch threads.

Run from the repository root::

    python benchmarks/bench_generate_digits.py [--pairs image mlp] [--epochs 200] [--seed 0]
"""

from __future__ import annotations

import argparse
import copy
import os
import time
import warnings

import lightning as L
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score, train_test_split

from biodl.models.gan_image import ImageDiscriminator, ImageGenerator
from biodl.models.gan_mlp import MLPDiscriminator, MLPGenerator
from biodl.training.gan import GANFit, fit_gan

os.environ.setdefault("BIODL_QUIET", "1")
warnings.filterwarnings("ignore")


def split(seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Train / valid / test (60 / 20 / 20, stratified) of the digits, pixels 0..16."""
    X, y = load_digits(return_X_y=True)
    x_train, x_rest, y_train, y_rest = train_test_split(
        X, y, test_size=0.4, stratify=y, random_state=seed
    )
    x_valid, x_test, y_valid, y_test = train_test_split(
        x_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=seed
    )
    return {
        "train": (x_train, y_train),
        "valid": (x_valid, y_valid),
        "test": (x_test, y_test),
    }


def to_unit(pixels: np.ndarray) -> np.ndarray:
    """Pixels 0..16 -> [-1, 1] (the generators' 'tanh' range)."""
    return (pixels / 8.0 - 1.0).astype(np.float32)


def to_pixels(values: np.ndarray) -> np.ndarray:
    """[-1, 1] -> whole pixel values 0..16 (the data's own grid)."""
    return np.clip(np.rint((values.reshape(len(values), -1) + 1.0) * 8.0), 0, 16)


def accuracy(train: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray]) -> float:
    model = LogisticRegression(max_iter=2000).fit(train[0] / 16.0, train[1])
    return float(model.score(test[0] / 16.0, test[1]))


def detection_auroc(real: np.ndarray, synthetic: np.ndarray, seed: int = 0) -> float:
    X = np.vstack([real, synthetic])
    y = np.r_[np.ones(len(real)), np.zeros(len(synthetic))]
    model = HistGradientBoostingClassifier(random_state=seed)
    return float(cross_val_score(model, X, y, cv=5, scoring="roc_auc").mean())


def copies(synthetic: np.ndarray, real: np.ndarray) -> int:
    seen = {row.tobytes() for row in real.astype(np.int64)}
    return sum(row.tobytes() in seen for row in synthetic.astype(np.int64))


def marginals(real: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Each pixel drawn independently from its training column."""
    rng = np.random.default_rng(seed)
    return np.stack([rng.choice(real[:, j], size=n) for j in range(real.shape[1])], axis=1)


class LastWeights(L.Callback):
    """The generator's weights when training ends (before the kept epoch is loaded back)."""

    def __init__(self) -> None:
        self.state: dict[str, torch.Tensor] = {}

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        generator = pl_module.generator  # type: ignore[union-attr]
        self.state = {k: v.detach().clone() for k, v in generator.state_dict().items()}


def fit_pair(
    pair: str,
    train: tuple[np.ndarray, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray],
    epochs: int,
    seed: int,
    last: LastWeights,
) -> GANFit:
    x, y = train
    labels = np.random.default_rng(seed).permutation(y)

    def quality(samples: np.ndarray) -> float:
        return 1.0 - accuracy((to_pixels(samples), labels), valid)

    torch.manual_seed(seed)
    if pair == "image":
        generator, discriminator = ImageGenerator(1, 8, 8, 10), ImageDiscriminator(1, 8, 8, 10)
        X = to_unit(x).reshape(-1, 1, 8, 8)
    else:
        generator, discriminator = MLPGenerator(64, 10, output="tanh"), MLPDiscriminator(64, 10)
        X = to_unit(x)
    return fit_gan(
        generator,
        discriminator,
        X,
        y,
        epochs=epochs,
        seed=seed,
        quality=quality,
        quality_every=5,
        quality_samples=len(labels),
        quality_labels=labels,
        callbacks=[last],
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", nargs="+", default=["image", "mlp"])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--part", choices=["valid", "test"], default="test")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    parts = split()
    train, held_out = parts["train"], parts[args.part]
    trtr = accuracy(train, held_out)
    n = len(train[0])
    independent = marginals(train[0], n, seed=args.seed)
    print(f"digits: {n} train / {len(held_out[0])} {args.part}; {args.threads} torch thread(s)")
    print(f"TRTR (logistic regression, real train -> real {args.part}): {trtr:.3f}")
    auroc, copied = detection_auroc(train[0], independent), copies(independent, train[0])
    print(f"independent-marginals sampler: detection AUROC {auroc:.4f}, copies {copied}")
    print("| pair | generator | epoch | CPU s | TSTR | TSTR / TRTR | detection AUROC | copies |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for pair in args.pairs:
        last = LastWeights()
        start = time.process_time()
        fit = fit_pair(pair, train, parts["valid"], args.epochs, args.seed, last)
        cpu = time.process_time() - start
        final = copy.deepcopy(fit)
        final.generator.load_state_dict(last.state)
        for name, kept, epoch in (
            ("kept (best quality)", fit, fit.best_epoch),
            ("last epoch", final, len(fit.history)),
        ):
            labels = train[1]
            synthetic = to_pixels(kept.sample(n, labels, seed=args.seed + 1))
            tstr = accuracy((synthetic, labels), held_out)
            auroc = detection_auroc(train[0], synthetic)
            print(
                f"| {pair} | {name} | {epoch} | {cpu:.0f} | {tstr:.3f} | {tstr / trtr:.3f} | "
                f"{auroc:.4f} | {copies(synthetic, train[0])} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
