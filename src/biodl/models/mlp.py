"""Multilayer perceptron on a flattened one-hot sequence or on its k-mer spectrum."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from biodl.errors import ConfigError, DataError
from biodl.models._layers import ActivationName, apply_mask, dense_stack

__all__ = ["MLP", "MLP_FEATURES", "MLPFeatureName", "kmer_spectrum"]

MLPFeatureName = Literal["onehot", "kmer"]
MLP_FEATURES: tuple[str, ...] = ("onehot", "kmer")


def kmer_spectrum(x: Tensor, mask: Tensor | None, k: int) -> Tensor:
    """k-mer frequency spectrum of one-hot sequences.

    A position counts when its row is a clean one-hot vector (one channel 1, the rest 0) and
    the mask marks it real; its letter is the argmax. A k-mer counts when all of its ``k``
    positions count, so k-mers overlapping padding or ambiguity codes (N, R, X, ...) are skipped.
    k-mer codes are base-``in_channels`` numbers read left to right (``AAC`` -> 1 for DNA).

    Parameters
    ----------
    x : Tensor (batch, in_channels, length) float
        One-hot encoded sequences.
    mask : Tensor (batch, length) bool, optional
        ``True`` at real positions.
    k : int
        k-mer size.

    Returns
    -------
    Tensor (batch, in_channels ** k)
        Counts divided by the number of counted k-mers (rows sum to 1, or 0 with none).

    Examples
    --------
    >>> import torch
    >>> x = torch.nn.functional.one_hot(torch.tensor([[0, 0, 1]]), 4).float().transpose(1, 2)
    >>> kmer_spectrum(x, None, 2)[0, :2]
    tensor([0.5000, 0.5000])
    """
    batch, channels, length = x.shape
    n_kmers = channels**k
    out = x.new_zeros(batch, n_kmers)
    if length < k:
        return out
    top, code = x.max(dim=1)
    clean = (top == 1.0) & (x.sum(dim=1) == 1.0)
    if mask is not None:
        clean = clean & mask
    weights = channels ** torch.arange(k - 1, -1, -1, device=x.device)
    index = (code.unfold(1, k, 1) * weights).sum(dim=-1)
    valid = clean.unfold(1, k, 1).all(dim=-1).to(x.dtype)
    out.scatter_add_(1, index, valid)
    return out / valid.sum(dim=1, keepdim=True).clamp(min=1.0)


class MLP(nn.Module):
    """Multilayer perceptron on the flattened one-hot sequence or its k-mer spectrum.

    With ``features="onehot"`` the input is flattened to ``in_channels * length`` values, so the
    model needs a fixed ``length``; shorter sequences are right-padded with zeros (padding), as
    biodl pads them, so the output does not depend on padding. With ``features="kmer"`` the
    k-mer frequency spectrum is computed inside the model (see :func:`kmer_spectrum`) and scaled
    by ``in_channels ** k`` (1 = the frequency expected in a uniform random sequence); any length
    works.

    Parameters
    ----------
    in_channels : int
        Channels of the one-hot input (4 for DNA/RNA, 20 for protein).
    n_outputs : int
        Width of the output (classes, labels or regression targets).
    length : int or None, default None
        Fixed sequence length; required for ``features="onehot"``.
    features : {"onehot", "kmer"}, default "kmer"
        Input representation: positional one-hot (fixed length) or k-mer spectrum (any length).
    k : int, default 3
        k-mer size for ``features="kmer"``: ``in_channels ** k`` inputs (64 for DNA, 8000 for
        protein; use 2 for proteins on small data).
    hidden_sizes : list of int, default (128, 64)
        Widths of the hidden layers, first to last; empty for a linear model.
    activation : {"relu", "gelu", "tanh", "sigmoid", "elu", "leaky_relu"}, default "relu"
        Non-linearity after each hidden layer.
    dropout : float, default 0.2
        Dropout after each hidden layer.
    batch_norm : bool, default False
        Add BatchNorm1d after each hidden linear layer (needs training batches of 2 or more).

    Attributes
    ----------
    n_features : int
        Width of :meth:`features` (the last hidden width, or the input width with no hidden
        layers).
    head : nn.Linear
        Final layer, ``n_features -> n_outputs``.

    Examples
    --------
    >>> import torch
    >>> model = MLP(in_channels=4, n_outputs=2, features="onehot", length=30)
    >>> tuple(model(torch.zeros(3, 4, 30)).shape)
    (3, 2)
    """

    def __init__(
        self,
        *,
        in_channels: int,
        n_outputs: int,
        length: int | None = None,
        features: MLPFeatureName = "kmer",
        k: int = 3,
        hidden_sizes: Sequence[int] = (128, 64),
        activation: ActivationName = "relu",
        dropout: float = 0.2,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        if features == "onehot" and length is None:
            raise ConfigError(
                "model 'mlp': features='onehot' needs a fixed sequence length, but length is "
                "None; pass --length <int> (sequences are cropped or padded to it) or use "
                "features='kmer'."
            )
        self.kind = features
        self.k = k
        self.length = length
        self.in_channels = in_channels
        width = in_channels * length if features == "onehot" and length else in_channels**k
        self.body, width = dense_stack(
            width, hidden_sizes, activation=activation, dropout=dropout, batch_norm=batch_norm
        )
        self.n_features = width
        self.head = nn.Linear(width, n_outputs)

    def inputs(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """The vector the hidden layers see.

        Parameters
        ----------
        x : Tensor (batch, in_channels, length) float
            One-hot encoded sequences, zero at padded positions.
        mask : Tensor (batch, length) bool, optional
            ``True`` at real positions; ``None`` means no padding.

        Returns
        -------
        Tensor (batch, in_channels * length) or (batch, in_channels ** k)
        """
        if self.kind == "kmer":
            return kmer_spectrum(x, mask, self.k) * float(self.in_channels**self.k)
        assert self.length is not None
        x = apply_mask(x, mask)
        extra = self.length - x.shape[-1]
        if extra < 0 and mask is not None and not mask[:, self.length :].any():
            x, extra = x[:, :, : self.length], 0  # only padding beyond the model's length
        if extra < 0:
            raise DataError(
                f"model 'mlp': input length {x.shape[-1]} exceeds the model's length "
                f"{self.length}; crop sequences to {self.length} (--length) or use "
                "features='kmer'."
            )
        return torch.flatten(F.pad(x, (0, extra)), 1)

    def features(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """Representation before the head: the hidden layers on :meth:`inputs` (same arguments).

        Returns ``(batch, n_features)``.
        """
        return self.body(self.inputs(x, mask))

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """Raw outputs ``(batch, n_outputs)``: the head on :meth:`features` (no dropout first)."""
        return self.head(self.features(x, mask))
