"""scikit-learn transformers for the autoencoder family: :class:`AE`, :class:`DAE`, :class:`VAE`.

``X`` is a samples x genes matrix (NumPy array or scipy sparse matrix, which stays sparse and
is densified one mini-batch at a time). The transformers follow scikit-learn: ``__init__``
only stores parameters, ``fit`` returns ``self``, learned state ends in ``_``, an unfitted
transformer raises ``NotFittedError``; they work in a ``Pipeline`` and with ``clone``.

Examples
--------
>>> import numpy as np
>>> import biodl
>>> X = np.random.default_rng(0).normal(size=(60, 20)).astype("float32")
>>> vae = biodl.VAE(n_latent=2, hidden=(16,), epochs=3).fit(X)
>>> vae.transform(X).shape, vae.inverse_transform(vae.transform(X)).shape
((60, 2), (60, 20))
>>> vae.sample(5).shape
(5, 20)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted

from biodl.errors import DataError

__all__ = ["AE", "DAE", "VAE", "auto_epochs", "looks_like_counts"]


def auto_epochs(n_samples: int, batch_size: int = 128) -> int:
    """Default number of epochs: about 3,000 optimiser steps, between 20 and 300 epochs.

    Small data sets need many epochs to take enough steps; large ones few (20 epochs of
    100,000 cells are 15,600 steps at batch size 128).
    """
    steps = max(1, -(-n_samples // max(1, batch_size)))
    return int(np.clip(round(3000 / steps), 20, 300))


def looks_like_counts(X: np.ndarray | sp.spmatrix | sp.sparray) -> bool:
    """Whether ``X`` holds raw counts: non-negative whole numbers with some above 1 (judged
    as :func:`biodl.data.preprocess.value_scale` does)."""
    from biodl.data.preprocess import value_scale

    return value_scale(X) == "counts"


def _moments(X: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per-gene mean and standard deviation (1 where zero), without densifying sparse X."""
    mean = np.asarray(X.mean(axis=0), dtype=np.float64).reshape(-1)
    square = X.multiply(X).mean(axis=0) if sp.issparse(X) else (np.asarray(X) ** 2).mean(axis=0)
    std = np.sqrt(np.maximum(np.asarray(square, dtype=np.float64).reshape(-1) - mean**2, 0.0))
    std[std == 0] = 1.0
    return mean.astype(np.float32), std.astype(np.float32)


def _dtype(model: torch.nn.Module) -> torch.dtype:
    """The floating dtype of a trained model's weights (float64 after precision '64-true')."""
    return next(model.parameters()).dtype


def _check_X(X: Any, estimator: str) -> Any:
    try:
        return check_array(X, accept_sparse="csr", dtype=np.float32, ensure_min_samples=2)
    except ValueError as err:
        raise DataError(f"{estimator}.fit / transform: X: {err}") from None


