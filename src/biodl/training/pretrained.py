"""Pretrained weights: read them from an earlier run or a weights file, and load them into a model.

Weights come from one of three places, told apart by what ``source`` is:

* a **biodl run directory** (or its ``model/`` folder): ``model/weights.safetensors`` plus
  ``model/model.json``, which also says which model and targets the weights were trained on;
* a **safetensors file** (``*.safetensors``): plain tensors, no code;
* a **PyTorch state dict** (any other file, e.g. ``*.pt``/``*.pth``/``*.ckpt``), read with
  ``torch.load(..., weights_only=True)`` only: tensors and plain containers are accepted,
  anything needing arbitrary unpickling is refused.

Key mapping (so weights saved by other code, e.g. an ImageNet ResNet, find their places):

1. nesting: a checkpoint whose values are not tensors is descended through ``state_dict``,
   ``model_state_dict``, ``model``, ``network``, ``net`` or ``weights``;
2. prefixes ``module.`` (DataParallel/DDP), ``model.``, ``network.`` and ``_orig_mod.``
   (``torch.compile``) are removed while every key carries one and the model has no key
   starting with it;
3. ``fc.*`` (torchvision's classifier) becomes ``head.*`` (biodl's last layer);
4. a tensor whose shape differs from the model's only in the input-channel axis (axis 1 of a
   convolution weight) is adapted: RGB (3) -> greyscale (1) sums the three filters over that
   axis (a grey image ``g`` seen as RGB ``(g, g, g)`` gives the same response), greyscale (1)
   -> RGB (3) repeats the filter divided by 3;
5. the head (``head.*``) is loaded only when it fits: same shape and, for a run directory,
   the same targets (classes / label columns); otherwise it keeps its fresh initialisation and
   the report says so.

Everything else that does not fit (missing keys, unexpected keys, other shape mismatches) is
listed in the :class:`LoadReport`; when no weight of the model's body is loaded a
:class:`~biodl.errors.ConfigError` names example keys of both sides. What is trained after
loading (freezing, the body's learning rate) is :mod:`biodl.training.transfer`.

Examples
--------
>>> import torch
>>> from torch import nn
>>> net = nn.Sequential()
>>> net.add_module("conv1", nn.Conv2d(3, 4, 3)); net.add_module("head", nn.Linear(4, 2))
>>> mapped, notes = map_keys({"module.conv1.weight": torch.zeros(4, 3, 3, 3),
...                           "module.fc.weight": torch.zeros(10, 4)}, net)
>>> sorted(mapped), notes
(['conv1.weight', 'head.weight'], ["removed prefix 'module.'", "renamed 'fc.*' to 'head.*'"])
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
from torch import nn

from biodl.errors import BiodlWarning, ConfigError

__all__ = [
    "HEAD",
    "LoadReport",
    "SourceWeights",
    "TransferWarning",
    "check_language_source",
    "load_initial_weights",
    "map_keys",
    "read_weights",
    "source_model",
]

SourceKind = Literal["run", "safetensors", "torch"]
NESTING_KEYS = ("state_dict", "model_state_dict", "model", "network", "net", "weights")
PREFIXES = ("module.", "model.", "network.", "_orig_mod.")
HEAD = "head"


class TransferWarning(BiodlWarning):
    """Some pretrained weights did not fit the model and keep their fresh initialisation."""


@dataclass
class SourceWeights:
    """Tensors read from a weights source, before key mapping.

    Attributes
    ----------
    path : str
        The file the tensors came from.
    kind : {'run', 'safetensors', 'torch'}
    state : dict of str to Tensor
    info : dict or None
        The source run's ``model.json`` (kind 'run' only).
    """

    path: str
    kind: SourceKind
    state: dict[str, torch.Tensor]
    info: dict[str, Any] | None = None


@dataclass
class LoadReport:
    """What :func:`load_initial_weights` did, key by key.

    Attributes
    ----------
    source : str
        The weights file.
    kind : {'run', 'safetensors', 'torch'}
    source_model : str or None
        Model name of the source run.
    loaded : list of str
        Model keys that received a pretrained tensor (adapted ones included).
    adapted : list of str
        Keys whose input-channel axis was adapted (RGB <-> greyscale).
    missing : list of str
        Model keys with no tensor in the source (they keep their fresh initialisation).
    unexpected : list of str
        Source keys (after mapping) that name nothing in the model.
    mismatched : list of [key, source shape, model shape]
        Keys present on both sides with shapes that cannot be adapted.
    head : {'loaded', 'reinitialised'}
    head_reason : str
        Why the head was re-initialised ('' when loaded).
    mapping : list of str
        Key-mapping steps applied ("removed prefix 'module.'", ...).
    """

    source: str
    kind: SourceKind
    source_model: str | None = None
    loaded: list[str] = field(default_factory=list)
    adapted: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    mismatched: list[list[Any]] = field(default_factory=list)
    head: Literal["loaded", "reinitialised"] = "reinitialised"
    head_reason: str = ""
    mapping: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, as saved in ``model.json`` and ``metrics.json``."""
        return asdict(self)

    def summary(self) -> str:
        """One sentence for logs and the report."""
        text = (
            f"loaded {len(self.loaded)} tensors from {self.source}"
            + (f" ({len(self.adapted)} adapted to the input channels)" if self.adapted else "")
            + f"; head {self.head}"
            + (f" ({self.head_reason})" if self.head_reason else "")
        )
        skipped = [
            f"{len(self.missing)} missing",
            f"{len(self.mismatched)} shape-mismatched",
            f"{len(self.unexpected)} unused",
        ]
        return text + "; " + ", ".join(skipped)


