"""A trained network of any kind as a differentiable function of one input tensor.

Every network of biodl is called as ``network(*batch.inputs)``. :func:`explainable` picks the
input that is attributed and keeps the others (masks, time gaps, lengths) fixed per example:

* sequences (:class:`biodl.training.task.SequenceNetwork`): the integer codes are expanded to
  one-hot ``(batch, letters, length)`` and the model is called on that, with the padding mask;
* a network with an ``attribution_input(*inputs) -> (x, forward)`` method chooses its own
  attributed input: graphs (:class:`biodl.kinds.graph.GraphNetwork`) attribute their node
  features, padded to ``(batch, max nodes, features)``, and ``forward(x, rows)`` rebuilds the
  graphs of ``rows`` from their real nodes and own edges;
* every other kind: the first input (expression ``(batch, genes)``, images
  ``(batch, c, h, w)``, series and records values) is attributed, the rest are kept.

The explained output is a log-odds or a raw output (:func:`explained_outputs`): the log-odds
of the positive class for a binary task, the logit of each class or label for multiclass and
multilabel tasks, the prediction of each target (in standardised units) for regression.
:func:`explain_batches` runs a method over many examples, in batches, with a progress bar.

Examples
--------
>>> import torch
>>> explained_outputs(torch.tensor([[0.0, 2.0]]), "cross_entropy", "binary")
tensor([[2.]])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from biodl.data.dataset import onehot
from biodl.interpret.attribution import Forward, attribute, occlusion, occlusion_window
from biodl.interpret.local_ism import LocalISM, local_ism
from biodl.interpret.mutagenesis import ism_attribution, mutagenesis
from biodl.interpret.shuffle import dinucleotide_shuffles
from biodl.options import AttributionOption
from biodl.training.task import SequenceNetwork

__all__ = [
    "BatchAttributions",
    "Explainable",
    "explain_batches",
    "explainable",
    "explained_names",
    "explained_outputs",
]


def explained_outputs(out: Tensor, loss: str, task: str) -> Tensor:
    """Raw network outputs -> the explained outputs ``(batch, k)`` (see the module docstring).

    A binary softmax network's two logits become one log-odds column (``logit1 - logit0``);
    a binary BCE network already has one.
    """
    if task == "binary" and loss == "cross_entropy" and out.shape[1] == 2:
        return (out[:, 1] - out[:, 0]).unsqueeze(1)
    return out


def explained_names(targets: dict[str, Any]) -> list[str]:
    """Names of the explained output columns, from a run's ``targets`` description."""
    task = targets["task"]
    if task == "binary":
        from biodl.data.targets import TargetEncoding

        return [f"log-odds of {TargetEncoding.from_dict(targets).positive}"]
    if task == "multiclass":
        return [str(c) for c in targets["classes"]]
    return [str(c) for c in targets["label_columns"]]


@dataclass
class Explainable:
    """One batch of a network's input, ready for the attribution methods.

    Attributes
    ----------
    x : Tensor (batch, ...)
        The attributed input (one-hot for sequences).
    forward : Forward
        ``forward(x_rows, rows) -> (m, k)`` explained outputs.
    codes : Tensor (batch, length) or None
        Sequences: the integer codes (0 = padding), for shuffled references.
    mask : Tensor (batch, length) bool or None
        Sequences: ``True`` at real positions (None: no padding).
    local : LocalISM or None
        Sequences on a network where receptive-field-limited ISM is exact
        (:func:`biodl.interpret.local_ism.local_ism`); None: full batched ISM.
    """

    x: Tensor
    forward: Forward
    codes: Tensor | None = None
    mask: Tensor | None = None
    local: LocalISM | None = None

    def mutagenesis(self, target: Tensor) -> Tensor:
        """ISM effects of this batch ``(batch, letters, length)``
        (:func:`biodl.interpret.mutagenesis.mutagenesis`), limited to the receptive field
        where that is exact.

        Raises
        ------
        ValueError
            For a network that does not read sequences.
        """
        if self.codes is None:
            raise ValueError("ism: in-silico mutagenesis needs a sequence model")
        if self.local is not None:
            return self.local(self.x, target, self.mask)
        return mutagenesis(self.forward, self.x, target)

    def references(self, n: int, *, seed: int = 0) -> Tensor:
        """``(n, batch, ...)`` references: dinucleotide shuffles of each sequence, or (other
        kinds) the other examples of the batch (zeros for a batch of one)."""
        if self.codes is not None:
            codes = self.codes.cpu().numpy()
            lengths = (codes != 0).sum(axis=1)
            shuffled = dinucleotide_shuffles(codes, lengths, n, seed=seed)
            table = self._table
            assert table is not None
            out = [onehot(torch.from_numpy(s).to(self.x.device), table) for s in shuffled]
            return torch.stack(out).to(self.x.dtype)
        if len(self.x) < 2:
            return torch.zeros((n, *self.x.shape), dtype=self.x.dtype, device=self.x.device)
        return torch.stack([self.x.roll(j % (len(self.x) - 1) + 1, 0) for j in range(n)])

    _table: Tensor | None = None


