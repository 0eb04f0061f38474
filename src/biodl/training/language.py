"""Training a language model: windows of letters, the next-/masked-letter loss, perplexity.

**Windows.** Every sequence is cut into consecutive, non-overlapping windows of ``context``
letters (a chunk stream: letter ``i`` of a sequence goes to window ``i // context``); the last,
shorter window of a sequence and sequences shorter than ``context`` are padded with code 0 on
the right. Every letter is thus predicted exactly once, and padding is never counted. A window
is read on its own: the letters of the window before it are not seen (the Markov baseline,
:mod:`biodl.evaluation.markov`, reads the same windows).

**Losses.** ``causal``: cross-entropy of every plain letter given the letters before it in its
window. ``masked`` (BERT): 15 % of the plain letters of a window are chosen; of those 80 %
are replaced by the mask code, 10 % by a random letter and 10 % kept; the loss is the
cross-entropy at the chosen positions. Ambiguity codes (``N``, ``X``) are read as input but
never predicted. Validation reports ``valid_loss`` (mean negative log-likelihood per letter,
nats) and ``valid_perplexity`` (``exp`` of it) every epoch; masked validation uses the same
seeded choice of positions every epoch.

Examples
--------
>>> import numpy as np
>>> windows_of([np.array([1, 2, 3, 4, 1])], 2).tolist()
[[1, 2], [3, 4], [1, 0]]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import lightning as L
import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F
from torch.utils.data import Dataset

from biodl.training.optim import lightning_optimizers

__all__ = [
    "MASK_FRACTION",
    "LanguageTask",
    "Windows",
    "letter_targets",
    "mask_letters",
    "sequence_log_likelihood",
    "windows_of",
]

#: Share of the letters a masked language model predicts per window.
MASK_FRACTION = 0.15


def windows_of(sequences: Sequence[np.ndarray], context: int) -> np.ndarray:
    """Cut code arrays into ``(n_windows, context)`` windows, right-padded with 0.

    Parameters
    ----------
    sequences : sequence of 1-D int arrays
        Alphabet codes of each sequence (no 0).
    context : int
        Letters per window.
    """
    rows: list[np.ndarray] = []
    for seq in sequences:
        seq = np.asarray(seq, dtype=np.int64)
        for start in range(0, max(len(seq), 1), context):
            row = np.zeros(context, dtype=np.int64)
            piece = seq[start : start + context]
            row[: len(piece)] = piece
            rows.append(row)
    if not rows:
        return np.zeros((0, context), dtype=np.int64)
    return np.stack(rows)


class Windows(Dataset[Tensor]):
    """Whole-batch dataset of windows: ``data[index_array]`` is a ``(batch, context)`` tensor."""

    def __init__(self, windows: np.ndarray) -> None:
        self.windows = torch.as_tensor(np.asarray(windows, dtype=np.int64))

    def __len__(self) -> int:
        return int(self.windows.shape[0])

    def __getitem__(self, index: Any) -> Tensor:
        return self.windows[torch.as_tensor(index, dtype=torch.long)]


def letter_targets(codes: Tensor, n_letters: int) -> Tensor:
    """Letter index to predict at each position; ``-100`` (ignored) at padding and ambiguity
    codes."""
    plain = (codes >= 1) & (codes <= n_letters)
    return torch.where(plain, codes - 1, torch.full_like(codes, -100))


def mask_letters(
    codes: Tensor, n_letters: int, mask_code: int, generator: torch.Generator | None = None
) -> tuple[Tensor, Tensor]:
    """BERT masking: the input with 15 % of the plain letters hidden (80/10/10) and the
    targets (``-100`` except at the chosen positions)."""
    targets = letter_targets(codes, n_letters)
    device = codes.device
    draw = torch.rand(codes.shape, generator=generator).to(device)
    chosen = (draw < MASK_FRACTION) & (targets >= 0)
    how = torch.rand(codes.shape, generator=generator).to(device)
    random_letters = torch.randint(1, n_letters + 1, codes.shape, generator=generator).to(device)
    inputs = torch.where(chosen & (how < 0.8), torch.full_like(codes, mask_code), codes)
    inputs = torch.where(chosen & (how >= 0.8) & (how < 0.9), random_letters, inputs)
    return inputs, torch.where(chosen, targets, torch.full_like(targets, -100))


def sequence_log_likelihood(model: Any, codes: Tensor) -> Tensor:
    """Causal model: log-likelihood (nats) of each row of ``codes`` from one pass, summed over
    its plain letters."""
    targets = letter_targets(codes.long(), int(model.n_letters))
    logp = F.log_softmax(model(codes).float(), dim=-1)
    picked = logp.gather(2, targets.clamp(min=0).unsqueeze(2)).squeeze(2)
    return (picked * (targets >= 0)).sum(dim=1)


class LanguageTask(L.LightningModule):
    """Next-letter or masked-letter training of a :class:`~biodl.models.language.LanguageModel`.

    Parameters
    ----------
    network : LanguageModel
    optimizer, lr, momentum, nesterov, weight_decay, scheduler, epochs
        As for :class:`biodl.training.task.SupervisedTask`.
    seed : int, default 0
        Seeds the masked objective's validation positions.
    """

    def __init__(
        self,
        network: torch.nn.Module,
        *,
        optimizer: str = "adam",
        lr: float = 1e-3,
        momentum: float = 0.9,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        scheduler: str = "none",
        epochs: int = 1,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.network = network
        self.optimizer_name = optimizer
        self.lr = lr
        self.momentum = momentum
        self.nesterov = nesterov
        self.weight_decay = weight_decay
        self.scheduler_name = scheduler
        self.epochs = epochs
        self.seed = seed
        self._sums = {"train": torch.zeros(()), "valid": torch.zeros(())}
        self._counts = {"train": torch.zeros(()), "valid": torch.zeros(())}
        self._valid_generator: torch.Generator | None = None
        self._valid_logs: dict[str, float] = {}
        #: One dict per epoch: epoch, train_loss, valid_loss, valid_perplexity, lr.
        self.history: list[dict[str, float]] = []

    def _loss(self, codes: Tensor, part: str) -> Tensor:
        net: Any = self.network
        if net.objective == "masked":
            generator = self._valid_generator if part == "valid" else None
            inputs, targets = mask_letters(codes, net.n_letters, net.mask_code, generator)
        else:
            inputs, targets = codes, letter_targets(codes, net.n_letters)
        logits = self.network(inputs)
        total = F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]).float(),
            targets.reshape(-1),
            ignore_index=-100,
            reduction="sum",
        )
        count = (targets >= 0).sum()
        self._sums[part] = self._sums[part].to(total.device) + total.detach()
        self._counts[part] = self._counts[part].to(total.device) + count
        return total / count.clamp(min=1)

    def forward(self, codes: Tensor) -> Tensor:
        out: Tensor = self.network(codes)
        return out

    def training_step(self, batch: Tensor, batch_idx: int) -> Tensor:
        return self._loss(batch, "train")

    def _mean(self, part: str) -> Tensor:
        mean = self._sums[part] / self._counts[part].clamp(min=1)
        self._sums[part] = torch.zeros((), device=mean.device)
        self._counts[part] = torch.zeros((), device=mean.device)
        return mean

    def on_train_epoch_end(self) -> None:
        mean = self._mean("train")
        self.log("train_loss", mean, prog_bar=True, sync_dist=True)
        lr = self.trainer.optimizers[0].param_groups[0]["lr"] if self.trainer.optimizers else 0.0
        row = {"epoch": self.current_epoch + 1, "train_loss": float(mean), "lr": float(lr)}
        row.update(self._valid_logs)
        self.history.append(row)
        self._valid_logs = {}

    def on_validation_epoch_start(self) -> None:
        self._valid_generator = torch.Generator().manual_seed(self.seed)

    def validation_step(self, batch: Tensor, batch_idx: int) -> None:
        self._loss(batch, "valid")

    def on_validation_epoch_end(self) -> None:
        if float(self._counts["valid"]) == 0:
            return
        mean = self._mean("valid")
        perplexity = math.exp(min(float(mean), 700.0))
        self.log_dict(
            {"valid_loss": mean, "valid_perplexity": torch.tensor(perplexity)},
            sync_dist=True,
        )
        self._valid_logs = {"valid_loss": float(mean), "valid_perplexity": perplexity}

    def configure_optimizers(self) -> Any:
        return lightning_optimizers(
            [{"params": list(self.network.parameters())}],
            self.trainer,
            optimizer=self.optimizer_name,
            lr=self.lr,
            momentum=self.momentum,
            nesterov=self.nesterov,
            weight_decay=self.weight_decay,
            scheduler=self.scheduler_name,
            epochs=self.epochs,
        )
