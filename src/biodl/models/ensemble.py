"""Several trained networks of one architecture as one model that averages their predictions.

``biodl train --ensemble N`` trains the same network from N seeds on the same split and keeps
them together as an :class:`Ensemble`: its output is the average of the members' predictions,
turned back into the form a single network's output has, so every later step (scores,
thresholds, the run directory, ``biodl predict``) treats it as one model.

Examples
--------
>>> import torch
>>> members = [torch.nn.Linear(3, 2) for _ in range(3)]
>>> model = Ensemble(members, combine="softmax")
>>> x = torch.randn(4, 3)
>>> mean = torch.stack([m(x).softmax(-1) for m in members]).mean(0)
>>> torch.allclose(model(x).softmax(-1), mean)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import torch
from torch import Tensor, nn

__all__ = ["COMBINE_FOR_LOSS", "CombineName", "Ensemble", "combine_for"]

CombineName = Literal["softmax", "sigmoid", "mean"]
#: How the members' outputs are averaged, by the loss they were trained with: class
#: probabilities for softmax outputs, label probabilities for sigmoid outputs, values otherwise.
COMBINE_FOR_LOSS: dict[str, CombineName] = {"cross_entropy": "softmax", "bce": "sigmoid"}

_EPS = 1e-7


def combine_for(loss: str) -> CombineName:
    """The averaging rule of outputs trained with ``loss`` ('mean' for regression losses).

    >>> combine_for("cross_entropy"), combine_for("mse")
    ('softmax', 'mean')
    """
    return COMBINE_FOR_LOSS.get(loss, "mean")


class Ensemble(nn.Module):
    """Average of the predictions of ``members`` (networks with the same inputs and outputs).

    Parameters
    ----------
    members : sequence of nn.Module
        Each called as ``member(*inputs)`` -> ``(batch, n_outputs)``.
    combine : {'softmax', 'sigmoid', 'mean'}, default 'mean'
        'softmax': the members' class probabilities are averaged and their logarithm is
        returned (its softmax is the average); 'sigmoid': the label probabilities are averaged
        and returned as logits; 'mean': the outputs themselves are averaged (regression).

    Attributes
    ----------
    members : nn.ModuleList
    n_features : int
        Width of :meth:`features`: the members' features side by side (0 when the members
        have no ``features``).
    """

    def __init__(self, members: Sequence[nn.Module], *, combine: CombineName = "mean") -> None:
        super().__init__()
        if not members:
            raise ValueError("an ensemble needs at least one member")
        self.members = nn.ModuleList(members)
        self.combine = combine
        self.n_features = sum(int(getattr(m, "n_features", 0)) for m in members)

    def forward(self, *inputs: Any) -> Tensor:
        """``(batch, n_outputs)``: the combined output (see ``combine``)."""
        outputs = torch.stack([member(*inputs) for member in self.members])
        if self.combine == "softmax":
            return outputs.softmax(-1).mean(0).clamp_min(_EPS).log()
        if self.combine == "sigmoid":
            return torch.logit(outputs.sigmoid().mean(0), eps=_EPS)
        return outputs.mean(0)

    def features(self, *inputs: Any) -> Tensor:
        """``(batch, n_features)``: every member's representation, concatenated."""
        return torch.cat([member.features(*inputs) for member in self.members], dim=-1)  # type: ignore[operator]