def read_weights(source: str | os.PathLike[str]) -> SourceWeights:
    """Read the tensors of a run directory, a safetensors file or a PyTorch state dict.

    Parameters
    ----------
    source : path
        A biodl run directory (or its ``model/`` folder), a ``.safetensors`` file, or a file
        written by ``torch.save(state_dict)``.

    Raises
    ------
    ConfigError
        When the path does not exist, is a folder that is not a biodl run, or the file is not
        a state dict (including files that ``weights_only=True`` refuses to unpickle).
    """
    path = Path(source)
    if path.is_dir():
        return _read_run(path)
    if not path.is_file():
        raise ConfigError(f"--init-from {path}: no such run directory or weights file")
    if path.suffix == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            return SourceWeights(str(path), "safetensors", load_file(str(path)))
        except (SafetensorError, OSError) as err:
            raise ConfigError(
                f"--init-from {path}: not a readable safetensors file ({err})"
            ) from err
    try:
        raw = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # pickle errors come in many types
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConfigError(
            f"--init-from {path}: not a plain PyTorch state dict readable with "
            f"weights_only=True ({first[:200]}); save it with torch.save(model.state_dict(), "
            "path) or convert it to .safetensors"
        ) from err
    return SourceWeights(str(path), "torch", _unnest(raw, path))


def _read_run(path: Path) -> SourceWeights:
    from safetensors.torch import load_file

    for folder in (path / "model", path):
        weights, info = folder / "weights.safetensors", folder / "model.json"
        if weights.is_file() and info.is_file():
            try:
                meta = json.loads(info.read_text(encoding="utf-8"))
            except json.JSONDecodeError as err:
                raise ConfigError(f"{info}: not valid JSON ({err.msg}, line {err.lineno})") from err
            return SourceWeights(str(weights), "run", load_file(str(weights)), meta)
    raise ConfigError(
        f"--init-from {path}: a folder but not a biodl run directory (no model/weights.safetensors "
        "and model/model.json); pass the --out folder of a finished `biodl train`"
    )


