"""The network of ``--task forecast``: per-site change and new-letter predictions for a season.

:class:`SiteForecaster` reads one season of a lineage as features per site
(:mod:`biodl.data.forecast_features`): it embeds each site's features, mixes neighbouring
sites with residual 1-D convolutions (so a change at a coupled neighbour can raise a site's
score), and gives per site

* the logit that the consensus letter changes next season, and
* logits over the new letter: a small network shared by every letter scores each letter
  from its own features (frequency now, before and its memory) and the site's context, with
  the current consensus letter ruled out.

It also carries ``history_weight``, which :func:`biodl.training.forecast.forecast_scores` (not
the forward pass, so training and early stopping see the network alone) multiplies by the
site's past change rate and adds to the change logit when it forecasts.

Examples
--------
>>> import torch
>>> net = SiteForecaster(n_site_features=10, n_letters=4, n_letter_features=3, hidden=8)
>>> out = net(torch.zeros(2, 30, 10), torch.zeros(2, 30, 4, 3), torch.zeros(2, 30).long())
>>> tuple(out.change.shape), tuple(out.letter.shape)
((2, 30), (2, 30, 4))
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

__all__ = ["ForecastOutput", "SiteForecaster"]


class ForecastOutput(NamedTuple):
    """Logits of :class:`SiteForecaster`.

    Attributes
    ----------
    change : (batch, sites) float
        Logit that the site's consensus changes next season.
    letter : (batch, sites, letters) float
        Logits of the new consensus letter (the current one at about -1e4).
    """

    change: torch.Tensor
    letter: torch.Tensor


class SiteForecaster(nn.Module):
    """Per-site forecast of the next season's consensus changes.

    Parameters
    ----------
    n_site_features : int
        Features per site.
    n_letters : int
        Letters of the alignment.
    n_letter_features : int
        Features per letter and site.
    hidden : int, default 32
        Width of the site embedding.
    kernel : int, default 5
        Sites seen by each convolution (odd).
    layers : int, default 2
        Residual convolution blocks.
    dropout : float, default 0.1
    history_weight : float, default 0.0
        Weight of the site's past change rate added to the change logit when forecasting
        (by :func:`biodl.training.forecast.forecast_scores`; the forward pass leaves it out).
        0 (the value of runs saved before it existed) forecasts with the network alone.
    """

    def __init__(
        self,
        *,
        n_site_features: int,
        n_letters: int,
        n_letter_features: int,
        hidden: int = 32,
        kernel: int = 5,
        layers: int = 2,
        dropout: float = 0.1,
        history_weight: float = 0.0,
    ):
        super().__init__()
        #: The constructor's arguments (saved beside the weights to rebuild the network).
        self.params = {
            "n_site_features": n_site_features,
            "n_letters": n_letters,
            "n_letter_features": n_letter_features,
            "hidden": hidden,
            "kernel": kernel,
            "layers": layers,
            "dropout": dropout,
            "history_weight": history_weight,
        }
        self.n_letters = n_letters
        self.history_weight = float(history_weight)
        self.embed = nn.Sequential(nn.Linear(n_site_features, hidden), nn.ReLU())
        self.blocks = nn.ModuleList(
            nn.Sequential(
                nn.Conv1d(hidden, hidden, kernel, padding=kernel // 2),
                nn.ReLU(),
                nn.Dropout(dropout),
            )
            for _ in range(layers)
        )
        self.change_head = nn.Linear(hidden, 1)
        # A letter is scored from its own features by one small network shared by every letter
        # and site (letter identities mean nothing across sites), shifted by the site context.
        self.letter_score = nn.Sequential(
            nn.Linear(n_letter_features + hidden, 16), nn.ReLU(), nn.Linear(16, 1)
        )

    def forward(
        self, site: torch.Tensor, letter: torch.Tensor, consensus: torch.Tensor
    ) -> ForecastOutput:
        """Forecast one season per batch row.

        Parameters
        ----------
        site : (batch, sites, n_site_features) float
        letter : (batch, sites, n_letters, n_letter_features) float
        consensus : (batch, sites) int
            Current consensus letter of each site.
        """
        h = self.embed(site).transpose(1, 2)  # (batch, hidden, sites)
        for block in self.blocks:
            h = h + block(h)
        h = h.transpose(1, 2)
        change = self.change_head(h).squeeze(-1)
        context = h.unsqueeze(2).expand(-1, -1, letter.shape[2], -1)
        logits = self.letter_score(torch.cat([letter, context], dim=-1)).squeeze(-1)
        current = nn.functional.one_hot(consensus, self.n_letters).bool()
        logits = logits.masked_fill(current, -1e4)
        return ForecastOutput(change=change, letter=logits)
