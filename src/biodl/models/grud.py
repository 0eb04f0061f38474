"""GRU-D: a GRU with learned decay for irregularly observed multivariate series (Che et al. 2018).

Che, Purushotham, Cho, Sontag and Liu, "Recurrent Neural Networks for Multivariate Time Series
with Missing Values", Scientific Reports 8, 6085 (2018). Three ideas beside a plain GRU:

- input decay: a missing value is replaced by a mix of the last observed value and the
  empirical mean, ``x_hat = m x + (1 - m) (g_x x_last + (1 - g_x) x_mean)`` with
  ``g_x = exp(-relu(w_x * delta + b_x))`` learned per variable (diagonal);
- hidden-state decay: ``h <- g_h * h`` with ``g_h = exp(-relu(W_h delta + b_h))`` before every
  step, so the state fades while nothing is observed;
- the mask is an input: the gates see ``[x_hat, m]``.

Inputs are normalised so that the empirical (training) mean is 0 (see
:mod:`biodl.data.timegrid`); ``x_mean`` is then 0. Static covariates, when given, are
concatenated to the final hidden state before the head.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["GRUD"]


class GRUD(nn.Module):
    """GRU-D classifier / regressor over gridded irregular series.

    Parameters
    ----------
    in_channels : int
        Number of variables ``V``.
    n_outputs : int
        Width of the output.
    n_statics : int, default 0
        Width of the static covariate vector fed beside the sequence.
    hidden_size : int, default 64
        GRU units.
    dropout : float, default 0.3
        Dropout on the features before the head.
    delta_scale : float, default 24.0
        ``delta`` (hours) is divided by this before the decay layers (24: days).

    Attributes
    ----------
    n_features : int
        ``hidden_size + n_statics``.
    head : nn.Linear
        ``n_features -> n_outputs``.

    Examples
    --------
    >>> import torch
    >>> model = GRUD(in_channels=3, n_outputs=1, n_statics=2, hidden_size=8)
    >>> values, mask = torch.zeros(4, 10, 3), torch.ones(4, 10, 3)
    >>> delta, lengths = torch.ones(4, 10, 3), torch.tensor([10, 7, 3, 1])
    >>> tuple(model(values, mask, delta, lengths, torch.zeros(4, 2)).shape)
    (4, 1)
    """

    def __init__(
        self,
        *,
        in_channels: int,
        n_outputs: int,
        n_statics: int = 0,
        hidden_size: int = 64,
        dropout: float = 0.3,
        delta_scale: float = 24.0,
    ) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.delta_scale = delta_scale
        self.input_decay_weight = nn.Parameter(torch.full((in_channels,), 0.1))
        self.input_decay_bias = nn.Parameter(torch.zeros(in_channels))
        self.hidden_decay = nn.Linear(in_channels, hidden_size)
        self.cell = nn.GRUCell(2 * in_channels, hidden_size)
        self.n_features = hidden_size + n_statics
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.n_features, n_outputs)

    def features(
        self,
        values: Tensor,
        mask: Tensor,
        delta: Tensor,
        lengths: Tensor | None = None,
        statics: Tensor | None = None,
    ) -> Tensor:
        """Final hidden state (at each record's true last step), statics appended.

        Parameters
        ----------
        values, mask, delta : Tensor (batch, steps, V) float
            Normalised values (0 = training mean where unobserved), 0/1 observation mask,
            hours since the previous observation.
        lengths : Tensor (batch,) int, optional
            Real steps per record (a prefix); default all ``steps``.
        statics : Tensor (batch, n_statics), optional

        Returns
        -------
        Tensor (batch, n_features)
        """
        batch, steps, _ = values.shape
        d = delta / self.delta_scale
        gamma_x = torch.exp(-torch.relu(d * self.input_decay_weight + self.input_decay_bias))
        gamma_h = torch.exp(-torch.relu(self.hidden_decay(d)))
        h = values.new_zeros(batch, self.hidden_size)
        x_last = values.new_zeros(batch, values.shape[2])
        observed = values * mask
        for t in range(steps):
            m = mask[:, t]
            x_hat = observed[:, t] + (1 - m) * gamma_x[:, t] * x_last
            h_new = self.cell(torch.cat([x_hat, m], dim=1), gamma_h[:, t] * h)
            if lengths is not None:
                h_new = torch.where((lengths > t).unsqueeze(1), h_new, h)
            h = h_new
            x_last = observed[:, t] + (1 - m) * x_last
        if statics is not None and statics.shape[1]:
            h = torch.cat([h, statics], dim=1)
        return h

    def forward(
        self,
        values: Tensor,
        mask: Tensor,
        delta: Tensor,
        lengths: Tensor | None = None,
        statics: Tensor | None = None,
    ) -> Tensor:
        """Raw outputs (logits or regression values), shape ``(batch, n_outputs)``.

        Parameters are those of :meth:`features`.
        """
        return self.head(self.dropout(self.features(values, mask, delta, lengths, statics)))