def _move(t: Tensor | None, device: torch.device) -> Tensor | None:
    return t.to(device) if t is not None else None


def explainable(
    network: nn.Module, inputs: Sequence[Tensor | None], *, loss: str, task: str
) -> Explainable:
    """The attributed input and the explained function of ``network`` on one batch.

    Parameters
    ----------
    network : nn.Module
        The run's network wrapper (``SavedModel.network``), in eval mode.
    inputs : sequence of tensors
        ``batch.inputs`` of the kind's dataset.
    loss, task : str
        The run's loss and task (``model.json``).
    """
    device = next(network.parameters()).device
    moved = [_move(t, device) for t in inputs]
    if isinstance(network, SequenceNetwork):
        codes, mask = moved[0], moved[1] if len(moved) > 1 else None
        assert codes is not None
        model = network.model

        def forward_seq(x: Tensor, rows: Tensor) -> Tensor:
            m = mask[rows] if mask is not None else None
            return explained_outputs(model(x, m), loss, task)

        x = onehot(codes, network.table)
        local = local_ism(model, lambda out: explained_outputs(out, loss, task))
        result = Explainable(x, forward_seq, codes, mask, local)
        result._table = network.table
        return result
    own = getattr(network, "attribution_input", None)
    if callable(own):  # graphs: padded node features
        x_own, raw = own(*moved)

        def forward_own(x: Tensor, rows: Tensor) -> Tensor:
            return explained_outputs(raw(x, rows), loss, task)

        return Explainable(x_own.float(), forward_own)
    first, rest = moved[0], moved[1:]
    assert first is not None

    def forward(x: Tensor, rows: Tensor) -> Tensor:
        others = [t[rows] if t is not None and t.dim() > 0 else t for t in rest]
        return explained_outputs(network(x, *others), loss, task)

    return Explainable(first.float(), forward)


@dataclass
class BatchAttributions:
    """Attributions of many examples, gathered batch by batch.

    Attributes
    ----------
    values : ndarray (n, ...) float32
        Attributions in the layout of the attributed input (sequences: ``(n, letters,
        length)``; ``ism``: importance at each sequence's own letter, see
        :func:`biodl.interpret.mutagenesis.ism_attribution`).
    inputs : ndarray (n, ...) float32
        The attributed inputs (one-hot sequences, pixels, preprocessed values).
    delta : ndarray (n,) or None
        Convergence deltas (integrated gradients, shap).
    effects : ndarray (n, letters, length) or None
        ``ism``: the effect of every single-letter change.
    outputs : ndarray (n,)
        The explained output of each example.
    """

    values: np.ndarray
    inputs: np.ndarray
    delta: np.ndarray | None
    effects: np.ndarray | None
    outputs: np.ndarray