# eq=False: hashable, compared by identity as estimators are; repr=False: scikit-learn's repr
@dataclass(eq=False, repr=False)
class _Autoencoder(TransformerMixin, BaseEstimator):
    """Shared parameters, fitting and encoding (see :class:`AE`).

    The parameters are dataclass fields: the generated ``__init__`` only stores them, and its
    signature, which scikit-learn reads, lists each one; DAE and VAE add their own fields.
    """

    _kind: ClassVar[str] = "ae"

    n_latent: int = 10
    _: KW_ONLY
    hidden: Sequence[int] = (256, 128)
    activation: str = "relu"
    dropout: float = 0.0
    batch_norm: bool = True
    epochs: int | None = None
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 0.0
    device: str = "auto"
    precision: str = "32-true"
    strategy: str = "auto"
    devices: int | str = 1
    random_state: int | None = 0
    verbose: bool = False

    def _model_options(self, X: Any) -> dict[str, Any]:
        return {
            "n_latent": int(self.n_latent),
            "hidden": tuple(int(w) for w in self.hidden),
            "activation": self.activation,
            "dropout": float(self.dropout),
            "batch_norm": bool(self.batch_norm),
        }

    def _build(self, n_genes: int, options: dict[str, Any]) -> torch.nn.Module:
        from biodl.models.autoencoder import AE

        return AE(n_genes, **options)

    def _fit_options(self, epochs: int) -> dict[str, Any]:
        return {}

    def fit(self, X: Any, y: Any = None) -> _Autoencoder:
        """Train on ``X : (n_samples, n_genes)`` (array or sparse); ``y`` is ignored.

        Returns
        -------
        self
        """
        from biodl.training.autoencoder import fit_autoencoder

        X = _check_X(X, type(self).__name__)
        seed = 0 if self.random_state is None else int(self.random_state)
        torch.manual_seed(seed)
        options = self._model_options(X)
        model = self._build(X.shape[1], options)
        epochs = (
            auto_epochs(X.shape[0], int(self.batch_size))
            if self.epochs is None
            else int(self.epochs)
        )
        result = fit_autoencoder(
            model,  # type: ignore[arg-type]
            X,
            epochs=epochs,
            batch_size=int(self.batch_size),
            lr=float(self.lr),
            weight_decay=float(self.weight_decay),
            seed=seed,
            device=self.device,
            precision=self.precision,
            strategy=self.strategy,
            devices=self.devices,
            progress=bool(self.verbose),
            **self._fit_options(epochs),
        )
        self.model_: Any = result.model
        self.history_ = result.history
        self.fit_seconds_ = result.seconds
        self.fit_device_ = result.device
        self.epochs_ = epochs
        self.n_features_in_ = X.shape[1]
        return self

    def _rows(self, X: Any) -> Any:
        check_is_fitted(self, "model_")
        X = _check_X(X, type(self).__name__)
        if X.shape[1] != self.n_features_in_:
            raise DataError(
                f"X has {X.shape[1]} genes/features but {type(self).__name__} was fitted on "
                f"{self.n_features_in_}; pass the same columns in the same order"
            )
        return X

    @torch.no_grad()
    def transform(self, X: Any) -> np.ndarray:
        """Latent codes ``(n_samples, n_latent)`` (the posterior mean for the VAE)."""
        from biodl.training.autoencoder import ExpressionBatches

        data = ExpressionBatches(self._rows(X))
        self.model_.eval()
        dtype = _dtype(self.model_)
        out = [
            self.model_.encode(data[np.arange(i, min(i + 1024, len(data)))].to(dtype)).numpy()
            for i in range(0, len(data), 1024)
        ]
        return np.concatenate(out).astype(np.float32)

    @torch.no_grad()
    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Reconstructed profiles ``(n_samples, n_genes)`` of latent codes ``Z``."""
        check_is_fitted(self, "model_")
        Z = check_array(Z, dtype=np.float32)
        if Z.shape[1] != self.model_.n_latent:
            raise DataError(
                f"Z has {Z.shape[1]} columns but the latent space has {self.model_.n_latent}"
            )
        self.model_.eval()
        z = torch.from_numpy(Z).to(_dtype(self.model_))
        return self.model_.decode(z).numpy().astype(np.float32)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``['<kind>0', '<kind>1', ...]``, one name per latent dimension."""
        check_is_fitted(self, "model_")
        return np.array([f"{self._kind}{i}" for i in range(int(self.n_latent))], dtype=object)


class AE(_Autoencoder):
    """Autoencoder as a scikit-learn transformer (see :class:`biodl.models.autoencoder.AE`).

    Parameters
    ----------
    n_latent : int, default 10
        Size of the latent space (the output of :meth:`transform`).
    hidden : sequence of int, default (256, 128)
        Encoder widths, outermost first (their number is the depth); the decoder mirrors them.
    activation : {'relu', 'gelu', 'tanh', 'sigmoid', 'elu', 'leaky_relu'}, default 'relu'
    dropout : float, default 0.0
    batch_norm : bool, default True
    epochs : int or None, default None
        None picks from the number of samples (:func:`auto_epochs`: about 3,000 optimiser
        steps, 20 to 300 epochs).
    batch_size : int, default 128
    lr : float, default 1e-3
        Adam learning rate.
    weight_decay : float, default 0.0
    device : {'auto', 'cpu', 'cuda'}, default 'auto'
        Where to train; 'auto' uses a GPU when there is one.
    precision : str, default '32-true'
        Lightning precision: '32-true', '16-mixed', 'bf16-mixed', '64-true' (the trained
        network then stays float64; outputs are float32 either way).
    strategy : str, default 'auto'
        Lightning strategy, e.g. 'ddp_spawn' with ``devices=2``.
    devices : int or 'auto', default 1
        Number of devices to train on.
    random_state : int or None, default 0
        Seeds the weights, the shuffling and the training noise.
    verbose : bool, default False
        Show a progress bar.

    Attributes
    ----------
    model_ : biodl.models.autoencoder.AE
        The trained network (eval mode, CPU).
    history_ : DataFrame
        Loss per epoch.
    fit_seconds_ : float
    fit_device_ : str
        Where training ran, e.g. 'cpu', 'cuda' or 'cpu x2'.
    epochs_ : int
    n_features_in_ : int
    """


