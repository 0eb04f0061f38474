"""Fit a run's network on prepared data, and score data with it.

:func:`fit_model` is the one way a network is built and trained for any kind of data (train,
cv, tune, the estimators): the kind fits its input preprocessing on the training part, builds
the network, optionally pretrains it or loads pretrained weights, and
:func:`biodl.training.fit.fit_network` trains it. The classical baseline is fitted by
:mod:`biodl.pipeline.baselines`.

Examples
--------
>>> model_title("cnn-lstm")
'CNN-LSTM'
>>> model_inputs({"inputs": {"length": 200}, "kind": "sequence"})
{'length': 200}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from biodl import __version__
from biodl.config import RunConfig
from biodl.data.prepared import PreparedData
from biodl.data.targets import TargetEncoding
from biodl.errors import ConfigError
from biodl.evaluation.metrics import METRIC_LABELS, resolve_monitor, single_class

__all__ = [
    "MODEL_TITLES",
    "Trained",
    "ensemble_size",
    "fit_model",
    "model_inputs",
    "model_title",
    "predict_trained",
    "with_monitor",
]

MODEL_TITLES = {
    "cnn": "CNN",
    "rnn": "RNN",
    "lstm": "LSTM",
    "gru": "GRU",
    "cnn-lstm": "CNN-LSTM",
    "transformer": "Transformer",
    "mlp": "MLP",
    "fcn": "FCN",
    "resnet1d": "ResNet1D",
    "resnet18": "ResNet-18",
    "resnet34": "ResNet-34",
    "grud": "GRU-D",
    "gin": "GIN",
    "gcn": "GCN",
    "gat": "GAT",
    "mpnn": "MPNN",
}


@dataclass
class Trained:
    """A fitted network with everything needed to use it on new data.

    Attributes
    ----------
    network : Any
        The kind's network wrapper; ``network.model`` is the plain ``nn.Module``.
    info : dict
        The description saved as ``model/model.json``.
    """

    network: Any
    info: dict[str, Any]


def model_title(name: str) -> str:
    """How a model is named in sentences and tables (``"cnn"`` -> ``"CNN"``)."""
    return MODEL_TITLES.get(name, name)


def fit_model(
    cfg: RunConfig,
    prepared: PreparedData,
    *,
    progress: bool | None = None,
    callbacks: list[Any] | None = None,
) -> tuple[Trained, Any]:
    """Build the network named in ``cfg`` and train it on ``prepared`` (valid for early stopping).

    Input preprocessing is fitted on the training part only, by the kind of
    ``prepared.kind``. Returns the trained model and the :class:`biodl.training.fit.FitResult`.

    With ``cfg.train.ensemble = N > 1`` the network is trained N times on the same split, from
    seeds ``seed, seed+1, ...``, and the members become one
    :class:`biodl.models.ensemble.Ensemble` (predictions averaged); ``info['ensemble']``
    records the members' seeds, epochs and seconds, and the returned fit result is the first
    member's with ``seconds`` summed over all members. The members share the first one's
    parameters (a CNN's ``additive="auto"`` is decided once, with the first seed: members
    that differ in it could not be saved and loaded as one model).

    Raises
    ------
    ConfigError
        For ``ensemble`` below 1, or above 1 together with ``init_from``; ``init_from``
        with a model whose ``additive`` parameter is true (``"auto"``, the CNN's default, is
        decided from the training part, and is off with ``init_from``: the run records the
        value; ``info['additive_auto']`` says why where the kind decided).
    """
    n = ensemble_size(cfg)
    if n == 1:
        return _fit_one(cfg, prepared, progress=progress, callbacks=callbacks)
    if cfg.train.init_from:
        raise ConfigError(
            f"--ensemble {n} with --init-from: an ensemble is trained from random weights; "
            "drop one of the two options"
        )
    return _fit_members(cfg, prepared, n, progress=progress, callbacks=callbacks)


def ensemble_size(cfg: RunConfig) -> int:
    """``--ensemble``: the networks to train (1 or more; a ConfigError below)."""
    n = int(cfg.train.ensemble)
    if n < 1:
        raise ConfigError(f"--ensemble {n}: expected a number of members, 1 or more")
    return n


def _fit_members(
    cfg: RunConfig,
    prepared: PreparedData,
    n: int,
    *,
    progress: bool | None,
    callbacks: list[Any] | None,
) -> tuple[Trained, Any]:
    """Train ``n`` members from consecutive seeds on the same split; one Ensemble of them."""
    from dataclasses import replace

    from biodl.models.ensemble import Ensemble, combine_for

    fits, networks = [], []
    infos: list[dict[str, Any]] = []
    for member in range(n):
        seed = cfg.train.seed + member
        model = cfg.model
        if infos:  # the first member's name and params: a CNN's additive="auto" decided once
            model = replace(cfg.model, name=infos[0]["model"], params=infos[0]["params"])
        member_cfg = replace(cfg, model=model, train=replace(cfg.train, seed=seed, ensemble=1))
        trained, fit = _fit_one(member_cfg, prepared, progress=progress, callbacks=callbacks)
        fits.append(fit)
        networks.append(trained.network)
        infos.append(trained.info)
    network = networks[0]
    info = dict(trained.info)
    if "additive_auto" in infos[0]:
        info["additive_auto"] = infos[0]["additive_auto"]
    network.model = Ensemble([net.model for net in networks], combine=combine_for(info["loss"]))
    info["ensemble"] = {
        "members": n,
        "seeds": [cfg.train.seed + member for member in range(n)],
        "combine": network.model.combine,
        "epochs_run": [f.epochs_run for f in fits],
        "best_epoch": [f.best_epoch for f in fits],
        "seconds": [round(f.seconds, 3) for f in fits],
    }
    first = replace(fits[0], network=network, seconds=sum(f.seconds for f in fits))
    return Trained(network, info), first


def _fit_one(
    cfg: RunConfig,
    prepared: PreparedData,
    *,
    progress: bool | None = None,
    callbacks: list[Any] | None = None,
) -> tuple[Trained, Any]:
    """:func:`fit_model` for one network."""
    import lightning as L
    import torch

    from biodl.kinds import check_model, get_kind
    from biodl.training.fit import fit_network
    from biodl.training.losses import (
        class_weight_vector,
        has_missing,
        output_size,
        resolve_loss,
    )
    from biodl.training.pretrained import check_language_source, source_model
    from biodl.training.transfer import setup_transfer

    kind_obj = get_kind(prepared.kind)
    targets = prepared.targets
    name = cfg.model.name if cfg.model.name != "auto" else kind_obj.default_model(prepared)
    loss = resolve_loss(cfg.train.loss, targets.task)
    cfg = with_monitor(cfg, prepared)
    params = dict(cfg.model.params)
    source = source_model(cfg.train.init_from) if cfg.train.init_from else None
    from_source = False  # --init-from RUN without --model: the source run's model and params
    if source is not None and cfg.model.name == "auto":
        # the source's additive term is neither body nor head: not carried over (its own
        # additive parameters left out, "auto" is off with --init-from)
        inherited = {k: v for k, v in source[1].items() if not k.startswith("additive")}
        name, params, from_source = source[0], {**inherited, **params}, True
    check_model(kind_obj, name)
    kind_params = getattr(kind_obj, "default_params", None)  # optional: defaults per data
    if kind_params is not None and not from_source:
        params = {**kind_params(prepared, name), **params}  # recorded in the run
    params, additive = _resolve_additive(kind_obj, cfg, prepared, name, params)
    if cfg.train.init_from and params.get("additive"):
        raise ConfigError(
            "--init-from with model.additive=true: the additive term maps the input straight to "
            "the outputs, so it is neither body nor head; leave out one of the two"
        )
    inputs = kind_obj.fit_inputs(cfg, prepared, name, params)
    if cfg.train.init_from:
        check_language_source(cfg.train.init_from, inputs.get("alphabet"))
    if cfg.train.threads:
        torch.set_num_threads(cfg.train.threads)
    L.seed_everything(cfg.train.seed, workers=True, verbose=False)
    n_outputs = output_size(loss, targets.task, n_classes=targets.n_outputs)
    network = kind_obj.build_network(name, params, inputs, n_outputs)
    pretrain = getattr(kind_obj, "pretrain", None)  # optional: unsupervised start on train
    pretraining = None if pretrain is None or source else pretrain(network, cfg, prepared, inputs)
    body: Any = network.model
    transfer = setup_transfer(body, cfg.train, targets=targets.to_dict())
    prepared.emit_warnings()  # options are valid: now tell the user about the data
    scale = _scale(targets)
    y_train = prepared.y["train"]
    assert y_train is not None
    seed = cfg.train.seed
    y_fit = y_train if scale is None else (y_train - scale[0]) / scale[1]
    train = kind_obj.dataset(prepared.part("train"), y_fit, inputs, training=True, seed=seed)
    valid = None
    if "valid" in prepared.present():
        y_valid = prepared.y["valid"]
        assert y_valid is not None
        y_valid = y_valid if scale is None else (y_valid - scale[0]) / scale[1]
        valid = kind_obj.dataset(prepared.part("valid"), y_valid, inputs, training=False, seed=seed)
    weights = None
    if cfg.train.class_weights == "balanced" and targets.task != "regression":
        weights = class_weight_vector(y_train, targets.task)
    fit = fit_network(
        network,
        train,
        valid,
        task=targets.task,
        loss=loss,
        cfg=cfg.train,
        class_weights=weights,
        target_scale=scale,
        progress=progress,
        callbacks=[*(callbacks or []), *transfer.callbacks],
        masked=has_missing(y_train) or has_missing(prepared.y.get("valid")),
    )
    info = {
        "biodl_version": __version__,
        "kind": kind_obj.name,
        "model": name,
        "params": params,
        "n_outputs": n_outputs,
        "loss": loss,
        "targets": targets.to_dict(),
        "inputs": inputs,
    }
    if transfer.report is not None:
        info["transfer"] = transfer.info(cfg.train)
    if pretraining is not None:
        info["pretraining"] = pretraining
    if additive is not None:
        info["additive_auto"] = additive.to_json()
    return Trained(fit.network, info), fit


def _resolve_additive(
    kind_obj: Any, cfg: RunConfig, prepared: PreparedData, name: str, params: dict[str, Any]
) -> tuple[dict[str, Any], Any]:
    """``params`` with the CNN's ``additive="auto"`` decided (recorded as true or false), and
    the kind's decision (None where no rule ran).

    The kind's optional ``additive_auto(cfg, prepared)`` decides from the training part
    (sequences: :func:`biodl.kinds.sequence_additive.choose_additive`); without it, and with
    ``--init-from`` (the term is neither body nor head of a pretrained network), it is off.
    """
    from biodl.models.registry import parameters

    default = {p.name: p.default for p in parameters(kind_obj.models[name])}.get("additive")
    if params.get("additive", default) != "auto":
        return params, None
    if params.get("additive_penalty"):
        raise ConfigError(
            f"model.additive_penalty={params['additive_penalty']} with model.additive=auto: "
            "the penalty needs the term on for certain; set model.additive=true"
        )
    decide = getattr(kind_obj, "additive_auto", None)
    choice = decide(cfg, prepared) if decide is not None and not cfg.train.init_from else None
    return {**params, "additive": bool(choice is not None and choice.on)}, choice


def with_monitor(cfg: RunConfig, *prepared: PreparedData) -> RunConfig:
    """``cfg`` with ``train.monitor`` resolved for the task of ``prepared`` (``auto``: AUROC
    for binary classification, else the loss, or where a validation part holds one class;
    :func:`biodl.evaluation.metrics.resolve_monitor`), so that early stopping, the tuning
    objective and the saved configuration all name what was watched. Several ``prepared``
    (tuning's inner folds) get one monitor: the loss when their validation parts disagree.

    Raises
    ------
    ConfigError
        For a monitor that is not ``auto``, ``loss`` or a metric of ``task``, or AUROC or
        AUPRC where a validation part early stopping reads holds one class.
    """
    from dataclasses import replace

    from biodl.training.fit import MIN_VALID_FOR_STOPPING

    asked = cfg.train.monitor
    for part in prepared:
        y_valid = part.y.get("valid")
        if (
            asked in ("auroc", "auprc")
            and y_valid is not None
            and len(y_valid) >= MIN_VALID_FOR_STOPPING
            and single_class(y_valid)
        ):
            raise ConfigError(
                f"--monitor {asked}: the validation part holds one class, where "
                f"{METRIC_LABELS[asked]} is undefined (early stopping would watch nothing); use "
                "--monitor auto or loss, or a validation part with both classes"
            )
    chosen = {
        resolve_monitor(cfg.train.monitor, part.targets.task, part.y.get("valid"))
        for part in prepared
    }
    monitor = chosen.pop() if len(chosen) == 1 else "loss"
    if monitor == cfg.train.monitor:
        return cfg
    return replace(cfg, train=replace(cfg.train, monitor=monitor))


def _scale(targets: TargetEncoding) -> tuple[np.ndarray, np.ndarray] | None:
    if targets.task != "regression":
        return None
    return np.asarray(targets.mean), np.asarray(targets.std)


def predict_trained(
    trained: Trained, part: Any, *, batch_size: int = 512, device: str = "cpu"
) -> np.ndarray:
    """Scores of a trained model on ``part`` (layout of the task)."""
    from biodl.kinds import get_kind
    from biodl.training.predict import predict_scores

    info = trained.info
    targets = TargetEncoding.from_dict(info["targets"])
    kind_obj = get_kind(info["kind"])
    data = kind_obj.dataset(part, None, model_inputs(info), training=False, seed=0)
    return predict_scores(
        trained.network,
        data,
        loss=info["loss"],
        task=targets.task,
        batch_size=batch_size,
        device=device,
        target_scale=_scale(targets),
    )


def model_inputs(info: dict[str, Any]) -> dict[str, Any]:
    """The fitted input preprocessing of a saved model (schema-1 runs kept it at top level)."""
    return info.get("inputs", info)
