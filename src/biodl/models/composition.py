"""Letter and letter-pair composition of one-hot sequences, fed beside a network's features.

The composition of a sequence is the share of each letter (amino-acid composition, AAC, for
proteins) and of each pair of neighbouring letters (dipeptide composition, DPC). They are the
classical features of short peptides (AntiCP 2.0's published model is an Extra-Trees forest on
the dipeptide composition); a convolution followed by global pooling can only approximate
them. :class:`Composition` computes them from the network's own one-hot input (padding never
counts), standardises them with a batch normalisation and returns them for the head, so a
model that uses it needs no extra input file or preprocessing.

Examples
--------
>>> import torch
>>> comp = Composition(4, "letters+pairs")
>>> comp.width
20
>>> x = torch.nn.functional.one_hot(torch.tensor([[0, 1, 0, 3]]), 4).float().transpose(1, 2)
>>> raw_composition(x, None, "letters+pairs")[0, :4].tolist()
[0.5, 0.25, 0.0, 0.25]
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor, nn

__all__ = ["COMPOSITIONS", "Composition", "CompositionName", "composition_width", "raw_composition"]

CompositionName = Literal["none", "letters", "letters+pairs"]
#: ``--set model.composition=...`` choices and their meaning.
COMPOSITIONS = {
    "none": "no composition features",
    "letters": "the share of each letter (amino-acid composition for proteins)",
    "letters+pairs": "the share of each letter and of each pair of neighbouring letters "
    "(amino-acid + dipeptide composition for proteins: C + C*C values)",
}


def composition_width(in_channels: int, how: str) -> int:
    """Number of composition values for ``in_channels`` letters.

    Examples
    --------
    >>> composition_width(20, "letters+pairs"), composition_width(20, "letters")
    (420, 20)
    """
    if how == "none":
        return 0
    if how == "letters":
        return in_channels
    if how == "letters+pairs":
        return in_channels + in_channels * in_channels
    raise ValueError(f"composition {how!r}: expected one of {', '.join(COMPOSITIONS)}")


def raw_composition(x: Tensor, mask: Tensor | None, how: str) -> Tensor:
    """Letter (and neighbouring-pair) shares of each sequence, padding excluded.

    Parameters
    ----------
    x : Tensor (batch, channels, length) float
        One-hot (or soft) sequences, zero at padded positions.
    mask : Tensor (batch, length) bool or None
        ``True`` at real positions; None when nothing is padded.
    how : {"letters", "letters+pairs"}
        What to compute.

    Returns
    -------
    Tensor (batch, composition_width(channels, how))
        Letter shares (summing to 1 for one-hot input), then pair shares (row-major
        ``first * channels + second``, summing to 1 for sequences of at least two letters).
    """
    if mask is None:
        length = torch.full((x.shape[0],), float(x.shape[-1]), device=x.device, dtype=x.dtype)
    else:
        x = x * mask.unsqueeze(1).to(x.dtype)
        length = mask.sum(dim=1).to(x.dtype)
    letters = x.sum(dim=-1) / length.clamp(min=1.0).unsqueeze(1)
    if how == "letters":
        return letters
    pairs = torch.einsum("bil,bjl->bij", x[:, :, :-1], x[:, :, 1:]).flatten(1)
    pairs = pairs / (length - 1.0).clamp(min=1.0).unsqueeze(1)
    return torch.cat([letters, pairs], dim=1)


class Composition(nn.Module):
    """Composition features of one-hot sequences, standardised for a network's head.

    Parameters
    ----------
    in_channels : int
        Letters of the one-hot input (20 for protein, 4 for DNA/RNA).
    how : {"none", "letters", "letters+pairs"}
        Which shares (see :data:`COMPOSITIONS`); "none" gives zero columns.

    Attributes
    ----------
    width : int
        Number of values per sequence.
    """

    def __init__(self, in_channels: int, how: str) -> None:
        super().__init__()
        self.how = how
        self.width = composition_width(in_channels, how)
        self.norm = nn.BatchNorm1d(self.width) if self.width else nn.Identity()

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """``(batch, width)`` standardised shares (an empty tensor for "none")."""
        if not self.width:
            return x.new_zeros((x.shape[0], 0))
        return self.norm(raw_composition(x, mask, self.how))
