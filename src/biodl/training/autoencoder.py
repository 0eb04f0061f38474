"""Train an autoencoder (AE, DAE, VAE) on the one Lightning path, one dense batch at a time.

The data stays as given (a dense array or a scipy CSR matrix); :class:`ExpressionBatches`
gathers the rows of one batch and densifies only those, so a sparse single-cell matrix is never
held dense in memory. The training step does what a hand-written loop does (forward, loss,
backward, step); losses are summed on the device and read once per epoch, so Lightning adds no
per-step synchronisation.

Examples
--------
>>> import numpy as np
>>> from biodl.models.autoencoder import AE
>>> from biodl.training.autoencoder import fit_autoencoder
>>> X = np.random.default_rng(0).normal(size=(64, 10)).astype("float32")
>>> fit = fit_autoencoder(AE(10, n_latent=2, hidden=(8,)), X, epochs=2, batch_size=16)
>>> list(fit.history.columns)
['epoch', 'train_loss', 'reconstruction', 'kl', 'kl_weight']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lightning as L
import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from biodl.data.dataset import BatchSampler
from biodl.models.autoencoder import AE
from biodl.training.trainer import TrainerOptions, run_fit

__all__ = ["AutoencoderFit", "AutoencoderTask", "ExpressionBatches", "fit_autoencoder"]


class ExpressionBatches(Dataset[torch.Tensor]):
    """Rows of a dense array or CSR matrix, served a whole batch at a time as float32.

    Indexing with an array of row indices returns a dense ``(len(index), n_genes)`` tensor;
    a sparse matrix is densified one batch at a time. Use with :func:`batches`.

    Parameters
    ----------
    X : ndarray or scipy sparse matrix (n_samples, n_genes)
    labels : (n_samples,) int array, optional
        Classes of a conditional model; batches are then ``(rows, labels)`` pairs.
    """

    def __init__(self, X: np.ndarray | sp.spmatrix | sp.sparray, labels: Any = None):
        if sp.issparse(X):
            self.X: Any = sp.csr_matrix(X, dtype=np.float32)  # no copy when already CSR f32
        else:
            self.X = np.ascontiguousarray(X, dtype=np.float32)
        self.labels = None if labels is None else torch.as_tensor(np.asarray(labels, np.int64))

    def __len__(self) -> int:
        return int(self.X.shape[0])

    def __getitem__(self, index: np.ndarray) -> Any:
        # Sorted rows: CSR slicing is fastest in order, and dense and sparse input then give
        # identical batches (the order inside a batch does not matter to the loss).
        order = np.sort(index)
        rows = self.X[order]
        if sp.issparse(rows):
            rows = rows.toarray()
        batch = torch.from_numpy(np.ascontiguousarray(rows))
        if self.labels is None:
            return batch
        return batch, self.labels[torch.from_numpy(order)]


def batches(
    data: ExpressionBatches, batch_size: int, *, shuffle: bool = False, seed: int = 0
) -> DataLoader[torch.Tensor]:
    """A ``DataLoader`` of whole dense batches (no per-row collation, no worker processes)."""
    sampler = BatchSampler(len(data), batch_size, shuffle=shuffle, seed=seed)
    return DataLoader(data, batch_size=None, sampler=sampler, collate_fn=_identity)  # type: ignore[arg-type]


def _identity(batch: torch.Tensor) -> torch.Tensor:
    return batch


class AutoencoderTask(L.LightningModule):
    """Trains an :class:`~biodl.models.autoencoder.AE` / DAE / VAE on its own loss with Adam.

    Parameters
    ----------
    model : AE, DAE or VAE
        Anything with ``loss(x, kl_weight) -> AutoencoderLoss``.
    lr : float, default 1e-3
    weight_decay : float, default 0.0
    kl_weight : float, default 1.0
        Final weight of the KL term (VAE).
    warmup_epochs : int, default 0
        The KL weight grows linearly from ``kl_weight / warmup_epochs`` in the first epoch to
        ``kl_weight`` at epoch ``warmup_epochs`` and stays there.
    """

    def __init__(
        self,
        model: nn.Module,
        *,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        kl_weight: float = 1.0,
        warmup_epochs: int = 0,
    ):
        super().__init__()
        self.model = model
        self.lr = lr
        self.weight_decay = weight_decay
        self.kl_weight = kl_weight
        self.warmup_epochs = warmup_epochs
        self.history: list[dict[str, float]] = []
        self._sums: torch.Tensor | None = None
        self._count = 0

    def current_kl_weight(self) -> float:
        """The KL weight of the current epoch (linear warm-up)."""
        if self.warmup_epochs <= 0:
            return self.kl_weight
        return self.kl_weight * min(1.0, (self.current_epoch + 1) / self.warmup_epochs)

    def on_train_epoch_start(self) -> None:
        self._sums = None
        self._count = 0
        self._epoch_kl = self.current_kl_weight()

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        if isinstance(batch, torch.Tensor):
            out = self.model.loss(batch, self._epoch_kl)  # type: ignore[operator]
        else:  # a conditional model: (rows, labels)
            batch, labels = batch
            out = self.model.loss(batch, self._epoch_kl, labels=labels)  # type: ignore[operator]
        parts = torch.stack([out.total, out.reconstruction, out.kl]).detach() * batch.shape[0]
        self._sums = parts if self._sums is None else self._sums + parts
        self._count += batch.shape[0]
        return out.total

    def on_train_epoch_end(self) -> None:
        if self._sums is None:
            return
        sums, count = self._sums, self._count
        if self.trainer.world_size > 1:  # each process saw its share of the batches
            both = torch.cat([sums, sums.new_tensor([count])])
            both = self.trainer.strategy.reduce(both, reduce_op="sum")
            sums, count = both[:3], int(both[3])
        total, recon, kl = (sums / max(count, 1)).tolist()
        self.history.append(
            {
                "epoch": self.current_epoch + 1,
                "train_loss": total,
                "reconstruction": recon,
                "kl": kl,
                "kl_weight": self._epoch_kl,
            }
        )

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.parameters(), lr=self.lr, weight_decay=self.weight_decay)


@dataclass
class AutoencoderFit:
    """What training produced.

    Attributes
    ----------
    model : nn.Module
        The trained model, in eval mode, on the CPU (float64 after ``precision='64-true'``).
    history : DataFrame
        One row per epoch: ``epoch``, ``train_loss``, ``reconstruction``, ``kl``, ``kl_weight``.
    seconds : float
        Wall-clock training time.
    device : str
        Where training ran, e.g. 'cpu' or 'cuda x2'.
    """

    model: nn.Module
    history: pd.DataFrame
    seconds: float
    device: str


def fit_autoencoder(
    model: AE,
    X: np.ndarray | sp.spmatrix | sp.sparray,
    *,
    labels: np.ndarray | None = None,
    epochs: int = 100,
    batch_size: int = 128,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    kl_weight: float = 1.0,
    warmup_epochs: int = 0,
    seed: int = 0,
    device: str = "auto",
    precision: str = "32-true",
    strategy: str = "auto",
    devices: int | str = 1,
    num_nodes: int = 1,
    progress: bool | None = False,
    callbacks: list[Any] | None = None,
) -> AutoencoderFit:
    """Train ``model`` on the rows of ``X`` for ``epochs`` epochs.

    Training runs on the one Lightning path (:func:`biodl.training.trainer.run_fit`), as
    supervised training does: the same device options, progress bar and Ctrl-C handling.

    Parameters
    ----------
    model : AE, DAE or VAE
    X : ndarray or scipy sparse matrix (n_samples, n_genes)
        Densified one batch at a time when sparse.
    labels : (n_samples,) int array, optional
        Classes ``0..K-1`` of a conditional model (``n_classes=K``).
    epochs : int, default 100
    batch_size : int, default 128
        Capped at the number of samples.
    lr, weight_decay : float
        Adam's learning rate and L2 weight decay.
    kl_weight : float, default 1.0
    warmup_epochs : int, default 0
        Linear KL warm-up (see :class:`AutoencoderTask`).
    seed : int, default 0
        Seeds the weights' training noise (shuffling, corruption, reparameterisation).
    device : {'auto', 'cpu', 'cuda'}, default 'auto'
        Where to train; 'auto' uses a GPU when there is one.
    precision : str, default '32-true'
        Lightning precision: '32-true', '16-mixed', 'bf16-mixed', '64-true'.
    strategy : str, default 'auto'
        Lightning strategy, e.g. 'ddp' or 'ddp_spawn' (with ``devices`` > 1).
    devices : int or 'auto', default 1
        Number of devices. One by default: 'auto' would spread training over every GPU of
        the machine.
    num_nodes : int, default 1
    progress : bool or None, default False
        Show Lightning's progress bar; None: only on an interactive terminal, unless
        BIODL_QUIET is set.
    callbacks : list of lightning Callback, optional
        Extra callbacks.

    Returns
    -------
    AutoencoderFit

    Raises
    ------
    RunInterrupted
        Ctrl-C or SIGTERM stopped training.
    """
    torch.manual_seed(seed)
    data = ExpressionBatches(X, labels)
    n = len(data)
    # A last batch of one sample breaks batch normalisation; fold it into the previous one.
    size = max(1, min(batch_size, n))
    if n % size == 1 and size > 1:
        size += 1
    task = AutoencoderTask(
        model, lr=lr, weight_decay=weight_decay, kl_weight=kl_weight, warmup_epochs=warmup_epochs
    )
    options = TrainerOptions(
        device=device, precision=precision, strategy=strategy, devices=devices, num_nodes=num_nodes
    )
    run = run_fit(
        task,
        batches(data, size, shuffle=True, seed=seed),
        max_epochs=epochs,
        options=options,
        progress=progress,
        callbacks=callbacks,
    )
    model.cpu().eval()
    return AutoencoderFit(model=model, history=run.history, seconds=run.seconds, device=run.device)
