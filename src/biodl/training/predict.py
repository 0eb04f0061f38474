"""Prediction: a plain ``torch.inference_mode`` loop over whole batches (no Lightning).

Examples
--------
See :func:`biodl.predict`; this is the loop inside it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from biodl.data.dataset import loader
from biodl.training.losses import to_scores


def predict_scores(
    network: nn.Module,
    data: Dataset[Any],
    *,
    loss: str,
    task: str,
    batch_size: int = 512,
    device: str = "cpu",
    target_scale: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Scores for every example of ``data``, in order.

    Parameters
    ----------
    network : nn.Module
        Called as ``network(*batch.inputs)``.
    data : Dataset
        A whole-batch dataset (e.g. :class:`biodl.data.dataset.EncodedSequences`).
    loss, task : str
        Decide how raw outputs become scores (see :func:`biodl.training.losses.to_scores`).
    batch_size : int, default 512
    device : str, default 'cpu'
    target_scale : (mean, std), optional
        Undo the standardisation of regression targets.

    Returns
    -------
    (n, n_scores) float64 array
        Class probabilities (binary: two columns), label probabilities, or predictions.
    """
    network = network.to(device).eval()
    chunks = []
    with torch.inference_mode():
        for batch in loader(data, batch_size):
            inputs = [t.to(device) if t is not None else None for t in batch.inputs]
            out = network(*inputs)
            chunks.append(to_scores(out.float(), loss, task).cpu())
    if not chunks:
        head = network.model.head  # type: ignore[union-attr]
        assert isinstance(head, torch.nn.Linear)
        return np.zeros((0, 2 if task == "binary" else head.out_features))
    scores = torch.cat(chunks).numpy().astype(np.float64)
    if target_scale is not None:
        mean, std = target_scale
        scores = scores * std + mean
    return scores
