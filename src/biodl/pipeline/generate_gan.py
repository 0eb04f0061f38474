"""``biodl generate --model gan``: the GAN pair of each kind of rows, fitted by :func:`fit_gan`.

Tables: :class:`~biodl.models.gan_mlp.MLPGenerator` / ``MLPDiscriminator`` on z-scored values;
counts: :class:`~biodl.models.gan_counts.CountGenerator` (negative-binomial draws around
generated means, read by the discriminator as z-scored log1p counts; ``--gan-counts log1p``:
the MLP generator on z-scored log1p counts); images:
:class:`~biodl.models.gan_image.ImageGenerator` / ``ImageDiscriminator`` on pixels scaled to
[-1, 1] (tanh output); sequences:
:class:`~biodl.models.gan_sequence.SequenceGenerator` / ``SequenceDiscriminator`` on letter
indices. Conditional on the ``--condition`` classes when given. Images train with the
Wasserstein loss and 5 critic updates per round unless ``--gan-loss`` says otherwise. The
kept epoch is the one with the lowest ``quality``
(:class:`biodl.evaluation.synthetic.SelectionScore` in :mod:`biodl.pipeline.generate`),
unless ``--stop-when-fooled`` is given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from biodl.models.gan import GANDiscriminator, GANGenerator
from biodl.pipeline.generate_data import RealData, Scaling

__all__ = [
    "GAN_CLASSES",
    "IMAGE_D_STEPS",
    "IMAGE_LOSS",
    "GanOutcome",
    "build_generator",
    "fit_gan_generator",
]

#: The loss and critic updates per round of an image GAN unless ``--gan-loss`` is given:
#: on the 8x8 digits' validation part the Wasserstein critic's samples were the only ones
#: a detector told from real digits no better than independent pixels (benchmarks/RESULTS.md).
IMAGE_LOSS = "wasserstein-gp"
IMAGE_D_STEPS = 5

#: How a GAN makes count tables unless ``--gan-counts`` says otherwise (see
#: :data:`biodl.config.generate.GAN_COUNTS_HELP`).
COUNTS_MODE = "draw"

#: Generator class names as written in ``model.json``.
GAN_CLASSES = ("MLPGenerator", "CountGenerator", "ImageGenerator", "SequenceGenerator")


@dataclass
class GanOutcome:
    """A fitted GAN generator (CPU, eval mode), its history and training facts."""

    generator: nn.Module
    history: pd.DataFrame
    training: dict[str, Any]


def build_generator(name: str, params: dict[str, Any]) -> GANGenerator:
    """The generator ``name`` of :data:`GAN_CLASSES` built from its saved parameters."""
    from biodl.models.gan_counts import CountGenerator
    from biodl.models.gan_image import ImageGenerator
    from biodl.models.gan_mlp import MLPGenerator
    from biodl.models.gan_sequence import SequenceGenerator

    classes: dict[str, Any] = {
        "CountGenerator": CountGenerator,
        "MLPGenerator": MLPGenerator,
        "ImageGenerator": ImageGenerator,
        "SequenceGenerator": SequenceGenerator,
    }
    args = params.pop("args")
    if "hidden" in params:
        params["hidden"] = tuple(params["hidden"])
    generator: GANGenerator = classes[name](*args, **params)
    return generator


def _pair(
    real: RealData, n_classes: int, counts: str = "log1p"
) -> tuple[str, list[int], dict[str, Any], Callable[[], GANDiscriminator]]:
    """The generator's class name, arguments and parameters, and how to build the
    discriminator (called after the generator, so both draw from the seeded generator)."""
    from biodl.models.gan_counts import mean_shares, neighbour_dispersion
    from biodl.models.gan_image import ImageDiscriminator
    from biodl.models.gan_mlp import MLPDiscriminator
    from biodl.models.gan_sequence import SequenceDiscriminator

    if real.kind == "image":
        c, h, w = real.X.shape[1:]
        args = [int(c), int(h), int(w), n_classes]
        return "ImageGenerator", args, {"output": "tanh"}, lambda: ImageDiscriminator(*args)
    if real.kind == "sequence":
        args = [int(real.X.shape[1]), len(real.letters), n_classes]
        return "SequenceGenerator", args, {}, lambda: SequenceDiscriminator(*args)
    args = [int(real.X.shape[1]), n_classes]
    libraries = real.X.sum(axis=1) if real.counts else np.zeros(0)
    codes = real.codes()
    if counts == "draw" and (libraries > 0).any():
        scaling = Scaling.fit(real.X, log=True)
        params = {
            "libraries": libraries[libraries > 0].tolist(),
            # each class draws its own rows' total counts
            **(
                {"library_classes": codes[libraries > 0].tolist()}
                if n_classes and codes is not None
                else {}
            ),
            "center": scaling.mean,
            "scale": scaling.std,
            "dispersion": neighbour_dispersion(real.X).tolist(),
            "shares": mean_shares(real.X).tolist(),
        }
        return "CountGenerator", args, params, lambda: MLPDiscriminator(*args)
    return "MLPGenerator", args, {"output": "linear"}, lambda: MLPDiscriminator(*args)


def fit_gan_generator(
    train: RealData,
    spec: dict[str, Any],
    options: dict[str, Any],
    *,
    quality: Callable[[np.ndarray], float] | None,
    to_data: Callable[[np.ndarray], np.ndarray],
    seed: int,
    progress: bool | None,
) -> GanOutcome:
    """Fit the kind's GAN pair on ``train``; ``spec`` gains the class, arguments and scaling.

    ``quality`` scores rows in the data's units (``to_data`` converts the generator's output).
    """
    from biodl.training.gan import fit_gan
    from biodl.training.trainer import TrainerOptions

    codes = train.codes()
    mode = options.get("gan_counts") or COUNTS_MODE
    name, args, params, make_discriminator = _pair(train, len(train.classes), mode)
    if train.kind == "image":
        X = train.X * 2.0 - 1.0
    elif train.kind == "sequence":
        X = train.X
    else:
        scaling = Scaling.fit(train.X, log=train.counts)
        X = scaling.forward(train.X)
        spec["scaling"] = scaling.__dict__
    spec.update({"class": name, "params": {"args": args, **params}})
    torch.manual_seed(seed)
    generator = build_generator(name, {"args": list(args), **params})
    discriminator = make_discriminator()
    score = None
    if quality is not None and options.get("stop_when_fooled") is None:

        def score(samples: np.ndarray) -> float:
            return quality(to_data(samples))

    given = {
        key: options[key]
        for key in ("epochs", "batch_size", "lr", "d_steps", "g_steps")
        if options.get(key) is not None
    }
    if options.get("gan_loss"):
        given["loss"] = options["gan_loss"]
    elif train.kind == "image":
        given["loss"] = IMAGE_LOSS
        given.setdefault("d_steps", IMAGE_D_STEPS)
    fit = fit_gan(
        generator,
        discriminator,
        X,
        codes,
        stop_when_fooled=options.get("stop_when_fooled"),
        quality=score,
        quality_every=int(options.get("quality_every") or 1),
        quality_samples=int(min(1000, max(200, len(X)))),
        seed=seed,
        options=TrainerOptions(device="cpu", devices=1),
        progress=progress,
        **given,
    )
    training = {
        "epochs_trained": float(len(fit.history)),
        "best_epoch": float(fit.best_epoch),
        "stop_reason": fit.stop_reason,
        "seconds": float(fit.seconds),
        "loss": fit.loss,
    }
    return GanOutcome(fit.generator, fit.history, training)
