"""Autoencoders for expression profiles: plain (AE), denoising (DAE) and variational (VAE).

Each model maps a profile ``x : (batch, n_genes)`` to a latent code ``z : (batch, n_latent)``
and back. The encoder and decoder are multilayer perceptrons whose depth and widths are given
by ``hidden`` (the decoder mirrors the encoder). Every model exposes the same pieces:

- ``encode(x) -> (batch, n_latent)``: the latent code (the posterior mean for the VAE);
- ``decode(z) -> (batch, n_genes)``: the reconstruction (expected counts for a
  negative-binomial VAE);
- ``loss(x, kl_weight=1.0) -> AutoencoderLoss``: the training objective per sample.

A model built with ``n_classes=K`` is conditional (a CVAE): the one-hot class label
``(batch, K)`` is joined to the encoder's input and to the decoder's latent code, and every
method above takes ``labels : (batch,)`` integers in ``[0, K)``. With ``n_classes=0`` (the
default) nothing is joined and the model, its weights and its numbers are those of the
unconditional model.

The models know nothing of Lightning (see :mod:`biodl.training.autoencoder`) and can be
trained with any PyTorch loop.

Examples
--------
>>> import torch
>>> from biodl.models.autoencoder import VAE
>>> model = VAE(50, n_latent=4, hidden=(32,))
>>> model.encode(torch.randn(8, 50)).shape
torch.Size([8, 4])
>>> float(model.loss(torch.randn(8, 50)).total) > 0
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from biodl.errors import ConfigError
from biodl.models._layers import ACTIVATIONS, ActivationName, dense_stack

__all__ = [
    "AE",
    "CORRUPTIONS",
    "DAE",
    "LIKELIHOODS",
    "VAE",
    "AutoencoderLoss",
    "CorruptionName",
    "Encoder",
    "LikelihoodName",
    "nb_log_likelihood",
]

CorruptionName = Literal["gaussian", "mask"]
CORRUPTIONS: dict[str, str] = {
    "gaussian": "add N(0, rate^2) noise to every input value",
    "mask": "set a random fraction `rate` of the input values to zero",
}
LikelihoodName = Literal["gaussian", "nb", "bernoulli"]
LIKELIHOODS: dict[str, str] = {
    "gaussian": "Gaussian with a learned variance per gene, for normalised (log / scaled) data",
    "nb": "negative binomial with a learned dispersion per gene and library-size scaling, "
    "for raw counts",
    "bernoulli": "Bernoulli on values in [0, 1] (binary cross-entropy; grey levels as soft "
    "targets), for pixel intensities",
}


@dataclass
class AutoencoderLoss:
    """The objective on one batch, each term averaged over the samples.

    Attributes
    ----------
    total : Tensor (scalar)
        ``reconstruction + kl_weight * kl``; what the optimiser minimises.
    reconstruction : Tensor (scalar)
        Negative log-likelihood (VAE) or squared error summed over genes (AE, DAE).
    kl : Tensor (scalar)
        KL divergence of the posterior from the N(0, 1) prior, summed over latent
        dimensions; zero for AE and DAE.
    """

    total: Tensor
    reconstruction: Tensor
    kl: Tensor


def _check(
    n_genes: int,
    n_latent: int,
    hidden: Sequence[int],
    activation: str,
    dropout: float,
    n_classes: int = 0,
):
    if n_classes < 0 or n_classes == 1:
        raise ConfigError(
            f"n_classes={n_classes}: expected 0 (unconditional) or at least 2 classes"
        )
    if n_genes < 1 or n_latent < 1 or any(int(w) < 1 for w in hidden):
        raise ConfigError(
            f"n_genes={n_genes}, n_latent={n_latent}, hidden={tuple(hidden)}: every size "
            "must be a positive whole number"
        )
    if activation not in ACTIVATIONS:
        raise ConfigError(f"activation={activation!r}: expected one of {', '.join(ACTIVATIONS)}")
    if not 0.0 <= dropout < 1.0:
        raise ConfigError(f"dropout={dropout}: expected a value in [0, 1)")


class AE(nn.Module):
    """Autoencoder: an MLP encoder to ``n_latent`` values and a mirrored MLP decoder.

    Trained to minimise the squared reconstruction error summed over genes, so it suits
    normalised data (log1p, z-scored).

    Parameters
    ----------
    n_genes : int
        Input width (genes / features).
    n_latent : int, default 10
        Size of the latent code.
    hidden : sequence of int, default (256, 128)
        Widths of the encoder's hidden layers, outermost first (its length is the depth); the
        decoder uses them in reverse. ``()`` gives a linear autoencoder.
    activation : {'relu', 'gelu', 'tanh', 'sigmoid', 'elu', 'leaky_relu'}, default 'relu'
    dropout : float, default 0.0
        Dropout after every hidden layer.
    batch_norm : bool, default True
        Batch normalisation after every hidden linear layer.
    n_classes : int, default 0
        0: unconditional. K >= 2: conditional on a class label; the one-hot label is joined
        to the encoder's input and to the decoder's latent code (module notes).

    Examples
    --------
    >>> import torch
    >>> AE(20, n_latent=2, hidden=(8,))(torch.zeros(3, 20)).shape
    torch.Size([3, 20])
    """

    def __init__(
        self,
        n_genes: int,
        *,
        n_latent: int = 10,
        hidden: Sequence[int] = (256, 128),
        activation: ActivationName = "relu",
        dropout: float = 0.0,
        batch_norm: bool = True,
        n_classes: int = 0,
    ):
        super().__init__()
        _check(n_genes, n_latent, hidden, activation, dropout, n_classes)
        self.n_genes = n_genes
        self.n_latent = n_latent
        self.n_classes = int(n_classes)
        # No Dropout module at rate 0: saved weights number their layers without one.
        drop = dropout if dropout > 0 else None
        self.encoder, width = dense_stack(
            n_genes + self.n_classes,
            hidden,
            activation=activation,
            dropout=drop,
            batch_norm=batch_norm,
        )
        self.latent = nn.Linear(width, self._latent_width())
        self.decoder, width = dense_stack(
            n_latent + self.n_classes,
            list(hidden)[::-1],
            activation=activation,
            dropout=drop,
            batch_norm=batch_norm,
        )
        self.output = nn.Linear(width, n_genes)

    def _latent_width(self) -> int:
        return self.n_latent

    def _encoder_input(self, x: Tensor) -> Tensor:
        return x

    def join(self, h: Tensor, labels: Tensor | None) -> Tensor:
        """``h (batch, d)`` with the one-hot ``labels (batch,)`` joined: ``(batch, d + K)``.

        ``h`` itself for an unconditional model.

        Raises
        ------
        ConfigError
            Labels missing for a conditional model or given to an unconditional one.
        """
        if not self.n_classes:
            if labels is not None:
                raise ConfigError(
                    "labels were given but the model is unconditional (n_classes=0); leave "
                    "them out or build it with n_classes=K"
                )
            return h
        if labels is None:
            raise ConfigError(
                f"the model is conditional on {self.n_classes} classes: pass labels "
                f"(integers in [0, {self.n_classes}))"
            )
        onehot = F.one_hot(labels.long(), self.n_classes).to(h.dtype)
        return torch.cat([h, onehot], dim=1)

    def encode(self, x: Tensor, *, labels: Tensor | None = None) -> Tensor:
        """Latent code of ``x : (batch, n_genes)`` -> ``(batch, n_latent)``."""
        return self.latent(self.encoder(self.join(self._encoder_input(x), labels)))

    def decode(self, z: Tensor, *, labels: Tensor | None = None) -> Tensor:
        """Reconstruction of ``z : (batch, n_latent)`` -> ``(batch, n_genes)``."""
        return self.output(self.decoder(self.join(z, labels)))

    def forward(self, x: Tensor, *, labels: Tensor | None = None) -> Tensor:
        """Reconstruction ``(batch, n_genes)`` of ``x : (batch, n_genes)``."""
        return self.decode(self.encode(x, labels=labels), labels=labels)

    def loss(
        self, x: Tensor, kl_weight: float = 1.0, *, labels: Tensor | None = None
    ) -> AutoencoderLoss:
        """Squared error summed over genes, averaged over the batch (``kl`` is zero)."""
        recon = F.mse_loss(self(x, labels=labels), x, reduction="sum") / x.shape[0]
        zero = recon.new_zeros(())
        return AutoencoderLoss(recon, recon, zero)


class DAE(AE):
    """Denoising autoencoder: reconstructs the clean profile from a corrupted copy.

    Corruption is applied only in training mode; :meth:`encode` of an eval-mode model sees
    the clean input.

    Parameters
    ----------
    n_genes, n_latent, hidden, activation, dropout, batch_norm
        As for :class:`AE` (the keywords are passed to it).
    corruption : {'gaussian', 'mask'}, default 'mask'
        'gaussian' adds N(0, rate²) noise to every value; 'mask' zeroes a random fraction
        ``rate`` of the values (dropout-like, close to the zeros of single-cell data).
    rate : float, default 0.2
        Noise standard deviation ('gaussian', > 0) or masked fraction ('mask', in (0, 1)).
    """

    def __init__(
        self,
        n_genes: int,
        *,
        corruption: CorruptionName = "mask",
        rate: float = 0.2,
        **params: Any,
    ):
        super().__init__(n_genes, **params)
        if corruption not in CORRUPTIONS:
            raise ConfigError(
                f"corruption={corruption!r}: expected one of {', '.join(CORRUPTIONS)}"
            )
        if rate <= 0 or (corruption == "mask" and rate >= 1):
            raise ConfigError(
                f"rate={rate}: expected > 0 for gaussian noise, in (0, 1) for masking"
            )
        self.corruption = corruption
        self.rate = float(rate)

    def corrupt(self, x: Tensor) -> Tensor:
        """A corrupted copy of ``x`` (same shape)."""
        if self.corruption == "gaussian":
            return x + self.rate * torch.randn_like(x)
        keep = torch.rand_like(x) >= self.rate
        return x * keep

    def loss(
        self, x: Tensor, kl_weight: float = 1.0, *, labels: Tensor | None = None
    ) -> AutoencoderLoss:
        """Squared error of the reconstruction of the corrupted ``x`` against ``x``."""
        noisy = self.corrupt(x) if self.training else x
        recon = (
            F.mse_loss(
                self.decode(self.encode(noisy, labels=labels), labels=labels), x, reduction="sum"
            )
            / x.shape[0]
        )
        return AutoencoderLoss(recon, recon, recon.new_zeros(()))


def nb_log_likelihood(x: Tensor, mu: Tensor, theta: Tensor, eps: float = 1e-8) -> Tensor:
    """Log-likelihood of counts under a negative binomial with mean ``mu`` and inverse
    dispersion ``theta`` (variance ``mu + mu² / theta``), elementwise.

    Parameters
    ----------
    x, mu : Tensor (batch, n_genes)
    theta : Tensor (n_genes,) or (batch, n_genes)

    Returns
    -------
    Tensor (batch, n_genes)
    """
    log_theta_mu = torch.log(theta + mu + eps)
    return (
        theta * (torch.log(theta + eps) - log_theta_mu)
        + x * (torch.log(mu + eps) - log_theta_mu)
        + torch.lgamma(x + theta)
        - torch.lgamma(theta)
        - torch.lgamma(x + 1.0)
    )


class VAE(AE):
    """Variational autoencoder with a N(0, 1) prior on the latent code.

    The encoder outputs the mean and log-variance of a Gaussian posterior; training samples
    from it with the reparameterisation trick and adds ``kl_weight`` times the KL divergence
    to the prior (the training module warms ``kl_weight`` up linearly).

    Parameters
    ----------
    n_genes, n_latent, hidden, activation, dropout, batch_norm
        As for :class:`AE` (the keywords are passed to it).
    likelihood : {'gaussian', 'nb', 'bernoulli'}, default 'gaussian'
        'gaussian': the decoder gives the mean of a Gaussian with a learned variance per gene;
        for normalised data. 'nb': the input is raw counts; the encoder sees ``log1p(x)``, the
        decoder gives each gene's share of the library (softmax), scaled by the sample's total
        count, with a learned dispersion per gene. 'bernoulli': values in [0, 1] (pixels,
        flattened); the decoder gives probabilities, the loss is the binary cross-entropy.
    n_classes : int, default 0
        Conditional on K >= 2 classes (see :class:`AE`).

    Examples
    --------
    >>> import torch
    >>> counts = torch.poisson(torch.full((4, 30), 3.0))
    >>> VAE(30, n_latent=2, hidden=(16,), likelihood="nb").loss(counts).kl.shape
    torch.Size([])
    """

    library_size: Tensor
    input_mean: Tensor
    input_scale: Tensor

    def __init__(self, n_genes: int, *, likelihood: LikelihoodName = "gaussian", **params: Any):
        if likelihood not in LIKELIHOODS:
            raise ConfigError(
                f"likelihood={likelihood!r}: expected one of {', '.join(LIKELIHOODS)}"
            )
        super().__init__(n_genes, **params)
        self.likelihood = likelihood
        # Per-gene log-variance (gaussian) or log inverse-dispersion (nb).
        self.log_scale = nn.Parameter(torch.zeros(n_genes))
        # Library size used by decode() when none is given (set from the training data).
        self.register_buffer("library_size", torch.tensor(1.0))
        # Standardisation of the encoder's input (gaussian; set from the training data): the
        # likelihood is scale-free per gene, but the encoder learns better on z-scores.
        self.register_buffer("input_mean", torch.zeros(n_genes))
        self.register_buffer("input_scale", torch.ones(n_genes))

    def _latent_width(self) -> int:
        return 2 * self.n_latent

    def _encoder_input(self, x: Tensor) -> Tensor:
        if self.likelihood == "nb":
            return torch.log1p(x)
        return (x - self.input_mean) / self.input_scale

    def posterior(self, x: Tensor, *, labels: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Mean and log-variance of q(z | x), each ``(batch, n_latent)``."""
        h = self.latent(self.encoder(self.join(self._encoder_input(x), labels)))
        mean, logvar = h.chunk(2, dim=-1)
        return mean, logvar.clamp(-12.0, 8.0)

    def encode(self, x: Tensor, *, labels: Tensor | None = None) -> Tensor:
        """Posterior mean ``(batch, n_latent)`` of ``x : (batch, n_genes)``."""
        return self.posterior(x, labels=labels)[0]

    def decode(
        self, z: Tensor, library: Tensor | None = None, *, labels: Tensor | None = None
    ) -> Tensor:
        """Expected profile ``(batch, n_genes)`` of ``z : (batch, n_latent)``.

        For the 'nb' likelihood, expected counts at ``library`` total counts per sample
        (``(batch, 1)``; default the median library size of the training data); for
        'bernoulli', probabilities in [0, 1].
        """
        out = self.output(self.decoder(self.join(z, labels)))
        if self.likelihood == "gaussian":
            return out
        if self.likelihood == "bernoulli":
            return torch.sigmoid(out)
        scale = self.library_size if library is None else library
        return torch.softmax(out, dim=-1) * scale

    def sample(
        self,
        n: int,
        *,
        generator: torch.Generator | None = None,
        labels: Tensor | None = None,
    ) -> Tensor:
        """``n`` new profiles ``(n, n_genes)``: the decoded mean of latent codes from the prior.

        ``labels (n,)``: the class of each profile (conditional models). :meth:`draw` turns
        the means into draws of the likelihood.
        """
        z = torch.randn(n, self.n_latent, generator=generator, device=self.log_scale.device)
        return self.decode(z, labels=labels)

    def draw(self, mean: Tensor, rng: np.random.Generator) -> np.ndarray:
        """One draw of the likelihood at each decoded mean ``(n, n_genes)`` (numpy, float64).

        'nb': negative-binomial counts with the learned per-gene dispersion (mean ``mean``,
        variance ``mean + mean^2 / theta``); 'gaussian': ``mean`` plus noise of the learned
        per-gene variance; 'bernoulli': 0/1 values with probability ``mean``.

        Examples
        --------
        >>> vae = VAE(5, n_latent=2, hidden=(4,), likelihood="nb")
        >>> counts = vae.draw(torch.full((3, 5), 4.0), np.random.default_rng(0))
        >>> counts.shape, bool((counts == np.round(counts)).all())
        ((3, 5), True)
        """
        mu = mean.detach().cpu().double().numpy()
        scale = torch.exp(self.log_scale.detach().cpu().double().clamp(-10.0, 10.0)).numpy()
        if self.likelihood == "nb":
            theta = np.broadcast_to(scale, mu.shape)
            p = theta / (theta + np.maximum(mu, 1e-12))
            return rng.negative_binomial(theta, p).astype(np.float64)
        if self.likelihood == "bernoulli":
            return (rng.random(mu.shape) < mu).astype(np.float64)
        return mu + rng.standard_normal(mu.shape) * np.sqrt(scale)

    def loss(
        self, x: Tensor, kl_weight: float = 1.0, *, labels: Tensor | None = None
    ) -> AutoencoderLoss:
        """Negative ELBO per sample: reconstruction NLL + ``kl_weight`` × KL(q(z|x) || N(0,1))."""
        mean, logvar = self.posterior(x, labels=labels)
        z = mean + torch.randn_like(mean) * torch.exp(0.5 * logvar) if self.training else mean
        if self.likelihood == "gaussian":
            mu = self.decode(z, labels=labels)
            log_var = self.log_scale.clamp(-10.0, 10.0)
            nll = 0.5 * ((x - mu) ** 2 * torch.exp(-log_var) + log_var + math.log(2 * math.pi))
        elif self.likelihood == "bernoulli":
            logits = self.output(self.decoder(self.join(z, labels)))
            nll = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
        else:
            library = x.sum(dim=1, keepdim=True)
            mu = self.decode(z, library=library, labels=labels)
            theta = torch.exp(self.log_scale.clamp(-10.0, 10.0))
            nll = -nb_log_likelihood(x, mu, theta)
        recon = nll.sum(dim=1).mean()
        kl = (-0.5 * (1.0 + logvar - mean**2 - logvar.exp())).sum(dim=1).mean()
        return AutoencoderLoss(recon + kl_weight * kl, recon, kl)