def explain_batches(
    network: nn.Module,
    dataset: Any,
    index: np.ndarray,
    target: np.ndarray,
    *,
    method: AttributionOption,
    loss: str,
    task: str,
    steps: int = 50,
    references: int = 10,
    batch_size: int = 64,
    seed: int = 0,
    progress: bool = False,
) -> BatchAttributions:
    """Attributions of the rows ``index`` of ``dataset``, ``batch_size`` examples at a time.

    Memory is bounded by the batch (integration paths are cut into passes of at most
    :data:`biodl.interpret.attribution.MAX_ROWS` rows); only the results of each batch are
    kept, as float32.

    Parameters
    ----------
    network : nn.Module
        The run's network wrapper.
    dataset : Dataset
        The kind's whole-batch dataset: ``dataset[rows].inputs``.
    index : (n,) int
        Rows to explain.
    target : (n,) int
        Explained output column of each row (:func:`explained_outputs`).
    method : {'saliency', 'input_x_gradient', 'integrated_gradients', 'shap', 'ism', 'occlusion'}
    loss, task : str
    steps : int, default 50
    references : int, default 10
        ``shap``: references per example.
    batch_size : int, default 64
    seed : int, default 0
        Seed of the shuffled references.
    progress : bool, default False
        A progress bar on stderr.

    Raises
    ------
    ValueError
        For ``ism`` on a network that does not read sequences, ``occlusion`` on inputs that
        are not images.
    """
    from tqdm.auto import tqdm

    was_training = network.training
    network.eval()
    chunks: dict[str, list[np.ndarray]] = {"values": [], "inputs": [], "delta": [], "effects": []}
    outputs = []
    starts = range(0, len(index), batch_size)
    try:
        for first in tqdm(starts, desc=f"{method}", disable=not progress, unit="batch"):
            rows = np.asarray(index[first : first + batch_size])
            batch = dataset[rows]
            ex = explainable(network, batch.inputs, loss=loss, task=task)
            tgt = torch.as_tensor(target[first : first + batch_size], device=ex.x.device)
            with torch.no_grad():
                out = ex.forward(ex.x, torch.arange(len(rows), device=ex.x.device))
                outputs.append(out.gather(1, tgt.view(-1, 1))[:, 0].cpu().numpy())
            if method == "ism":
                effects = ex.mutagenesis(tgt)
                chunks["effects"].append(effects.cpu().numpy().astype(np.float32))
                values = ism_attribution(effects, ex.x)
            elif method == "occlusion":
                if ex.x.dim() != 4:
                    raise ValueError("occlusion is for images (batch, channels, height, width)")
                window, stride = occlusion_window(tuple(ex.x.shape[1:]))
                values = occlusion(ex.forward, ex.x, tgt, window=window, stride=stride).values
            else:
                refs = ex.references(references, seed=seed + first) if method == "shap" else None
                result = attribute(method, ex.forward, ex.x, tgt, steps=steps, references=refs)
                values = result.values
                if result.delta is not None:
                    chunks["delta"].append(result.delta.detach().cpu().numpy())
            chunks["values"].append(values.detach().cpu().numpy().astype(np.float32))
            chunks["inputs"].append(ex.x.detach().cpu().numpy().astype(np.float32))
    finally:
        network.train(was_training)

    def joined(name: str) -> np.ndarray | None:
        parts = chunks[name]
        if not parts:
            return None
        if parts[0].ndim < 3:
            return np.concatenate(parts)
        # sequences (letters, length) and graphs (nodes, features) are padded per batch: pad
        # every axis after the first to its largest size
        shape = [max(p.shape[axis] for p in parts) for axis in range(1, parts[0].ndim)]
        pad = [
            np.pad(p, [(0, 0)] + [(0, w - n) for w, n in zip(shape, p.shape[1:], strict=True)])
            for p in parts
        ]
        return np.concatenate(pad)

    all_values, all_inputs = joined("values"), joined("inputs")
    assert all_values is not None and all_inputs is not None
    return BatchAttributions(
        values=all_values,
        inputs=all_inputs,
        delta=joined("delta"),
        effects=joined("effects"),
        outputs=np.concatenate(outputs) if outputs else np.zeros(0),
    )
