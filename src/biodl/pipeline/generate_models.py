"""``biodl generate``: the generative model of each kind of rows, fitted, saved, loaded, sampled.

A :class:`Generative` holds one trained network (a :class:`~biodl.models.autoencoder.VAE` or
a GAN generator of :mod:`biodl.models.gan`) and the JSON ``spec`` that rebuilds it: its
class and constructor arguments, the scaling between the data's own units and the network's
(:class:`Scaling`), the classes of a conditional model and the training class frequencies.
:meth:`Generative.sample` always answers in the data's own units, shaped like
:attr:`biodl.pipeline.generate_data.RealData.X`.

What each family models (documented in docs/generate.md):

====================  ==============================================  ===========================
rows                  vae                                             gan
====================  ==============================================  ===========================
counts (tables)       negative binomial on the counts; samples are    NB draws around generated
                      NB draws at training library sizes, codes       means (CountGenerator); or
                      from a mixture fitted to the training codes     ``--gan-counts log1p``: MLP
                      (generate_latent)                               on z-scored log1p counts
other tables          Gaussian on z-scored values; samples are the    MLP on z-scored values
                      decoded means (``--vae-sample draw``: + noise)
images                Bernoulli MLP on flattened [0, 1] pixels;       DCGAN-style pair, tanh on
                      samples are the decoded probabilities           [-1, 1]
sequences             (not offered: a GAN only)                       1-D convolutional pair
====================  ==============================================  ===========================
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from biodl.errors import ConfigError, DataError
from biodl.pipeline.generate_data import RealData, Scaling
from biodl.pipeline.generate_latent import (
    LatentMixture,
    fit_latent_mixture,
    gene_calibration,
    sample_latent,
)

__all__ = [
    "GENERATIVE_FILE",
    "MIN_TRAINING_ROWS",
    "Generative",
    "class_labels",
    "fit_generative",
    "is_generative_model",
    "load_generative",
]

#: Written in ``model/model.json`` of every generate run; how a generate run is recognised.
GENERATIVE_FILE = "model.json"
#: The fewest training rows each family is fitted on.
MIN_TRAINING_ROWS = {"vae": 8, "gan": 16}


@dataclass
class Generative:
    """A trained generative model of one kind of rows.

    Attributes
    ----------
    family : {'vae', 'gan'}
    network : nn.Module
        The VAE, or the GAN's generator (CPU, eval mode).
    spec : dict
        JSON: ``class``, ``params``, ``kind``, ``shape``, ``classes``, ``class_counts``,
        ``scaling``, ``vae_sample``, ``libraries`` (see module notes).
    history : DataFrame
        One row per epoch of training.
    training : dict
        ``epochs_trained``, ``best_epoch``, ``stop_reason``, ``seconds`` (floats and text).
    """

    family: str
    network: nn.Module
    spec: dict[str, Any]
    history: pd.DataFrame = field(default_factory=pd.DataFrame)
    training: dict[str, Any] = field(default_factory=dict)

    @property
    def classes(self) -> list[str]:
        return list(self.spec.get("classes") or [])

    def sample(self, n: int, codes: np.ndarray | None, *, seed: int = 0) -> np.ndarray:
        """``n`` rows in the data's units; ``codes (n,)``: class indices (conditional models)."""
        labels = None if codes is None else torch.as_tensor(codes, dtype=torch.long)
        if self.family == "gan":
            from biodl.models.gan import GANGenerator, sample_from

            assert isinstance(self.network, GANGenerator)
            out = sample_from(self.network, n, codes, seed=seed)
            values = out.argmax(dim=-1).numpy() if self.spec["kind"] == "sequence" else out.numpy()
        else:
            values = self._vae_sample(n, labels, seed)
        return self.to_data(values)

    def _vae_sample(self, n: int, labels: torch.Tensor | None, seed: int) -> np.ndarray:
        vae: Any = self.network
        gen = torch.Generator().manual_seed(int(seed))
        rng = np.random.default_rng(seed)
        codes = None if labels is None else labels.numpy()
        saved = self.spec.get("latent_mixture")  # count VAEs; absent in runs saved before
        with torch.no_grad():
            if saved is not None:
                mixture = LatentMixture.from_json(saved)
                z = torch.as_tensor(sample_latent(mixture, n, codes, rng), dtype=torch.float32)
            else:
                z = torch.randn(n, vae.n_latent, generator=gen)
            library = None
            if vae.likelihood == "nb":
                library = torch.as_tensor(self._libraries(n, codes, rng))
            mean = vae.decode(z, library, labels=labels)
            if self.spec.get("gene_scale") is not None:
                mean = mean * torch.as_tensor(self.spec["gene_scale"], dtype=mean.dtype)
        if vae.likelihood == "nb" or self.spec.get("vae_sample") == "draw":
            return np.asarray(vae.draw(mean, rng))
        return mean.numpy().astype(np.float64)

    def _libraries(self, n: int, codes: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
        """Total counts ``(n, 1)`` of a count VAE's samples: drawn from the training cells'
        (a conditional model's class from its own class's cells)."""
        sizes = np.asarray(self.spec["libraries"], dtype=np.float32)
        chosen = rng.choice(sizes, size=(n, 1))
        owner = self.spec.get("library_classes")  # absent in runs saved before
        if owner is not None and codes is not None:
            owner = np.asarray(owner)
            for c in np.unique(codes):
                rows = np.flatnonzero(codes == c)
                chosen[rows, 0] = rng.choice(sizes[owner == c], size=len(rows))
        return chosen

    def to_data(self, values: np.ndarray) -> np.ndarray:
        """Network output -> rows in the data's units and shape."""
        kind, shape = self.spec["kind"], tuple(self.spec["shape"])
        if kind == "sequence":
            return values.astype(np.int64)
        if kind == "image":
            if self.family == "gan":
                values = (values + 1.0) / 2.0
            pixels = np.clip(values.reshape(len(values), *shape), 0.0, 1.0)
            return snap(pixels, self.spec.get("levels")).astype(np.float32)
        scaling = self.spec.get("scaling")
        if scaling is not None:
            values = Scaling(**scaling).inverse(values)
        return np.asarray(values, dtype=np.float64)

    def save(self, folder: Path) -> None:
        """``weights.safetensors`` and ``model.json`` (the spec) in ``folder``."""
        from biodl.runs import save_model

        save_model(folder, self.network, {"generative": self.family, **self.spec})


#: Images with at most this many distinct pixel values keep them: samples are snapped to them.
MAX_LEVELS = 64


def pixel_levels(X: np.ndarray) -> list[float] | None:
    """The distinct pixel values of the training images, when there are few (a grid such as
    the 17 grey levels of scikit-learn's digits); None otherwise."""
    levels = np.unique(X)
    return levels.tolist() if len(levels) <= MAX_LEVELS else None


def snap(values: np.ndarray, levels: list[float] | None) -> np.ndarray:
    """Each value replaced by the nearest of ``levels`` (unchanged when None).

    Examples
    --------
    >>> snap(np.array([0.1, 0.4, 0.9]), [0.0, 0.5, 1.0]).tolist()
    [0.0, 0.5, 1.0]
    """
    if not levels:
        return values
    grid = np.asarray(levels, dtype=np.float64)
    right = np.clip(np.searchsorted(grid, values), 1, len(grid) - 1)
    left = right - 1
    nearer = np.abs(values - grid[left]) <= np.abs(grid[right] - values)
    return (
        np.where(nearer, grid[left], grid[right])
        if len(grid) > 1
        else np.full_like(values, grid[0])
    )


def class_labels(
    model: Generative, n: int | None, n_per_class: int | None, *, seed: int
) -> np.ndarray | None:
    """Class index of every row to draw: ``n_per_class`` of each class in class order, or
    ``n`` drawn with the training class frequencies; None for an unconditional model.

    Raises
    ------
    ConfigError
        ``--n-per-class`` for an unconditional model, or a count that is not positive.
    """
    counts = model.spec.get("class_counts")
    if n_per_class is not None:
        if not counts:
            raise ConfigError(
                "--n-per-class needs a conditional model: fit it with --condition COLUMN, or "
                "give --n instead"
            )
        check_positive(n_per_class, "--n-per-class")
        return np.repeat(np.arange(len(counts)), n_per_class)
    if not counts:
        return None
    share = np.asarray(counts, dtype=np.float64) / sum(counts)
    return np.random.default_rng(seed).choice(len(counts), size=int(n or 0), p=share)


def check_positive(value: Any, option: str) -> int:
    """``value`` as a positive int, or a ConfigError naming ``option``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ConfigError(f"{option} {value!r}: expected a positive number of samples, e.g. 1000")
    return int(value)


def _base_spec(real: RealData, family: str) -> dict[str, Any]:
    codes = real.codes()
    counts = None if codes is None else np.bincount(codes, minlength=len(real.classes)).tolist()
    return {
        "kind": real.kind,
        "shape": list(real.X.shape[1:]),
        "classes": real.classes,
        "class_counts": counts,
        "counts": real.counts,
        "features": real.features,
        "letters": real.letters,
        "pixel_dtype": real.pixel_dtype,
        "fmt": real.fmt,
        "source": real.source,
        "family": family,
        "levels": pixel_levels(real.X) if real.kind == "image" else None,
    }


def fit_generative(
    family: str,
    train: RealData,
    *,
    options: dict[str, Any],
    quality: Callable[[np.ndarray], float] | None = None,
    seed: int = 0,
    progress: bool | None = False,
) -> Generative:
    """Fit a ``family`` model ('vae' or 'gan') on the real training rows ``train``.

    ``options``: ``epochs``, ``batch_size``, ``lr``, ``vae_sample``, ``gan_loss``,
    ``d_steps``, ``g_steps``, ``stop_when_fooled`` (None: the default of each). ``quality``
    (GAN): a score of rows in the data's units, lower is better, that chooses the kept epoch.

    Raises
    ------
    ConfigError
        An unknown family, or a VAE asked for sequences.
    DataError
        Fewer training rows than :data:`MIN_TRAINING_ROWS` of the family.
    """
    if family not in MIN_TRAINING_ROWS:
        raise ConfigError(f"--model {family!r}: expected one of {', '.join(MIN_TRAINING_ROWS)}")
    if len(train) < MIN_TRAINING_ROWS[family]:
        raise DataError(
            f"{train.source}: {len(train)} training rows after the held-out part; a {family} "
            f"needs at least {MIN_TRAINING_ROWS[family]}. Give more rows, or a smaller --holdout"
        )
    if family == "vae":
        if train.kind == "sequence":
            raise ConfigError(
                f"{train.source}: --model vae makes tables and images; sequences are made by "
                "the GAN (--model gan)"
            )
        return _fit_vae(train, options, seed, progress)
    from biodl.pipeline.generate_gan import fit_gan_generator

    spec = _base_spec(train, "gan")
    draft = Generative("gan", nn.Identity(), spec)  # its to_data scores the epochs' samples
    fit = fit_gan_generator(
        train, spec, options, quality=quality, to_data=draft.to_data, seed=seed, progress=progress
    )
    return Generative("gan", fit.generator, spec, fit.history, fit.training)


def _fit_vae(
    train: RealData, options: dict[str, Any], seed: int, progress: bool | None
) -> Generative:
    from biodl.models.autoencoder import VAE
    from biodl.training.autoencoder import fit_autoencoder
    from biodl.training.autoencoders import auto_epochs

    spec = _base_spec(train, "vae")
    codes = train.codes()
    n_classes = len(train.classes)
    params: dict[str, Any]
    if train.kind == "image":
        X = train.X.reshape(len(train), -1).astype(np.float32)
        params = {"n_latent": 16, "hidden": [256, 128], "likelihood": "bernoulli"}
    elif train.counts:
        X = train.X.astype(np.float32)
        params = {"n_latent": 10, "hidden": [128], "likelihood": "nb"}
        spec["libraries"] = X.sum(axis=1).tolist()
        if n_classes:  # a class draws its own rows' total counts
            spec["library_classes"] = np.asarray(codes).tolist()
    else:
        scaling = Scaling.fit(train.X, log=False)
        X = scaling.forward(train.X)
        params = {"n_latent": 10, "hidden": [128], "likelihood": "gaussian"}
        spec["scaling"] = scaling.__dict__
    params["n_classes"] = n_classes
    spec.update(
        {
            "class": "VAE",
            "params": {"n_genes": X.shape[1], **params},
            "vae_sample": options.get("vae_sample") or "auto",
        }
    )
    torch.manual_seed(seed)
    model = VAE(X.shape[1], **{**params, "hidden": tuple(params["hidden"])})
    if train.counts and train.kind == "expression":
        model.library_size.fill_(float(np.median(X.sum(axis=1))))
    batch = int(options.get("batch_size") or 128)
    epochs = int(options.get("epochs") or auto_epochs(len(X), batch))
    fit = fit_autoencoder(
        model,
        X,
        labels=codes,
        epochs=epochs,
        batch_size=batch,
        lr=float(options.get("lr") or 1e-3),
        warmup_epochs=max(1, epochs // 4),
        seed=seed,
        device="cpu",
        progress=progress,
    )
    training = {
        "epochs_trained": float(len(fit.history)),
        "best_epoch": float(len(fit.history)),
        "stop_reason": f"epochs: trained all {epochs} epochs",
        "seconds": float(fit.seconds),
    }
    fitted = Generative("vae", fit.model.cpu().eval(), spec, fit.history, training)
    if train.counts:
        _count_latents(fitted, X, codes, seed)
    return fitted


def _count_latents(fitted: Generative, X: np.ndarray, codes: np.ndarray | None, seed: int) -> None:
    """A count VAE samples codes from a mixture fitted to its training cells' codes, with
    each gene's mean calibrated on them (:mod:`biodl.pipeline.generate_latent`)."""

    vae: Any = fitted.network
    labels = None if codes is None else torch.as_tensor(codes, dtype=torch.long)
    with torch.no_grad():  # in blocks: a large table's hidden layers at once need much memory
        latent = np.concatenate(
            [
                vae.encode(
                    torch.as_tensor(X[i : i + 4096]),
                    labels=None if labels is None else labels[i : i + 4096],
                ).numpy()
                for i in range(0, len(X), 4096)
            ]
        )
    mixture = fit_latent_mixture(latent, codes, seed=seed)
    sizes = X.sum(axis=1, keepdims=True)

    def decode(z: np.ndarray, rows: np.ndarray) -> np.ndarray:
        given = None if labels is None else labels[rows]
        with torch.no_grad():
            out = vae.decode(
                torch.as_tensor(z, dtype=torch.float32), torch.as_tensor(sizes[rows]), labels=given
            )
        return out.numpy()

    rng = np.random.default_rng(seed)
    scale = gene_calibration(decode, mixture, codes, X.mean(axis=0), len(X), rng)
    fitted.spec.update(latent_mixture=mixture.to_json(), gene_scale=scale.tolist())


def is_generative_model(folder: Path) -> bool:
    """Whether ``folder`` (a run directory) holds a model written by ``biodl generate``."""
    path = folder / "model" / GENERATIVE_FILE
    if not path.is_file():
        return False
    try:
        return "generative" in json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def load_generative(folder: Path) -> Generative:
    """The model of the generate run ``folder``, rebuilt from its JSON spec and weights.

    Raises
    ------
    DataError
        ``folder`` is not a run of ``biodl generate``.
    """
    from safetensors.torch import load_file

    if not is_generative_model(folder):
        what = "a biodl run" if (folder / "model" / GENERATIVE_FILE).is_file() else "not a run"
        raise DataError(
            f"{folder}: {what} without a generative model (no 'generative' in "
            "model/model.json); pass a data file, or the --out folder of an earlier "
            "`biodl generate`"
        )
    spec = json.loads((folder / "model" / GENERATIVE_FILE).read_text(encoding="utf-8"))
    family = spec.pop("generative")
    spec.pop("schema_version", None)
    network = _build(spec)
    network.load_state_dict(load_file(str(folder / "model" / "weights.safetensors")))
    return Generative(family, network.eval(), spec)


def _build(spec: dict[str, Any]) -> nn.Module:
    params = dict(spec["params"])
    if spec["class"] == "VAE":
        from biodl.models.autoencoder import VAE

        n_genes = params.pop("n_genes")
        return VAE(n_genes, **{**params, "hidden": tuple(params["hidden"])})
    from biodl.pipeline.generate_gan import build_generator

    return build_generator(spec["class"], params)