class Encoder(nn.Module):
    """The encoding half of an :class:`AE`, :class:`DAE` or :class:`VAE`, as a feature extractor.

    Maps ``x : (batch, n_genes)`` to ``(batch, n_latent)``: the latent code of AE and DAE, the
    posterior mean of the VAE. Built with the same sizes as the autoencoder it will receive
    weights from (:meth:`load_from`), so a saved classifier that contains it can be rebuilt
    from its hyperparameters alone. The decoder is not kept.

    Parameters
    ----------
    n_genes : int
        Input width.
    n_latent : int, default 10
        Size of the code.
    hidden : sequence of int, default (256, 128)
        Widths of the hidden layers, as in :class:`AE`.
    activation : {'relu', 'gelu', 'tanh', 'sigmoid', 'elu', 'leaky_relu'}, default 'relu'
    batch_norm : bool, default True
    variational : bool, default False
        True for a VAE's encoder: its last layer gives mean and log-variance, and the input is
        standardised with the VAE's ``input_mean`` / ``input_scale``.

    Examples
    --------
    >>> import torch
    >>> vae = VAE(20, n_latent=3, hidden=(8,))
    >>> enc = Encoder(20, n_latent=3, hidden=(8,), variational=True).load_from(vae).eval()
    >>> bool(torch.equal(enc(torch.ones(2, 20)), vae.eval().encode(torch.ones(2, 20))))
    True
    """

    input_mean: Tensor
    input_scale: Tensor

    def __init__(
        self,
        n_genes: int,
        *,
        n_latent: int = 10,
        hidden: Sequence[int] = (256, 128),
        activation: ActivationName = "relu",
        batch_norm: bool = True,
        variational: bool = False,
    ):
        super().__init__()
        _check(n_genes, n_latent, hidden, activation, 0.0)
        self.n_latent = n_latent
        self.variational = variational
        self.encoder, width = dense_stack(
            n_genes, hidden, activation=activation, dropout=None, batch_norm=batch_norm
        )
        self.latent = nn.Linear(width, 2 * n_latent if variational else n_latent)
        self.register_buffer("input_mean", torch.zeros(n_genes))
        self.register_buffer("input_scale", torch.ones(n_genes))

    def load_from(self, model: AE) -> Encoder:
        """Copy the encoder weights (and a Gaussian VAE's input standardisation) of ``model``.

        Raises
        ------
        ConfigError
            ``model`` is not of this encoder's kind, or is a negative-binomial VAE (its
            encoder reads raw counts).
        RuntimeError
            ``model`` has other sizes (from ``load_state_dict``).
        """
        if isinstance(model, VAE) != self.variational:
            raise ConfigError("Encoder.load_from: variational must match the autoencoder's kind")
        if isinstance(model, VAE) and model.likelihood == "nb":
            raise ConfigError(
                "Encoder.load_from: a negative-binomial VAE encodes raw counts; a classifier "
                "on preprocessed data needs a Gaussian one"
            )
        self.encoder.load_state_dict(model.encoder.state_dict())
        self.latent.load_state_dict(model.latent.state_dict())
        if isinstance(model, VAE):
            self.input_mean.copy_(model.input_mean)
            self.input_scale.copy_(model.input_scale)
        return self

    def forward(self, x: Tensor) -> Tensor:
        """Code ``(batch, n_latent)`` of ``x : (batch, n_genes)``."""
        h = self.latent(self.encoder((x - self.input_mean) / self.input_scale))
        return h[:, : self.n_latent]
