"""``biodl train SEQS --task language-model``: a language model beside a Markov baseline.

The sequences are read without labels (headers are ignored, except a ``--split-column``
key), split into train / validation / test parts (``--valid``/``--test`` files; else the
file's own column with ``--split-column``, whose missing validation part is drawn from its
training rows; else a seeded random split by ``--valid-size``/``--test-size``), cut into
windows of ``--context`` letters (:mod:`biodl.training.language`) and fitted on the one
Lightning path. The k-th order Markov model (:mod:`biodl.evaluation.markov`) is fitted on the
same training windows, k chosen on the validation windows, and both are scored on the same
test letters. Sequences shorter than the context are padded (padding is never counted), so
no sequence is too short; a file with no plain letter at all is refused.

The run directory::

    OUT/
      model/model.json, model/weights.safetensors   the network (task "language-model")
      model/markov.npz                              the fitted Markov model
      metrics.json      test/validation perplexity per letter of both, bootstrap intervals
      history.csv       one row per epoch (valid_perplexity)
      config.yaml, report.html, plots/perplexity.png

Examples
--------
>>> import biodl  # doctest: +SKIP
>>> result = biodl.train("seqs.fa", task="language-model", out="lm")  # doctest: +SKIP
>>> run = load_language_model("lm")  # doctest: +SKIP
>>> sample_sequences(run.model, 5, length=50, seed=1)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from biodl.config import RunConfig, TrainConfig
from biodl.data.alphabet import ALPHABETS, Alphabet
from biodl.data.splits import split_indices
from biodl.errors import BiodlWarning, ConfigError, DataError, DataWarning
from biodl.evaluation.markov import MarkovModel, fit_markov_on_valid, plain_letters
from biodl.models.language import AnyLanguageModel, LanguageEnsemble, LanguageModel
from biodl.runs import RunWriter, run_directory
from biodl.training.language import letter_targets, mask_letters, windows_of

__all__ = [
    "AUTO_LM_EPOCHS",
    "AUTO_LM_STEPS",
    "DEFAULT_LM_LR",
    "DEFAULT_LM_MODEL",
    "LanguageModelResult",
    "LanguageModelRun",
    "language_defaults",
    "language_parts",
    "load_language_model",
    "run_language_model",
    "sample_sequences",
    "training_sequences",
]

#: The model of ``--task language-model`` when ``--model`` is not given.
DEFAULT_LM_MODEL = "gru"
#: The learning rate of a language model when ``--lr`` is left at the common default: chosen
#: on the validation parts of nRC ncRNA and FLIP proteins (benchmarks/RESULTS.md), where 3e-3
#: beat 1e-3 at every CPU budget for the GRU and the transformer.
DEFAULT_LM_LR = 3e-3
#: ``--epochs auto`` of a language model: enough epochs for about :data:`AUTO_LM_STEPS`
#: optimiser steps, at least :data:`AUTO_LM_EPOCHS` and at most 200; early stopping
#: (--patience) ends it sooner. Large files need few passes: 15 epochs keep the default GRU
#: within about 3 CPU minutes on the 5,688 nRC training sequences (2,300 steps) and 7 on
#: FLIP's 9,712 proteins; a small family of 1,400 sequences of 40 letters (22 steps an
#: epoch) was under-trained at 15 epochs (validation still falling), so it gets ~110.
AUTO_LM_EPOCHS = 15
AUTO_LM_STEPS = 2500
MARKOV_FILE = "markov.npz"
N_BOOTSTRAP = 1000


@dataclass
class LanguageModelRun:
    """A language-model run loaded back (:func:`load_language_model`).

    Attributes
    ----------
    model : LanguageModel or LanguageEnsemble
        In evaluation mode.
    alphabet : Alphabet
    objective : str
    context : int
    markov : MarkovModel or None
    info : dict
        ``model/model.json``.
    """

    model: AnyLanguageModel
    alphabet: Alphabet
    objective: str
    context: int
    markov: MarkovModel | None
    info: dict[str, Any]


@dataclass
class LanguageModelResult:
    """What a language-model training run made.

    Attributes
    ----------
    run_dir : Path or None
    metrics : dict
        The content of ``metrics.json``.
    history : DataFrame
    model : LanguageModel or LanguageEnsemble
    markov : MarkovModel
    warnings : list of str
    """

    run_dir: Path | None
    metrics: dict[str, Any]
    history: pd.DataFrame
    model: AnyLanguageModel
    markov: MarkovModel
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """The one-line summary: both test perplexities and the verdict."""
        net, markov = self.metrics["network"], self.metrics["markov"]
        return (
            f"language model {self.metrics['model']} ({self.metrics['objective']}): test "
            f"perplexity per letter {net['test_perplexity']:.3f} vs Markov order "
            f"{markov['order']} {markov['test_perplexity']:.3f}. {self.metrics['verdict']}"
        )


def _read(path: str, cfg: RunConfig, alphabet: str, split_column: str | None) -> Any:
    from biodl.data.sequence import read_sequences

    extra = {split_column: "--split-column"} if split_column else None
    return read_sequences(
        path,
        label_columns=[],
        require_labels=False,
        alphabet=alphabet,  # type: ignore[arg-type]
        sequence_column=cfg.data.sequence_column,
        id_column=cfg.data.id_column,
        extra_columns=extra,
    )


def _codes(seqs: Any) -> list[np.ndarray]:
    return [
        seqs.codes[seqs.offsets[i] : seqs.offsets[i + 1]].astype(np.int64)
        for i in range(len(seqs.ids))
    ]


def language_parts(
    cfg: RunConfig,
) -> tuple[dict[str, list[np.ndarray]], Alphabet, list[str]]:
    """Code arrays of the train / valid / test sequences, the alphabet, notes.

    The same split for the same ``cfg`` (seeded): ``biodl generate`` re-reads a run's parts
    from its ``config.yaml`` with it.
    """
    d = cfg.data
    column = d.split_column
    train = _read(d.train, cfg, d.alphabet, column)
    alphabet = train.alphabet
    codes = _codes(train)
    notes = list(train.notes)
    parts: dict[str, list[np.ndarray]] = {}
    if column and train.labels is not None and column in train.labels:
        split = split_indices(
            np.zeros(len(codes)),
            task="regression",
            test_size=0.0,
            valid_size=0.0,
            method="predefined",
            predefined=train.labels[column].to_numpy(),
            split_column=column,
            source=d.train,
        )
        index = {"train": split.train, "valid": split.valid, "test": split.test}
    else:
        index = {
            "train": np.arange(len(codes)),
            "valid": np.array([], int),
            "test": np.array([], int),
        }
        if d.test is None or d.valid is None:
            split = split_indices(
                np.zeros(len(codes)),
                task="regression",
                test_size=d.test_size if d.test is None else 0.0,
                valid_size=d.valid_size if d.valid is None else 0.0,
                method="random",
                seed=cfg.train.seed,
                source=d.train,
            )
            index = {"train": split.train, "valid": split.valid, "test": split.test}
    if not len(index["valid"]) and d.valid is None and column:  # the file's own split: no valid
        rng = np.random.default_rng(cfg.train.seed)
        shuffled = rng.permutation(index["train"])
        n_valid = max(1, round(d.valid_size * len(codes)))
        index["valid"], index["train"] = np.sort(shuffled[:n_valid]), np.sort(shuffled[n_valid:])
        notes.append(
            f"{d.train}: column {column!r} has no validation rows; {n_valid} of its training "
            "sequences were drawn for validation"
        )
    for name, rows in index.items():
        parts[name] = [codes[i] for i in rows]
    for name in ("valid", "test"):
        path = getattr(d, name)
        if path is not None:
            parts[name] = _codes(_read(path, cfg, alphabet.name, None))
    for name in ("train", "valid", "test"):
        if not parts[name]:
            raise DataError(
                f"{d.train}: the {name} part has no sequences; give more sequences, a "
                f"--{name} file, or a larger --{name}-size"
            )
    return parts, alphabet, notes


def training_sequences(cfg: RunConfig) -> tuple[list[str], Alphabet]:
    """The training part of a language-model run, read and split again from its config.

    The same reading and the same seeded split as training (:func:`run_language_model`), so
    a baseline fitted on these sequences (the PSSM of ``biodl score``) learns from exactly the
    sequences the network learnt from.

    Raises
    ------
    DataError
        The training file (or a ``--valid``/``--test`` file) cannot be read.
    """
    parts, alphabet, _ = language_parts(cfg)
    return [alphabet.decode(codes) for codes in parts["train"]], alphabet


def _per_window_nll(
    model: AnyLanguageModel, windows: np.ndarray, *, seed: int, batch_size: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    """Negative log-likelihood (nats) summed per window, and the letters counted per window.
    Masked models: the seeded 15 % of letters of :func:`mask_letters`."""
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    sums, counts = [], []
    with torch.no_grad():
        for start in range(0, len(windows), batch_size):
            codes = torch.as_tensor(windows[start : start + batch_size])
            if model.objective == "masked":
                inputs, targets = mask_letters(codes, model.n_letters, model.mask_code, generator)
            else:
                inputs, targets = codes, letter_targets(codes, model.n_letters)
            logp = torch.log_softmax(model(inputs).float(), dim=-1)
            picked = logp.gather(2, targets.clamp(min=0).unsqueeze(2)).squeeze(2)
            use = targets >= 0
            sums.append(-(picked * use).sum(dim=1).numpy())
            counts.append(use.sum(dim=1).numpy())
    return np.concatenate(sums).astype(np.float64), np.concatenate(counts).astype(np.float64)


def _per_sequence(values: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(owner, weights=values, minlength=n)


def _bootstrap(nll: np.ndarray, count: np.ndarray, seed: int) -> list[float]:
    """95 % interval of the perplexity per letter over sequences resampled with replacement."""
    rng = np.random.default_rng(seed)
    n = len(nll)
    draws = np.empty(N_BOOTSTRAP)
    for b in range(N_BOOTSTRAP):
        weight = np.bincount(rng.integers(0, n, n), minlength=n)
        draws[b] = np.exp((weight @ nll) / max(float(weight @ count), 1.0))
    low, high = np.quantile(draws, [0.025, 0.975])
    return [float(low), float(high)]


def _owners(sequences: list[np.ndarray], context: int) -> np.ndarray:
    return np.repeat(np.arange(len(sequences)), [max(1, -(-len(s) // context)) for s in sequences])


def run_language_model(
    cfg: RunConfig,
    *,
    out: str | os.PathLike[str] | None,
    overwrite: bool = False,
    progress: bool | None = None,
    resume: str | os.PathLike[str] | None = None,
) -> LanguageModelResult:
    """Train a language model and the Markov baseline; evaluate both; write the run directory.

    Parameters
    ----------
    cfg : RunConfig
        ``data.objective``, ``data.context``, ``model.name`` (:data:`DEFAULT_LM_MODEL` when
        ``auto``) and ``model.params``, the training options (``--lr`` left at the common
        default: :data:`DEFAULT_LM_LR`; ``--epochs auto``: see :data:`AUTO_LM_STEPS`).
    out : path or None
    overwrite : bool, default False
    progress : bool, optional
    resume : path, optional
        The partial folder of an interrupted run (``--checkpoint-every`` checkpoints).
    """
    from biodl.pipeline.train import resumable

    context = int(cfg.data.context)
    if context < 2:
        raise ConfigError(f"--context {context}: expected at least 2 letters per window")
    t = cfg.train
    given = [
        flag
        for flag, used in (
            ("--init-from", bool(t.init_from)),
            ("--seeds", t.seeds > 1),
            ("--compare-scratch", t.compare_scratch),
        )
        if used
    ]
    if given:  # they mean nothing here: refused rather than silently ignored
        raise ConfigError(
            f"{', '.join(given)} with --task language-model: a language model trains from "
            "random weights once (--ensemble N averages N seeds); leave "
            f"{'it' if len(given) == 1 else 'them'} out"
        )
    with (
        run_directory(out, overwrite=overwrite, resume=resume) as writer,
        resumable(writer, cfg, "train", resume=resume is not None, overwrite=overwrite),
    ):
        result = _train(cfg, writer, progress)
    if writer is not None:
        result.run_dir = writer.out
    return result


def language_defaults(t: TrainConfig, n_windows: int) -> TrainConfig:
    """The training options with a language model's own defaults filled in.

    ``--lr`` left at the common default becomes :data:`DEFAULT_LM_LR`; ``--epochs auto``
    gives about :data:`AUTO_LM_STEPS` optimiser steps (at least :data:`AUTO_LM_EPOCHS`
    epochs, at most 200). The run's config keeps what was given.
    """
    from biodl.training.fit import batch_size_for

    epochs: int | str = t.epochs
    if epochs == "auto":
        steps = -(-n_windows // max(1, batch_size_for(t, n_windows)))
        epochs = int(np.clip(-(-AUTO_LM_STEPS // max(1, steps)), AUTO_LM_EPOCHS, 200))
    lr = DEFAULT_LM_LR if t.lr == TrainConfig().lr else t.lr
    return dataclasses.replace(t, epochs=int(epochs), lr=lr)


def _train(cfg: RunConfig, writer: RunWriter | None, progress: bool | None) -> LanguageModelResult:
    from biodl.pipeline.fitting import ensemble_size
    from biodl.training.fit import fit_module
    from biodl.training.language import LanguageTask, Windows

    context = int(cfg.data.context)
    objective = cfg.data.objective
    name = cfg.model.name if cfg.model.name not in ("auto", "", None) else DEFAULT_LM_MODEL
    parts, alphabet, notes = language_parts(cfg)
    windows = {k: windows_of(v, context) for k, v in parts.items()}
    n_letters = alphabet.n_channels
    if not (plain_letters(windows["train"], n_letters) >= 0).any():
        raise DataError(f"{cfg.data.train}: no plain letter ({alphabet.letters}) to learn from")
    for note in notes:  # as a classifier's data warnings: on the terminal and in log.txt
        warnings.warn(note, DataWarning, stacklevel=3)
    n_members = ensemble_size(cfg)
    members: list[LanguageModel] = []
    fits = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for member in range(n_members):  # --ensemble N: seeds seed, seed + 1, ...
            seed = cfg.train.seed + member
            torch.manual_seed(seed)
            network = LanguageModel(
                model=name,
                alphabet_name=alphabet.name,
                objective=objective,
                params=dict(cfg.model.params),
            )
            t = language_defaults(dataclasses.replace(cfg.train, seed=seed), len(windows["train"]))
            task = LanguageTask(
                network,
                optimizer=t.optimizer,
                lr=t.lr,
                momentum=t.momentum,
                nesterov=t.nesterov,
                weight_decay=t.weight_decay,
                scheduler=t.scheduler,
                epochs=int(t.epochs),
                seed=t.seed,
            )
            fits.append(
                fit_module(
                    task,
                    Windows(windows["train"]),
                    Windows(windows["valid"]),
                    cfg=t,
                    monitor=("valid_loss", "min"),
                    progress=progress,
                )
            )
            members.append(fits[-1].network.eval())  # type: ignore[arg-type]
    for w in caught:  # shown on the page, and passed on as every run passes its warnings
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    notes += [str(w.message) for w in caught if issubclass(w.category, BiodlWarning)]
    fit = fits[0]
    model: AnyLanguageModel = members[0] if n_members == 1 else LanguageEnsemble(members)
    model.eval()
    selection = fit_markov_on_valid(windows["train"], windows["valid"], n_letters)
    markov = selection.model
    metrics = _metrics(cfg, model, markov, selection.valid_perplexity, parts, windows, name)
    metrics["training"] = {
        "epochs_run": fit.epochs_run,
        "best_epoch": fit.best_epoch,
        "stopped_early": fit.stopped_early,
        "seconds": round(sum(f.seconds for f in fits), 3),
        "device": fit.device,
    }
    if n_members > 1:  # the history and the epochs above are the first network's
        metrics["training"]["ensemble"] = {
            "members": n_members,
            "seeds": [cfg.train.seed + member for member in range(n_members)],
            "epochs_run": [f.epochs_run for f in fits],
            "best_epoch": [f.best_epoch for f in fits],
            "seconds": [round(f.seconds, 3) for f in fits],
        }
    metrics["warnings"] = list(notes)  # the page's warnings, for `biodl report RUN`
    result = LanguageModelResult(None, metrics, fit.history, model, markov, notes)
    if writer is not None:
        _write_run(writer, cfg, result, alphabet, name)
    return result


def _metrics(
    cfg: RunConfig,
    model: AnyLanguageModel,
    markov: MarkovModel,
    by_order: dict[int, float],
    parts: dict[str, list[np.ndarray]],
    windows: dict[str, np.ndarray],
    name: str,
) -> dict[str, Any]:
    from biodl.report.language import verdict_text

    seed = cfg.train.seed
    context = int(cfg.data.context)
    entries: dict[str, dict[str, Any]] = {"network": {}, "markov": {"order": markov.order}}
    for part in ("valid", "test"):
        w = windows[part]
        owner = _owners(parts[part], context)
        n_seq = len(parts[part])
        nll, count = _per_window_nll(model, w, seed=seed)
        mk_nll = -markov.letter_log_probs(w).sum(axis=1)
        mk_count = (plain_letters(w, markov.n_letters) >= 0).sum(axis=1).astype(np.float64)
        for key, (a, c) in {"network": (nll, count), "markov": (mk_nll, mk_count)}.items():
            entries[key][f"{part}_perplexity"] = float(np.exp(a.sum() / max(c.sum(), 1.0)))
            entries[key][f"{part}_letters"] = int(c.sum())
            if part == "test":
                seq_a, seq_c = _per_sequence(a, owner, n_seq), _per_sequence(c, owner, n_seq)
                entries[key]["test_perplexity_ci"] = _bootstrap(seq_a, seq_c, seed)
                entries[key]["test_log_likelihood_per_sequence_mean"] = float(-seq_a.mean())
    entries["markov"]["valid_perplexity_by_order"] = {str(k): v for k, v in by_order.items()}
    net, mk = entries["network"]["test_perplexity"], entries["markov"]["test_perplexity"]
    return {
        "command": "train",
        "task": "language-model",
        "model": name,
        "objective": model.objective,
        "alphabet": model.alphabet_name,
        "context": context,
        "verdict": verdict_text(net, mk, markov.order),
        "network": entries["network"],
        "markov": entries["markov"],
        "sequences": {k: len(v) for k, v in parts.items()},
        "windows": {k: len(v) for k, v in windows.items()},
        "letters": {
            k: int((plain_letters(v, model.n_letters) >= 0).sum()) for k, v in windows.items()
        },
    }


def model_info(model: AnyLanguageModel, alphabet: Alphabet, context: int) -> dict[str, Any]:
    """``model.json`` of a language model: enough to rebuild it."""
    info = {
        "task": "language-model",
        "model": model.model_name,
        "params": model.params,
        "alphabet": alphabet.name,
        "letters": alphabet.letters,
        "objective": model.objective,
        "context": context,
    }
    if isinstance(model, LanguageEnsemble):
        info["ensemble"] = len(model.members)
    return info


def _write_run(
    writer: RunWriter, cfg: RunConfig, result: LanguageModelResult, alphabet: Alphabet, name: str
) -> None:
    import yaml

    from biodl.report.language import language_facts, language_subtitle, write_language_report
    from biodl.runs import save_model

    context = int(cfg.data.context)
    folder = writer.file("model/model.json").parent
    save_model(folder, result.model, model_info(result.model, alphabet, context))
    result.markov.save(folder / MARKOV_FILE)
    writer.write_json("metrics.json", result.metrics)
    writer.write_csv("history.csv", result.history)
    config_yaml = yaml.safe_dump(cfg.to_dict(), sort_keys=False)
    writer.write_text("config.yaml", config_yaml)
    write_language_report(
        writer.file("report.html"),
        metrics=result.metrics,
        history=result.history,
        facts=language_facts(result.metrics, str(cfg.data.train)),
        warnings=result.warnings,
        subtitle=language_subtitle(str(cfg.data.train)),
    )


def load_language_model(run: str | os.PathLike[str]) -> LanguageModelRun:
    """Load the language model (and its Markov model) of a run directory.

    Raises
    ------
    DataError
        When the run is not a language-model run.
    """
    from safetensors.torch import load_file

    from biodl.runs import model_folder

    folder = model_folder(run)
    info = __import__("json").loads((folder / "model.json").read_text(encoding="utf-8"))
    if info.get("task") != "language-model":
        raise DataError(f"{run}: not a language-model run (trained with --task language-model)")
    members = [
        LanguageModel(
            model=info["model"],
            alphabet_name=info["alphabet"],
            objective=info["objective"],
            params=info["params"],
        )
        for _ in range(int(info.get("ensemble", 1)))
    ]
    model = members[0] if len(members) == 1 else LanguageEnsemble(members)
    model.load_state_dict(load_file(str(folder / "weights.safetensors")))
    model.eval()
    markov_path = folder / MARKOV_FILE
    markov = MarkovModel.load(markov_path) if markov_path.exists() else None
    return LanguageModelRun(
        model=model,
        alphabet=ALPHABETS[info["alphabet"]],
        objective=info["objective"],
        context=int(info["context"]),
        markov=markov,
        info=info,
    )


def sample_sequences(
    model: AnyLanguageModel,
    n: int,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    prefix: str = "",
    length: int = 100,
    seed: int = 0,
    context: int | None = None,
) -> list[str]:
    """Draw ``n`` sequences letter by letter from a causal language model.

    Parameters
    ----------
    model : LanguageModel or LanguageEnsemble
        A causal model.
    n : int
        Sequences to draw.
    temperature : float, default 1.0
        Logits are divided by it: below 1 sharper, above 1 flatter.
    top_k : int, optional
        Draw among the ``top_k`` most likely letters only.
    prefix : str, default ""
        Letters every sequence starts with (part of the ``length``).
    length : int, default 100
        Letters per sequence, prefix included.
    seed : int, default 0
        Same seed, same sequences.
    context : int, optional
        The run's window length: the letter at ``t`` is drawn from the letters since the
        start of its window (``t - t % context``), as the model was trained and evaluated
        (windows of ``context`` letters, each from the start state). Default: from every
        earlier letter.

    Returns
    -------
    list of str
    """
    if model.objective != "causal":
        raise ConfigError("sampling needs a causal language model (--objective causal)")
    if temperature <= 0:
        raise ConfigError(f"--temperature {temperature}: expected a positive number")
    if top_k is not None and top_k < 1:
        raise ConfigError(f"--top-k {top_k}: expected 1 or more")
    alphabet = ALPHABETS[model.alphabet_name]  # type: ignore[index]
    start = np.array([], dtype=np.int64)
    if prefix:
        start = alphabet.lut[np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)].astype(np.int64)
        if (start < 1).any() or (start > alphabet.n_channels).any():
            raise DataError(f"--prefix {prefix}: expected plain letters of {alphabet.letters} only")
    if len(start) > length:
        raise ConfigError(f"--prefix is {len(start)} letters, longer than --length {length}")
    generator = torch.Generator().manual_seed(seed)
    codes = torch.zeros(n, length, dtype=torch.long)
    codes[:, : len(start)] = torch.as_tensor(start)
    model.eval()
    with torch.no_grad():
        for t in range(len(start), length):
            first = 0 if context is None else t - t % context
            # The logits at t read only the letters before t; a placeholder letter at t keeps
            # the first letter of a window from being a fully padded input (which a
            # transformer's attention turns into NaN).
            codes[:, t] = 1
            logits = model(codes[:, first : t + 1])[:, -1].float() / temperature
            if top_k is not None and top_k < logits.shape[1]:
                cut = logits.topk(top_k, dim=1).values[:, -1:]
                logits = logits.masked_fill(logits < cut, float("-inf"))
            probs = torch.softmax(logits, dim=1)
            codes[:, t] = torch.multinomial(probs, 1, generator=generator)[:, 0] + 1
    return [alphabet.decode(row.numpy()) for row in codes]
