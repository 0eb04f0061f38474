"""The model, training, baseline and evaluation sections of a run config.

Which network is built (:class:`ModelConfig`), how it is trained (:class:`TrainConfig`, transfer
learning and hardware included), the classical model it is compared with
(:class:`BaselineConfig`) and how the test metrics are estimated (:class:`EvalConfig`). Each
field is declared once with :func:`biodl.options.option`.

Examples
--------
>>> TrainConfig(lr=0.01).optimizer
'adam'
>>> BaselineConfig().name
'auto'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from biodl.options import (
    BASELINE,
    HARDWARE,
    MODEL,
    OUTPUT,
    TRAIN_AND_CV,
    TRAIN_ONLY,
    TRAINING,
    TRANSFER,
    BaselineOption,
    ClassWeightOption,
    DeviceOption,
    FreezeOption,
    LossOption,
    OptimizerOption,
    SamplingOption,
    SchedulerOption,
    ThresholdOption,
    choices,
    document,
    option,
    parse_batch_size,
    parse_epochs,
)

__all__ = ["BaselineConfig", "EvalConfig", "ModelConfig", "TrainConfig"]


@document
@dataclass
class ModelConfig:
    """Which network and its hyperparameters."""

    name: str = option(
        "auto",
        help="Network: a model name from `biodl models` for this kind of data; auto = the "
        "kind's default (cnn for sequences).",
        panel=MODEL,
        keyword="model",
        flags=("--model", "-m"),
    )
    params: dict[str, Any] = option(
        help="Hyperparameters of that model (`biodl models` lists them with their defaults); "
        "set them with --set model.NAME=VALUE.",
        panel=MODEL,
        keyword="model_params",
        default_factory=dict,
        commands=(),
    )


@document
@dataclass
class TrainConfig:
    """How the network is trained. Every field is a named option of ``biodl train``."""

    loss: LossOption = option("auto", help=choices("loss"), panel=TRAINING)
    class_weights: ClassWeightOption = option("none", help=choices("class_weights"), panel=TRAINING)
    sampling: SamplingOption = option(
        "shuffle",
        help="How training batches are drawn ('balanced' is honoured by irregular records): "
        + choices("sampling"),
        panel=TRAINING,
    )
    optimizer: OptimizerOption = option("adam", help=choices("optimizer"), panel=TRAINING)
    lr: float = option(1e-3, help="Learning rate.", panel=TRAINING)
    momentum: float = option(0.9, help="Momentum for sgd and rmsprop.", panel=TRAINING)
    nesterov: bool = option(False, help="Nesterov momentum for sgd.", panel=TRAINING)
    weight_decay: float = option(
        0.0, help="Optimiser weight decay (decoupled for adamw).", panel=TRAINING
    )
    scheduler: SchedulerOption = option("none", help=choices("scheduler"), panel=TRAINING)
    batch_size: int | Literal["full"] = option(
        64,
        help="1 = stochastic, N = mini-batch, 'full' = the whole training split in one batch.",
        panel=TRAINING,
        parse=parse_batch_size,
    )
    epochs: int | Literal["auto"] = option(
        "auto",
        help="Maximum passes over the training data (per fold in cv, per trial in tune); auto: "
        "about 1,000 optimiser steps, at least 30 and at most 200 epochs; very large data: as many "
        "epochs as reach 20,000 steps, if 30 would pass them (at least 1); language models: "
        "docs/language-models.md.",
        panel=TRAINING,
        parse=parse_epochs,
    )
    patience: int = option(
        5,
        help="Early stopping: stop after this many epochs without improvement of --monitor on "
        "the validation part and keep the best epoch's weights (never before --min-steps); 0 = "
        "off. With fewer than 30 validation examples every epoch runs and the last weights "
        "are kept.",
        panel=TRAINING,
    )
    min_steps: int = option(
        300,
        help="Early stopping never ends training before this many optimiser steps; after that "
        "it stops once --patience epochs brought no improvement, and the best epoch is chosen "
        "among all epochs run. 300 steps are under 4 epochs of 5,000 examples in batches of "
        "64 but 50 epochs of 400: a small training set is not stopped while still far from "
        "fitted because a small validation part looked worse for a few epochs. 0 = no minimum.",
        panel=TRAINING,
    )
    monitor: str = option(
        "auto",
        help="Validation quantity that early stopping watches and the kept epoch is best on (and "
        "the score tune optimises): loss or a metric (auroc, accuracy, r2, ...); auto: auroc "
        "for binary classification (the validation loss can rise while the ranking still "
        "improves), loss for the other tasks. The run records the resolved value.",
        panel=TRAINING,
    )
    l1: float = option(
        0.0, help="L1 penalty on weights: l1 * sum |w| added to the loss.", panel=TRAINING
    )
    l2: float = option(
        0.0, help="L2 penalty on weights: l2 * sum w^2 added to the loss.", panel=TRAINING
    )
    grad_clip: float = option(
        0.0, help="Clip the gradient norm to this value; 0 = off.", panel=TRAINING
    )
    seed: int = option(
        0,
        help="Seed of splits and folds, initialisation, shuffling, the bootstrap and the tuning "
        "sampler.",
        panel=TRAINING,
    )
    seeds: int = option(
        1,
        help="Repeat with this many seeds (seed, seed+1, ...) and report mean ± sd: train "
        "retrains on the same split (the run keeps the first seed's model); cv draws new folds "
        "and initialisation for each.",
        panel=TRAINING,
        commands=TRAIN_AND_CV,
    )
    ensemble: int = option(
        1,
        help="Train the network from this many seeds (seed, seed+1, ...) on the same split and "
        "average their predictions (class probabilities, values for regression, each "
        "position's letter probabilities for --task language-model); the run keeps all of them "
        "as one model. Costs N times the training time.",
        panel=TRAINING,
        commands=TRAIN_AND_CV,
    )
    device: DeviceOption = option("auto", help=choices("device"), panel=HARDWARE)
    precision: str = option(
        "32-true",
        help="Lightning precision: 32-true, 16-mixed, bf16-mixed (GPUs with bfloat16), 64-true.",
        panel=HARDWARE,
    )
    strategy: str = option(
        "auto",
        help="Lightning strategy, e.g. ddp for several GPUs or nodes (docs/scale.md).",
        panel=HARDWARE,
    )
    devices: str = option("auto", help="Number of devices per node, or 'auto'.", panel=HARDWARE)
    num_nodes: int = option(
        1,
        help="Number of nodes (machines) of a ddp training; launch one biodl per node with "
        "torchrun or srun, and only rank 0 writes --out (docs/scale.md).",
        panel=HARDWARE,
    )
    threads: int = option(
        1,
        help="CPU threads for torch (torch.set_num_threads, for the rest of the process); "
        "0 = torch's default, one per core. One thread gives the same numbers on every machine "
        "and is not slowed by other jobs on the same cores (on 2 cores shared with other jobs, "
        "2 threads trained 6-12 times slower than 1); more threads help large models on idle "
        "cores.",
        panel=HARDWARE,
    )
    checkpoint_every: int = option(
        1,
        help="Epochs between the checkpoints a run keeps in its hidden partial folder (weights, "
        "optimiser, scheduler, random states, early stopping), written atomically, so that "
        "`biodl train --resume` or `biodl cv --resume` continue a killed run with the same "
        "numbers; 0 keeps none (docs/runs.md).",
        panel=OUTPUT,
        commands=TRAIN_AND_CV,
    )
    # transfer learning (docs/transfer.md)
    init_from: str | None = option(
        help="Start from pretrained weights: an earlier run directory (its model is reused "
        "unless --model is given), a .safetensors file or a PyTorch state dict (loaded with "
        "weights_only=True). See docs/transfer.md for the key mapping.",
        panel=TRANSFER,
        commands=TRAIN_ONLY,
        metavar="RUN_DIR_OR_WEIGHTS",
    )
    freeze: FreezeOption = option(
        "none", help=choices("freeze"), panel=TRANSFER, commands=TRAIN_ONLY
    )
    body_lr_factor: float = option(
        1.0,
        help="Fine-tuning: the body learns at lr x this factor (e.g. 0.1); the head at lr.",
        panel=TRANSFER,
        commands=TRAIN_ONLY,
    )
    unfreeze_after: int = option(
        0,
        help="Gradual unfreezing: train only the head for this many epochs, then the body too.",
        panel=TRANSFER,
        commands=TRAIN_ONLY,
    )
    compare_scratch: bool = option(
        False,
        help="Also train the same model from scratch on the same split; the report compares "
        "the two.",
        panel=TRANSFER,
        commands=TRAIN_ONLY,
    )


@document
@dataclass
class BaselineConfig:
    """The classical model trained on the same split."""

    name: BaselineOption = option(
        "auto",
        help=choices("baseline"),
        panel=BASELINE,
        keyword="baseline",
        commands=TRAIN_AND_CV,
    )
    k: int | None = option(
        help="Sequences: the longest k-mer of the baseline's k-mer spectrum (k = 1..K "
        "together; with --baseline fast the one k used). Default from the alphabet and the "
        "median length (DNA/RNA 4 up to 100 nt, 5 up to 1000, 6 above; protein 1 up to 30 aa, "
        "2 above).",
        panel=BASELINE,
        keyword="kmer",
        commands=TRAIN_AND_CV,
    )
    positional: bool | None = option(
        help="Position-wise one-hot baseline features (default: on when all sequences have one "
        "length).",
        panel=BASELINE,
        commands=TRAIN_AND_CV,
    )


@document
@dataclass
class EvalConfig:
    """How test metrics are estimated."""

    n_bootstrap: int = option(
        1000,
        help="Bootstrap resamples for confidence intervals.",
        panel=BASELINE,
        flags=("--bootstrap",),
        commands=TRAIN_ONLY,
    )
    level: float = option(
        0.95, help="Confidence level of the intervals.", panel=BASELINE, commands=TRAIN_ONLY
    )
    threshold: ThresholdOption = option(
        "auto",
        help="Binary tasks, the decision threshold of the thresholded metrics (accuracy, "
        "balanced accuracy, F1, MCC) and of the predicted labels, chosen on the validation "
        "part for the network and the baseline separately: " + choices("threshold"),
        panel=BASELINE,
        commands=TRAIN_ONLY,
    )