def _unnest(raw: Any, path: Path) -> dict[str, torch.Tensor]:
    """Descend checkpoint nesting to the dict of tensors; drop non-tensor entries."""
    while isinstance(raw, dict) and not any(isinstance(v, torch.Tensor) for v in raw.values()):
        inner = next((raw[k] for k in NESTING_KEYS if isinstance(raw.get(k), dict)), None)
        if inner is None:
            break
        raw = inner
    if isinstance(raw, nn.Module):  # pragma: no cover - weights_only refuses modules
        raw = raw.state_dict()
    tensors = (
        {str(k): v for k, v in raw.items() if isinstance(v, torch.Tensor)}
        if isinstance(raw, dict)
        else {}
    )
    if not tensors:
        found = ", ".join(map(str, list(raw)[:5])) if isinstance(raw, dict) else type(raw).__name__
        raise ConfigError(
            f"--init-from {path}: holds no tensors (found: {found or 'nothing'}); expected a "
            "state dict, e.g. written by torch.save(model.state_dict(), path)"
        )
    return tensors


def map_keys(
    state: dict[str, torch.Tensor], model: nn.Module
) -> tuple[dict[str, torch.Tensor], list[str]]:
    """Rename source keys to the model's: strip wrapper prefixes, ``fc.*`` -> ``head.*``.

    Parameters
    ----------
    state : dict of str to Tensor
    model : nn.Module
        The target model (its ``state_dict`` keys decide which prefixes are wrappers).

    Returns
    -------
    (dict of str to Tensor, list of str)
        The renamed tensors and the mapping steps applied, for the report.
    """
    target = set(model.state_dict())
    notes: list[str] = []
    changed = True
    while changed and state:
        changed = False
        for prefix in PREFIXES:
            if all(k.startswith(prefix) for k in state) and not any(
                k.startswith(prefix) for k in target
            ):
                state = {k[len(prefix) :]: v for k, v in state.items()}
                notes.append(f"removed prefix {prefix!r}")
                changed = True
    if any(k.startswith("fc.") for k in state) and not any(k.startswith("fc.") for k in target):
        state = {(HEAD + k[2:] if k.startswith("fc.") else k): v for k, v in state.items()}
        notes.append("renamed 'fc.*' to 'head.*'")
    return state, notes


def _adapt_channels(source: torch.Tensor, shape: torch.Size) -> torch.Tensor | None:
    """RGB <-> greyscale adaptation of a convolution weight's input-channel axis, or None."""
    if source.ndim < 3 or source.ndim != len(shape) or source.shape[0] != shape[0]:
        return None
    if source.shape[2:] != shape[2:]:
        return None
    if source.shape[1] == 3 and shape[1] == 1:
        return source.sum(dim=1, keepdim=True)
    if source.shape[1] == 1 and shape[1] == 3:
        return source.repeat(1, 3, *([1] * (source.ndim - 2))) / 3
    return None


def _same_targets(info: dict[str, Any] | None, targets: dict[str, Any] | None) -> bool | None:
    if info is None or targets is None or "targets" not in info:
        return None
    keys = ("task", "classes", "label_columns")
    return all(info["targets"].get(k) == targets.get(k) for k in keys)


