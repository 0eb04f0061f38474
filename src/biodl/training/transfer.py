"""Transfer learning: initial weights from an earlier run or a weights file, and body freezing.

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
:class:`~biodl.errors.ConfigError` names example keys of both sides.

Freezing: the *body* is every parameter outside ``model.head``. ``freeze='body'`` (feature
extraction) trains only the head; ``freeze='none'`` (fine-tuning) trains everything, the body
optionally at ``lr * body_lr_factor`` and, with ``unfreeze_after=N``, frozen for the first N
epochs (gradual unfreezing). While the body is frozen its BatchNorm layers stay in eval mode,
so their running statistics are the pretrained ones and do not drift with the new data.

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
from lightning.pytorch.callbacks import Callback
from torch import nn

from biodl.config import TrainConfig
from biodl.errors import BiodlWarning, ConfigError

__all__ = [
    "BodyFreezer",
    "LoadReport",
    "SourceWeights",
    "TransferWarning",
    "body_parameters",
    "check_transfer_options",
    "load_initial_weights",
    "map_keys",
    "read_weights",
    "setup_transfer",
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


def check_transfer_options(cfg: TrainConfig) -> None:
    """Validate the transfer options of a run together (call before reading any data).

    Raises
    ------
    ConfigError
        For options that need ``--init-from`` without it, a missing weights path, a
        non-positive body learning-rate factor, a negative ``unfreeze_after``, or
        ``unfreeze_after`` together with ``freeze='body'``.
    """
    init_from, freeze, body_lr_factor = cfg.init_from, cfg.freeze, cfg.body_lr_factor
    unfreeze_after, compare_scratch = cfg.unfreeze_after, cfg.compare_scratch
    if init_from is None:
        used = [
            name
            for name, on in (
                ("--freeze body", freeze == "body"),
                (f"--body-lr-factor {body_lr_factor:g}", body_lr_factor != 1.0),
                (f"--unfreeze-after {unfreeze_after}", unfreeze_after != 0),
                ("--compare-scratch", compare_scratch),
            )
            if on
        ]
        if used:
            raise ConfigError(
                f"{used[0]} applies to transfer learning and needs --init-from RUN_DIR_OR_WEIGHTS "
                "(the pretrained weights to start from)"
            )
        return
    if not Path(init_from).exists():
        raise ConfigError(
            f"--init-from {init_from}: no such run directory or weights file; pass the --out "
            "folder of an earlier `biodl train`, a .safetensors file or a PyTorch state dict"
        )
    if not body_lr_factor > 0:
        raise ConfigError(
            f"--body-lr-factor {body_lr_factor:g}: must be > 0 (the body's learning rate is "
            "lr x factor); to keep the body fixed use --freeze body"
        )
    if unfreeze_after < 0:
        raise ConfigError(f"--unfreeze-after {unfreeze_after}: must be 0 or a positive epoch count")
    if unfreeze_after and freeze == "body":
        raise ConfigError(
            f"--unfreeze-after {unfreeze_after} trains the body after that many epochs, which "
            "--freeze body forbids; use --freeze none with --unfreeze-after"
        )


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
    if not head_fits:
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


def body_parameters(model: nn.Module) -> list[nn.Parameter]:
    """Every parameter of ``model`` outside ``model.head`` (shared ones once)."""
    head = getattr(model, HEAD, None)
    head_ids = {id(p) for p in head.parameters()} if isinstance(head, nn.Module) else set()
    return [p for p in model.parameters() if id(p) not in head_ids]


def _body_batchnorms(model: nn.Module) -> list[nn.Module]:
    head = getattr(model, HEAD, None)
    in_head = {id(m) for m in head.modules()} if isinstance(head, nn.Module) else set()
    return [
        m
        for m in model.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and id(m) not in in_head
    ]


class BodyFreezer(Callback):
    """Keep the body of ``model`` frozen for the first ``epochs`` epochs (None: all of them).

    Frozen means ``requires_grad=False`` on every body parameter (set at construction, before
    any distributed wrapping) and body BatchNorm layers in eval mode at every training batch,
    so their running statistics stay the pretrained ones. At epoch ``epochs`` (0-based) the
    body is unfrozen and its BatchNorm layers follow the module's mode again. When fitting ends
    ``requires_grad`` is restored.

    Parameters
    ----------
    model : nn.Module
        The plain model (with ``head``).
    epochs : int or None
        Frozen epochs; None keeps the body frozen for the whole fit (feature extraction).

    Raises
    ------
    ConfigError
        At fit start, for gradual unfreezing on several devices (distributed data parallel
        registers trainable parameters once, so parameters unfrozen later would not be
        synchronised).
    """

    def __init__(self, model: nn.Module, *, epochs: int | None):
        self.model = model
        self.epochs = epochs
        self.params = body_parameters(model)
        self.norms = _body_batchnorms(model)
        self.frozen = False
        self._set_frozen(epochs is None or epochs > 0)

    def _set_frozen(self, frozen: bool) -> None:
        for p in self.params:
            p.requires_grad_(not frozen)
        self.frozen = frozen

    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        if self.epochs is not None and trainer.world_size > 1:
            raise ConfigError(
                "--unfreeze-after is not supported with several devices (distributed training "
                "registers trainable parameters once); train on one device or use --freeze body"
            )

    def on_train_epoch_start(self, trainer: Any, pl_module: Any) -> None:
        if self.frozen and self.epochs is not None and trainer.current_epoch >= self.epochs:
            self._set_frozen(False)
            for m in self.norms:
                m.train(pl_module.training)

    def on_train_batch_start(self, trainer: Any, pl_module: Any, batch: Any, idx: int) -> None:
        if self.frozen:
            for m in self.norms:
                m.eval()

    def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
        self._set_frozen(False)


@dataclass
class TransferSetup:
    """What :func:`setup_transfer` prepared for one fit.

    Attributes
    ----------
    report : LoadReport or None
        None when the run starts from random weights.
    callbacks : list of Callback
        A :class:`BodyFreezer` for ``freeze='body'`` or ``unfreeze_after > 0``.
    """

    report: LoadReport | None
    callbacks: list[Callback]

    def info(self, cfg: TrainConfig) -> dict[str, Any] | None:
        """The ``transfer`` entry of ``model.json`` / ``metrics.json`` (None from scratch)."""
        if self.report is None:
            return None
        return {
            "init_from": cfg.init_from,
            "freeze": cfg.freeze,
            "body_lr_factor": cfg.body_lr_factor,
            "unfreeze_after": cfg.unfreeze_after,
            "summary": self.report.summary(),
            **self.report.to_dict(),
        }


def setup_transfer(
    model: nn.Module, cfg: TrainConfig, *, targets: dict[str, Any] | None = None
) -> TransferSetup:
    """Load ``cfg.init_from`` into ``model`` and build the freezing callback, if any.

    Parameters
    ----------
    model : nn.Module
        The freshly built plain model (with ``head``).
    cfg : TrainConfig
    targets : dict, optional
        The new task's ``TargetEncoding.to_dict()`` (decides whether a source run's head fits).
    """
    check_transfer_options(cfg)
    if cfg.init_from is None:
        return TransferSetup(None, [])
    report = load_initial_weights(model, cfg.init_from, targets=targets)
    callbacks: list[Callback] = []
    if cfg.freeze == "body":
        callbacks.append(BodyFreezer(model, epochs=None))
    elif cfg.unfreeze_after:
        callbacks.append(BodyFreezer(model, epochs=cfg.unfreeze_after))
    return TransferSetup(report, callbacks)
