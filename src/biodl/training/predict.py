"""Prediction: a plain ``torch.inference_mode`` loop over whole batches (no Lightning).

Examples
--------
See :func:`biodl.predict`; this is the loop inside it.
"""

from __future__ import annotations

import numpy as np
import torch

from biodl.data.dataset import EncodedSequences, loader
from biodl.training.losses import to_scores
from biodl.training.task import SequenceNetwork


def predict_scores(
    network: SequenceNetwork,
    data: EncodedSequences,
    *,
    loss: str,
    task: str,
    batch_size: int = 512,
    device: str = "cpu",
    target_scale: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Scores for every sequence of ``data``, in order.

    Parameters
    ----------
    network : SequenceNetwork
    data : EncodedSequences
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
            mask = batch.mask.to(device) if batch.mask is not None else None
            out = network(batch.codes.to(device), mask)
            chunks.append(to_scores(out.float(), loss, task).cpu())
    if not chunks:
        head = network.model.head
        assert isinstance(head, torch.nn.Linear)
        return np.zeros((0, 2 if task == "binary" else head.out_features))
    scores = torch.cat(chunks).numpy().astype(np.float64)
    if target_scale is not None:
        mean, std = target_scale
        scores = scores * std + mean
    return scores