@dataclass(eq=False, repr=False)
class DAE(_Autoencoder):
    """Denoising autoencoder as a scikit-learn transformer.

    Parameters
    ----------
    n_latent, hidden, activation, dropout, batch_norm, epochs, batch_size, lr, weight_decay,
    device, precision, strategy, devices, random_state, verbose
        As for :class:`AE`.
    corruption : {'gaussian', 'mask'}, default 'mask'
        Input corruption while training (see :class:`biodl.models.autoencoder.DAE`).
    rate : float, default 0.2
        Noise standard deviation ('gaussian') or masked fraction ('mask').

    Attributes
    ----------
    model_, history_, fit_seconds_, fit_device_, epochs_, n_features_in_
        As for :class:`AE`.
    """

    _kind = "dae"

    _: KW_ONLY
    corruption: str = "mask"
    rate: float = 0.2

    def _build(self, n_genes: int, options: dict[str, Any]) -> torch.nn.Module:
        from biodl.models.autoencoder import DAE as DAEModel

        return DAEModel(n_genes, corruption=self.corruption, rate=float(self.rate), **options)  # type: ignore[arg-type]


@dataclass(eq=False, repr=False)
class VAE(_Autoencoder):
    """Variational autoencoder as a scikit-learn transformer; :meth:`sample` draws new profiles.

    Parameters
    ----------
    n_latent, hidden, activation, dropout, batch_norm, epochs, batch_size, lr, weight_decay,
    device, precision, strategy, devices, random_state, verbose
        As for :class:`AE`.
    likelihood : {'auto', 'gaussian', 'nb'}, default 'auto'
        'nb' (negative binomial, library-size scaled) for raw counts, 'gaussian' for normalised
        data; 'auto' picks 'nb' when ``X`` holds non-negative whole numbers.
    kl_weight : float, default 1.0
        Weight of the KL term once warmed up.
    warmup_epochs : int or None, default None
        Linear KL warm-up length; None uses a quarter of the epochs.

    Attributes
    ----------
    model_, history_, fit_seconds_, fit_device_, epochs_, n_features_in_
        As for :class:`AE`.
    likelihood_ : str
        The likelihood used ('gaussian' or 'nb').
    """

    _kind = "vae"

    _: KW_ONLY
    likelihood: str = "auto"
    kl_weight: float = 1.0
    warmup_epochs: int | None = None

    def _model_options(self, X: Any) -> dict[str, Any]:
        if self.likelihood not in ("auto", "gaussian", "nb"):
            from biodl.errors import ConfigError

            raise ConfigError(f"likelihood={self.likelihood!r}: expected one of auto, gaussian, nb")
        likelihood = self.likelihood
        if likelihood == "auto":
            likelihood = "nb" if looks_like_counts(X) else "gaussian"
        elif likelihood == "nb" and not looks_like_counts(X):
            raise DataError(
                "VAE(likelihood='nb') needs raw counts (non-negative whole numbers); X holds "
                "other values. Pass the raw counts or use likelihood='gaussian'"
            )
        self.likelihood_ = likelihood
        self._library = 1.0
        self._moments = None if likelihood == "nb" else _moments(X)
        if likelihood == "nb":
            totals = np.asarray(X.sum(axis=1)).reshape(-1)
            self._library = float(np.median(totals)) or 1.0
        return {**super()._model_options(X), "likelihood": likelihood}

    def _build(self, n_genes: int, options: dict[str, Any]) -> torch.nn.Module:
        from biodl.models.autoencoder import VAE as VAEModel

        model = VAEModel(n_genes, **options)
        model.library_size.fill_(self._library)
        if self._moments is not None:
            model.input_mean.copy_(torch.from_numpy(self._moments[0]))
            model.input_scale.copy_(torch.from_numpy(self._moments[1]))
        return model

    def _fit_options(self, epochs: int) -> dict[str, Any]:
        warmup = self.warmup_epochs
        if warmup is None:
            warmup = max(1, epochs // 4)
        return {"kl_weight": float(self.kl_weight), "warmup_epochs": int(warmup)}

    @torch.no_grad()
    def sample(self, n: int, *, random_state: int | None = None) -> np.ndarray:
        """``n`` new profiles ``(n, n_genes)``: decoded latent codes drawn from N(0, 1).

        For the 'nb' likelihood, expected counts at the median library size of the training
        data.
        """
        check_is_fitted(self, "model_")
        generator = torch.Generator().manual_seed(
            int(self.random_state or 0) + 1 if random_state is None else int(random_state)
        )
        self.model_.eval()
        # As model_.sample, with the codes cast to the weights' dtype ('64-true' keeps float64).
        z = torch.randn(int(n), self.model_.n_latent, generator=generator)
        return self.model_.decode(z.to(_dtype(self.model_))).numpy().astype(np.float32)