def load_initial_weights(
    model: nn.Module,
    source: str | os.PathLike[str] | SourceWeights,
    *,
    targets: dict[str, Any] | None = None,
) -> LoadReport:
    """Copy pretrained tensors into ``model`` in place, following the documented key mapping.

    Parameters
    ----------
    model : nn.Module
        A biodl model (its last layer is ``model.head``), freshly initialised.
    source : path or SourceWeights
        See :func:`read_weights`.
    targets : dict, optional
        The new task's ``TargetEncoding.to_dict()``: a source run trained on other classes or
        label columns gets its head re-initialised even when the shapes fit.

    Returns
    -------
    LoadReport

    Raises
    ------
    ConfigError
        When no tensor of the model's body can be loaded (example keys of both sides named).
    """
    weights = source if isinstance(source, SourceWeights) else read_weights(source)
    mapped, notes = map_keys(weights.state, model)
    own = model.state_dict()
    info = weights.info
    report = LoadReport(
        source=weights.path,
        kind=weights.kind,
        source_model=info.get("model") if info else None,
        mapping=notes,
    )
    same = _same_targets(info, targets)
    update: dict[str, torch.Tensor] = {}
    head_keys = [k for k in own if k.startswith(HEAD + ".")]
    for key, tensor in own.items():
        if key in head_keys:
            continue
        if key not in mapped:
            report.missing.append(key)
            continue
        value = mapped[key]
        if value.shape != tensor.shape:
            value = _adapt_channels(value, tensor.shape)  # type: ignore[assignment]
            if value is None:
                report.mismatched.append([key, list(mapped[key].shape), list(tensor.shape)])
                continue
            report.adapted.append(key)
        update[key] = value.to(tensor.dtype)
        report.loaded.append(key)
    if not update:
        raise ConfigError(
            f"--init-from {weights.path}: no weight fits this model's body; model keys look like "
            f"{_examples(k for k in own if k not in head_keys)}, the file's like "
            f"{_examples(iter(mapped))}"
            + (
                f" (first mismatch: {_mismatch_text(report.mismatched[0])})"
                if report.mismatched
                else ""
            )
            + "; use the same --model and hyperparameters as the source"
        )
    head_fits = bool(head_keys) and all(
        k in mapped and mapped[k].shape == own[k].shape for k in head_keys
    )
    if info is not None and info.get("task") == "language-model":
        report.head_reason = (
            "the source is a language model: its letter head (letters.*) predicts letters, "
            "not this task's targets"
        )
    elif not head_fits:
        sizes = [list(mapped[k].shape) for k in head_keys if k in mapped]
        report.head_reason = (
            f"the source head has shape {sizes[0]}, this task needs {list(own[head_keys[0]].shape)}"
            if sizes
            else "the source has no head"
        )
    elif same is False:
        report.head_reason = "the source run was trained on other targets"
    else:
        report.head = "loaded"
        for k in head_keys:
            update[k] = mapped[k].to(own[k].dtype)
            report.loaded.append(k)
    report.unexpected = [k for k in mapped if k not in own]
    model.load_state_dict(update, strict=False)
    if report.missing or report.mismatched:
        first = report.mismatched[0] if report.mismatched else None
        warnings.warn(
            f"--init-from {weights.path}: {len(report.missing)} model tensors are not in the "
            f"file and {len(report.mismatched)} have other shapes"
            + (f" (e.g. {_mismatch_text(first)})" if first else "")
            + "; they keep their fresh initialisation",
            TransferWarning,
            stacklevel=2,
        )
    return report


def _examples(keys: Iterator[str], n: int = 3) -> str:
    found = []
    for key in keys:
        found.append(repr(key))
        if len(found) == n:
            break
    return ", ".join(found) or "(none)"


def _mismatch_text(item: list[Any]) -> str:
    return f"{item[0]}: file {tuple(item[1])} vs model {tuple(item[2])}"


def source_model(source: str | os.PathLike[str]) -> tuple[str, dict[str, Any]] | None:
    """Model name and hyperparameters of a source run directory; None for a plain file.

    Used so ``--init-from RUN`` without ``--model`` builds the run's model.
    """
    path = Path(source)
    if not path.is_dir():
        return None
    info = _read_run(path).info
    assert info is not None
    return str(info["model"]), dict(info.get("params", {}))


def check_language_source(source: str | os.PathLike[str], alphabet: str | None) -> None:
    """Refuse a language-model run that cannot give this data a body, in one line.

    A language model's body reads one-hot letters of its alphabet: DNA weights in a protein
    classifier would load only where shapes happen to agree, which means nothing. An ensemble
    of language models (``--ensemble N``) has N bodies and no one of them is the run's.

    Raises
    ------
    ConfigError
        ``source`` is a language-model run directory of another alphabet than ``alphabet``,
        or of an ensemble.
    """
    path = Path(source)
    if not path.is_dir():
        return
    info = _read_run(path).info or {}
    if info.get("task") != "language-model":
        return
    theirs = info.get("alphabet")
    if alphabet is not None and theirs and theirs != alphabet:
        raise ConfigError(
            f"--init-from {source}: a language model of {theirs} sequences, but this data is "
            f"{alphabet}; pretrain on {alphabet} sequences (biodl train --task language-model)"
        )
    if int(info.get("ensemble", 1)) > 1:
        raise ConfigError(
            f"--init-from {source}: an ensemble of {info['ensemble']} language models has no "
            "single body to start from; pretrain with --ensemble 1"
        )
