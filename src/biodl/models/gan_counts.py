"""A GAN generator that draws counts: negative-binomial draws around generated means.

An MLP generator that maps noise straight to log-scaled counts (:class:`~biodl.models.gan_mlp.
MLPGenerator`) makes smooth functions of a few dozen noise values: it cannot make the
independent sampling noise of each count that real count data has (a cell's 500 genes are
500 separate draws), and a real-vs-synthetic detector sees that at once (on simulated counts
the total counts of its samples varied with a standard deviation of 51 against 790 in the
real cells; benchmarks/RESULTS.md). :class:`CountGenerator` generates what a count model
generates, as the count VAE does: each gene's share of the cell's counts (a softmax), times a
library size drawn from the training cells' total counts, gives negative-binomial means; the
counts are drawn around them with a learned dispersion per gene (variance ``mu + mu^2 /
theta``). The output is the draw in the discriminator's units: ``(log1p(counts) - center) /
scale`` per gene (the z-scored log1p counts the real rows are given in).

The draw is not differentiable. The generator learns through it as through a
reparameterised normal draw of the same mean and variance: with the standardised residual
``e = (counts - mu) / sd`` held fixed, the output is ``mu + sd * e``, equal to the drawn
counts, whose gradient flows to the means (the shares) and to the dispersions.

Draws use torch's global random generator; :func:`biodl.models.gan.sample_from` seeds it
from its ``seed`` (and restores it), so samples stay reproducible.

Examples
--------
>>> import torch
>>> g = CountGenerator(6, libraries=[100.0, 200.0], center=[0.0] * 6, scale=[1.0] * 6,
...                    hidden=(16,))
>>> out = g(g.noise(3))
>>> counts = torch.expm1(out)
>>> tuple(out.shape), bool(torch.allclose(counts, counts.round(), atol=1e-3))
((3, 6), True)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor, nn

from biodl.errors import ConfigError
from biodl.models.gan import GANGenerator, check_dropout, check_labels, check_sizes
from biodl.models.gan_mlp import dense_layers

__all__ = [
    "THETA_SPEED",
    "CountGenerator",
    "draw_negative_binomial",
    "mean_shares",
    "neighbour_dispersion",
]

#: ``log(theta)`` is stored divided by this, so that Adam (whose steps are about the learning
#: rate whatever the gradient's size) moves the dispersions this many times faster than the
#: weights: at 2e-4 per step they would barely move from their start in 200 epochs.
THETA_SPEED = 10.0
#: Momentum of the running mean of the generator's logit deviations (used in eval mode, as
#: batch norm's running statistics are).
CENTER_MOMENTUM = 0.1


def mean_shares(X: np.ndarray) -> np.ndarray:
    """Each gene's mean share of a row's counts (rows without counts left out), at least
    1e-8 (a gene never seen keeps a tiny share)."""
    sums = X.sum(axis=1, keepdims=True)
    kept = sums[:, 0] > 0
    share = (X[kept] / sums[kept]).mean(axis=0) if kept.any() else np.ones(X.shape[1])
    return np.maximum(share, 1e-8) / np.maximum(share, 1e-8).sum()


def neighbour_dispersion(X: np.ndarray, *, k: int = 20, seed: int = 0) -> np.ndarray:
    """A starting inverse dispersion ``theta`` per gene, from each row's nearest neighbours.

    Each row's expected counts are its neighbours' mean shares (the ``k`` nearest rows in a
    10-component PCA of z-scored log1p shares, the row itself left out) times its own total;
    ``theta = sum(mu^2) / (sum((x - mu)^2) / (1 + 1/k) - sum(mu))`` per gene (the method of
    moments on the residuals, the neighbours' own noise taken out), in [0.05, 100]. On
    simulated negative-binomial counts with cell types and programmes (theta 2) it gave a
    median of 2.1 (k = 20); the plain method of moments over all rows, 1.7.
    """
    from scipy import sparse
    from sklearn.decomposition import PCA
    from sklearn.neighbors import NearestNeighbors

    X = np.asarray(X, dtype=np.float64)
    sums = X.sum(axis=1, keepdims=True)
    X, sums = X[sums[:, 0] > 0], sums[sums[:, 0] > 0]
    k = min(k, len(X) - 1)
    if k < 2 or X.shape[1] < 2:
        return np.ones(X.shape[1])
    shares = X / sums
    logs = np.log1p(shares * np.median(sums))
    logs = (logs - logs.mean(axis=0)) / np.maximum(logs.std(axis=0), 1e-8)
    width = min(10, len(X) - 1, X.shape[1])
    coords = PCA(width, random_state=seed).fit_transform(logs)
    near = NearestNeighbors(n_neighbors=k + 1).fit(coords).kneighbors(coords)[1][:, 1:]
    # the neighbours' mean shares as a sparse (rows x rows) average: memory of the data's size
    rows = np.repeat(np.arange(len(X)), k)
    average = sparse.csr_matrix((np.full(rows.size, 1.0 / k), (rows, near.ravel())))
    mu = np.asarray(average @ shares) * sums
    excess = ((X - mu) ** 2).sum(axis=0) / (1.0 + 1.0 / k) - mu.sum(axis=0)
    theta = (mu**2).sum(axis=0) / np.maximum(excess, 1e-8)
    return np.clip(np.where(mu.sum(axis=0) > 0, theta, 1.0), 0.05, 100.0)


def draw_negative_binomial(mu: Tensor, theta: Tensor) -> Tensor:
    """Negative-binomial counts of mean ``mu`` and inverse dispersion ``theta`` (no gradient).

    A gamma-Poisson mixture: ``rate ~ Gamma(theta, theta / mu)``, ``counts ~ Poisson(rate)``;
    variance ``mu + mu^2 / theta``. Uses torch's global random generator.
    """
    with torch.no_grad():
        shape = torch.broadcast_to(theta, mu.shape)
        rate = torch._standard_gamma(shape) * mu / shape
        return torch.poisson(rate)


class CountGenerator(GANGenerator):
    """MLP generator of count rows ``(batch, n_features)`` that draws negative-binomial counts.

    Linear -> [BatchNorm] -> ReLU -> [Dropout] per hidden layer, then a linear layer to one
    logit per gene; softmax shares times a library size drawn from ``libraries`` are the
    means, drawn as counts (module notes), returned as ``(log1p(counts) - center) / scale``.

    Parameters
    ----------
    n_features : int
        Genes per row.
    n_classes : int, default 0
        0: unconditional; K: conditional on K classes (a label embedding joined to the noise).
    libraries : sequence of float
        Total counts of the training rows; each generated row draws one (as the count VAE
        samples). Saved with the weights.
    library_classes : sequence of int, optional
        The class of each of ``libraries`` (conditional models): a row generated for class
        ``c`` draws its library size among class ``c``'s rows, so classes keep their own
        total counts. Without it, or without labels, any row's.
    center, scale : sequence of float
        Per gene: the mean and standard deviation of ``log1p(counts)`` of the training rows
        (the units the discriminator reads).
    dispersion : float or sequence of float, default 1.0
        Starting inverse dispersion ``theta`` (one, or one per gene; learned per gene).
    shares : sequence of float, optional
        Starting share of each gene in a cell's counts (e.g. the training rows' mean
        shares): the last layer's bias starts at their logs, so the generator starts from the
        right mean of every gene (a detector sees a small shift of hundreds of genes at once).
    n_latent : int, default 32
    hidden : sequence of int, default (128, 128)
    batch_norm : bool, default True
    dropout : float, default 0.0
    embedding_dim : int, default 16
        Width of the label embedding (conditional only).
    """

    libraries: Tensor
    center: Tensor
    scale: Tensor
    running_center: Tensor

    def __init__(
        self,
        n_features: int,
        n_classes: int = 0,
        *,
        libraries: Sequence[float],
        library_classes: Sequence[int] | None = None,
        center: Sequence[float],
        scale: Sequence[float],
        dispersion: float | Sequence[float] = 1.0,
        shares: Sequence[float] | None = None,
        n_latent: int = 32,
        hidden: Sequence[int] = (128, 128),
        batch_norm: bool = True,
        dropout: float = 0.0,
        embedding_dim: int = 16,
    ):
        super().__init__(n_classes, n_latent, embedding_dim)
        check_sizes("CountGenerator", n_features=n_features, hidden=hidden)
        check_dropout("CountGenerator", dropout)
        if len(libraries) < 1 or min(libraries) <= 0:
            raise ConfigError(
                "CountGenerator: libraries must be one or more positive total counts (the "
                "training rows' sums); leave out rows with no counts"
            )
        if len(center) != n_features or len(scale) != n_features:
            raise ConfigError(
                f"CountGenerator: center and scale need one value per gene ({n_features}); "
                f"got {len(center)} and {len(scale)}"
            )
        start = torch.as_tensor(dispersion, dtype=torch.float32).expand(int(n_features))
        if not bool(torch.isfinite(start).all() and (start > 0).all()):
            raise ConfigError(
                "CountGenerator: dispersion: expected values > 0 (one, or one per gene)"
            )
        self.sample_shape = (int(n_features),)
        self.body, width = dense_layers(
            self.in_width, hidden, act=nn.ReLU(), batch_norm=batch_norm, dropout=dropout
        )
        self.out = nn.Linear(width, n_features, bias=False)
        self.log_share = nn.Parameter(torch.zeros(n_features))
        self.register_buffer("running_center", torch.zeros(n_features))
        if shares is not None:
            if len(shares) != n_features or min(shares) <= 0:
                raise ConfigError(
                    f"CountGenerator: shares need one positive value per gene ({n_features})"
                )
            with torch.no_grad():
                self.log_share.copy_(torch.log(torch.as_tensor(list(shares))))
        self.log_theta = nn.Parameter(torch.log(start).clone() / THETA_SPEED)
        self.register_buffer("libraries", torch.as_tensor(list(libraries), dtype=torch.float32))
        self.by_class: list[Tensor] | None = None  # indices of each class's libraries
        if library_classes is not None and n_classes > 0:
            owner = np.asarray(list(library_classes), dtype=np.int64)
            if len(owner) != len(libraries) or owner.min() < 0 or owner.max() >= n_classes:
                raise ConfigError(
                    "CountGenerator: library_classes needs one class in [0, n_classes) per "
                    "library size"
                )
            self.by_class = [torch.from_numpy(np.flatnonzero(owner == c)) for c in range(n_classes)]
        self.register_buffer("center", torch.as_tensor(list(center), dtype=torch.float32))
        self.register_buffer("scale", torch.as_tensor(list(scale), dtype=torch.float32))

    @property
    def theta(self) -> Tensor:
        """Inverse dispersion of each gene ``(n_features,)``."""
        return torch.exp((self.log_theta * THETA_SPEED).clamp(-10.0, 10.0))

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        """Examples from noise ``z``; with labels, library sizes are drawn per class."""
        check_labels(self, labels)
        h = z
        if self.label_embedding is not None and labels is not None:
            h = torch.cat([z, self.label_embedding(labels)], dim=1)
        return self.draw(h, labels)

    def _library_sizes(self, n: int, labels: Tensor | None, device: torch.device) -> Tensor:
        pick = torch.randint(len(self.libraries), (n,), device=device)
        if self.by_class is not None and labels is not None:
            for c, own in enumerate(self.by_class):
                rows = torch.nonzero(labels == c).flatten()
                if len(rows) and len(own):
                    chosen = torch.randint(len(own), (len(rows),), device=device)
                    pick[rows] = own.to(device)[chosen]
        return self.libraries[pick]

    def means(self, h: Tensor, labels: Tensor | None = None) -> Tensor:
        """Negative-binomial means ``(batch, n_features)`` of the joined noise ``h``, each row
        at a library size drawn from :attr:`libraries` (from its class's, with ``labels`` and
        ``library_classes``)."""
        deviation = self.out(self.body(h))
        if self.training:
            center = deviation.mean(dim=0)
            with torch.no_grad():
                self.running_center.lerp_(center, CENTER_MOMENTUM)
        else:
            center = self.running_center
        share = torch.softmax(self.log_share + deviation - center, dim=-1)
        return share * self._library_sizes(len(h), labels, h.device).unsqueeze(1)

    def generate(self, h: Tensor) -> Tensor:
        return self.draw(h, None)

    def draw(self, h: Tensor, labels: Tensor | None) -> Tensor:
        """Counts drawn around :meth:`means`, in the discriminator's units."""
        mu = self.means(h, labels)
        theta = self.theta
        counts = draw_negative_binomial(mu, theta)
        sd = torch.sqrt(mu + mu * mu / theta + 1e-8)
        residual = ((counts - mu) / sd).detach()
        values = mu + sd * residual  # equal to counts; gradient of a normal draw
        return (torch.log1p(values.clamp_min(0.0)) - self.center) / self.scale
