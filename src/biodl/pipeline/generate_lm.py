"""``biodl generate LM_RUN``: draw sequences from a language-model run and judge them.

:func:`generate_from_language_model` loads the run (:func:`~biodl.pipeline.language.
load_language_model`), draws ``n`` sequences letter by letter
(:func:`~biodl.pipeline.language.sample_sequences`, ``temperature``, ``top_k``, ``prefix``),
and, when the run's data can be read again from its ``config.yaml`` (the same seeded split),
judges them against the run's training sequences with
:func:`~biodl.evaluation.sequence_samples.compare_sequences`: k-mer spectra, lengths and
nearest-neighbour identity (memorisation). Two more rows give the scale of those numbers:

- the run's **held-out real** test sequences against the same training sequences (the
  yardstick: two real samples of one family are not identical either), at most ``n`` of them,
  drawn with the seed;
- the run's **Markov model** (the classical comparator, fitted on the same training windows)
  sampled at the same lengths.

A language model has no end-of-sequence letter, so it does not choose lengths: each sample's
length is drawn from the training sequences' lengths (or is ``length``), and the length rows
of the table say only that the draw worked. Letters are drawn window by window as the model
was trained (windows of the run's ``context`` letters, each from the start state); the Markov
model likewise.

A masked language model (``--objective masked``) defines no left-to-right distribution; its
samples are drawn by iterative unmasking and optional Gibbs sweeps
(:func:`~biodl.pipeline.masked_sampling.sample_masked_sequences`, Wang & Cho 2019:
``unmask_order``, ``unmask_per_step``, ``gibbs_sweeps``), window by window of the run's
``context``, at the same lengths; the model passes per sequence are reported.

The output folder::

    OUT/
      samples.fa        the generated sequences (>syn_1 ...)
      markov_samples.fa the Markov model's sequences, same lengths (when compared)
      metrics.json      the checks of each set, the verdict
      samplers.csv      the same table
      config.yaml       the options (``command: generate``)
      plots/*.png, report.html (when compared)
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl.data.alphabet import Alphabet
from biodl.errors import ConfigError, DataError, DataWarning

__all__ = [
    "DEFAULT_TEMPERATURE",
    "MASKED_DEFAULTS",
    "LanguageSamples",
    "check_masked_options",
    "generate_from_language_model",
    "is_language_model_run",
    "language_model_lengths",
    "markov_sequences",
]

#: Temperature when none is given: the model's own probabilities.
DEFAULT_TEMPERATURE = 1.0
#: A masked run's sampler when its options are not given: one hidden letter per pass, the
#: surest first, no Gibbs sweep. On a planted motif (docs/language-models.md) this order drew
#: the motif in 67 % of samples against 16 % for a random order (44 % after 10 sweeps).
MASKED_DEFAULTS: dict[str, Any] = {
    "unmask_order": "confident",
    "unmask_per_step": 1,
    "gibbs_sweeps": 0,
}


@dataclass
class LanguageSamples:
    """What :func:`generate_from_language_model` made (``biodl generate`` returns it as a
    :class:`~biodl.pipeline.generate.GenerateResult`).

    Attributes
    ----------
    sequences : list of str
    ids : list of str
        ``syn_1 ..``.
    metrics : dict of str to float
        The generated set's checks (empty when the run's data could not be read again).
    table : DataFrame or None
        One row per set: the language model, its Markov model, held-out real sequences.
    verdict : str
    files : list of Path
    out : Path or None
    warnings : list of str
    """

    sequences: list[str]
    ids: list[str]
    metrics: dict[str, float] = field(default_factory=dict)
    table: pd.DataFrame | None = None
    verdict: str = ""
    files: list[Path] = field(default_factory=list)
    out: Path | None = None
    warnings: list[str] = field(default_factory=list)


def is_language_model_run(path: Path) -> bool:
    """Whether ``path`` is a run directory of ``biodl train --task language-model``."""
    info = path / "model" / "model.json"
    if not info.is_file():
        return False
    try:
        return json.loads(info.read_text(encoding="utf-8")).get("task") == "language-model"
    except (OSError, ValueError):
        return False


def check_sampling_options(
    temperature: float | None, top_k: int | None, length: int | None
) -> float:
    """The temperature to use; one-line errors for a temperature <= 0, top-k or length < 1."""
    value = DEFAULT_TEMPERATURE if temperature is None else float(temperature)
    if not value > 0:
        raise ConfigError(
            f"--temperature {temperature}: expected a number above 0 (1 draws from the model's "
            "own probabilities, below 1 is sharper, e.g. --temperature 0.8)"
        )
    if top_k is not None and top_k < 1:
        raise ConfigError(f"--top-k {top_k}: expected 1 or more (letters to draw among)")
    if length is not None and length < 1:
        raise ConfigError(f"--length {length}: expected 1 or more letters per sequence")
    return value


def check_masked_options(
    objective: str,
    run: Path,
    unmask_order: str | None,
    unmask_per_step: int | None,
    gibbs_sweeps: int | None,
) -> dict[str, Any] | None:
    """The masked sampler's settings (defaults filled in), or None for a causal run.

    Raises
    ------
    ConfigError
        A masked-sampling option given with a causal run, an unknown order, a per-step count
        below 1 or sweeps below 0.
    """
    from biodl.pipeline.masked_sampling import UNMASK_ORDERS

    given = {
        "--unmask-order": unmask_order,
        "--unmask-per-step": unmask_per_step,
        "--gibbs-sweeps": gibbs_sweeps,
    }
    if objective != "masked":
        for flag, value in given.items():
            if value is not None:
                raise ConfigError(
                    f"{flag} applies to a masked language model (--objective masked); {run} "
                    "is causal and draws letter by letter. Leave it out"
                )
        return None
    chosen = {"unmask_order": unmask_order, "unmask_per_step": unmask_per_step}
    chosen["gibbs_sweeps"] = gibbs_sweeps
    settings = {**MASKED_DEFAULTS, **{k: v for k, v in chosen.items() if v is not None}}
    if settings["unmask_order"] not in UNMASK_ORDERS:
        raise ConfigError(
            f"--unmask-order {unmask_order}: expected one of {', '.join(UNMASK_ORDERS)}"
        )
    if settings["unmask_per_step"] < 1:
        raise ConfigError(
            f"--unmask-per-step {unmask_per_step}: expected 1 or more hidden letters drawn "
            "per pass of the model"
        )
    if settings["gibbs_sweeps"] < 0:
        raise ConfigError(f"--gibbs-sweeps {gibbs_sweeps}: expected 0 or more sweeps")
    return settings


def check_prefix(prefix: str, alphabet: Alphabet) -> str:
    """``prefix`` in upper case; a one-line DataError naming the first letter not allowed."""
    text = prefix.strip().upper()
    for position, letter in enumerate(text, start=1):
        if letter not in alphabet.letters:
            raise DataError(
                f"--prefix {prefix}: letter {letter!r} at position {position} is not a plain "
                f"letter of the run's {alphabet.name} alphabet ({alphabet.letters}); give those "
                "letters only"
            )
    return text


def language_model_lengths(
    n: int, training_lengths: np.ndarray | None, length: int | None, prefix: int, seed: int
) -> np.ndarray:
    """Letters of each of ``n`` samples: ``length``, else drawn from the training lengths.

    A sample is never shorter than the prefix.
    """
    if length is not None:
        lengths = np.full(n, int(length))
    elif training_lengths is not None and len(training_lengths):
        rng = np.random.default_rng(seed)
        lengths = rng.choice(np.asarray(training_lengths, dtype=np.int64), size=n, replace=True)
    else:
        raise DataError(
            "the language-model run's training sequences could not be read again to draw "
            "lengths from; give --length"
        )
    return np.maximum(lengths, max(prefix, 1)).astype(np.int64)


def markov_sequences(
    markov: Any, alphabet: Alphabet, lengths: np.ndarray, context: int, seed: int
) -> list[str]:
    """The Markov model's samples at ``lengths``, drawn window by window of ``context``."""
    longest = int(lengths.max())
    pieces = [
        markov.sample(len(lengths), context, seed=seed + w) for w in range(-(-longest // context))
    ]
    codes = np.concatenate(pieces, axis=1)
    return [alphabet.decode(codes[i, : lengths[i]]) for i in range(len(lengths))]


def _real_parts(run: Path) -> tuple[dict[str, list[str]] | None, str]:
    """The run's train / valid / test sequences re-read from its config (None, why: when not)."""
    import yaml

    from biodl.config import RunConfig
    from biodl.errors import BiodlError
    from biodl.pipeline.language import language_parts

    try:
        raw = yaml.safe_load((run / "config.yaml").read_text(encoding="utf-8"))
        cfg = RunConfig.from_dict(raw, source=str(run / "config.yaml"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parts, alphabet, _ = language_parts(cfg)
    except (OSError, BiodlError, ValueError, TypeError, KeyError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        return None, first
    return {k: [alphabet.decode(c) for c in v] for k, v in parts.items()}, ""


def _fasta(ids: list[str], sequences: list[str]) -> str:
    return "".join(f">{i}\n{s}\n" for i, s in zip(ids, sequences, strict=True))


def generate_from_language_model(
    run: Path,
    *,
    n: int,
    length: int | None = None,
    temperature: float | None = None,
    top_k: int | None = None,
    prefix: str | None = None,
    unmask_order: str | None = None,
    unmask_per_step: int | None = None,
    gibbs_sweeps: int | None = None,
    seed: int = 0,
    out: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
) -> LanguageSamples:
    """Draw ``n`` sequences from the language model of ``run``; judge and write them.

    A causal model draws letter by letter; a masked model by iterative unmasking
    (``unmask_order``, ``unmask_per_step``) and ``gibbs_sweeps`` (:mod:`biodl.pipeline.
    masked_sampling`; defaults :data:`MASKED_DEFAULTS`).

    Returns
    -------
    LanguageSamples

    Raises
    ------
    ConfigError
        ``temperature`` <= 0, ``top_k`` or ``length`` < 1, no ``out``; a masked-sampling
        option with a causal run or out of range.
    DataError
        A prefix with letters outside the run's alphabet.
    """
    from biodl.pipeline.language import load_language_model, sample_sequences
    from biodl.pipeline.masked_sampling import sample_masked_sequences
    from biodl.runs import run_directory

    value = check_sampling_options(temperature, top_k, length)
    lm = load_language_model(run)
    masked = check_masked_options(lm.objective, run, unmask_order, unmask_per_step, gibbs_sweeps)
    start = check_prefix(prefix or "", lm.alphabet)
    if out is None:
        raise ConfigError(f"--out is required: the folder to write the samples of {run} into")
    real, why = _real_parts(run)
    notes = []
    if real is None:
        notes.append(
            f"{run}: its training data could not be read again ({why}); the samples are "
            "written without the comparison with real sequences"
        )
    train_lengths = None if real is None else np.array([len(s) for s in real["train"]])
    lengths = language_model_lengths(n, train_lengths, length, len(start), seed)
    passes = None
    if masked is None:
        drawn = sample_sequences(
            lm.model,
            n,
            temperature=value,
            top_k=top_k,
            prefix=start,
            length=int(lengths.max()),
            seed=seed,
            context=lm.context,
        )
        sequences = [s[:m] for s, m in zip(drawn, lengths, strict=True)]
    else:
        draw = sample_masked_sequences(
            lm.model,
            lengths,
            temperature=value,
            top_k=top_k,
            prefix=start,
            seed=seed,
            context=lm.context,
            order=masked["unmask_order"],
            per_step=masked["unmask_per_step"],
            gibbs_sweeps=masked["gibbs_sweeps"],
        )
        sequences, passes = draw.sequences, draw.passes_per_sequence
    ids = [f"syn_{i}" for i in range(1, n + 1)]
    for message in notes:
        warnings.warn(message, DataWarning, stacklevel=2)
    result = LanguageSamples(sequences, ids, warnings=notes)
    settings = {
        "command": "generate",
        "run": str(run),
        "n": n,
        "length": length,
        "temperature": value,
        "top_k": top_k,
        "prefix": start or None,
        **(masked or {}),
        "seed": seed,
    }
    judged = None
    if real is not None:
        judged = _judge(lm, real, sequences, lengths, seed)
        result.metrics = judged["metrics"]
        result.table = judged["table"]
        result.verdict = judged["verdict"]
    with run_directory(out, overwrite=overwrite) as writer:
        assert writer is not None
        import yaml

        files = [writer.write_text("samples.fa", _fasta(ids, sequences))]
        config_yaml = yaml.safe_dump(settings, sort_keys=False)
        writer.write_text("config.yaml", config_yaml)
        summary: dict[str, Any] = {
            "command": "generate",
            "model": "language-model",
            "source_run": str(run),
            "objective": lm.objective,
            **({} if passes is None else {"passes_per_sequence": passes}),
            "verdict": result.verdict,
            "rows": {"samples": n},
            "metrics": result.metrics,
        }
        if judged is not None:
            files.append(
                writer.write_text(
                    "markov_samples.fa", _fasta(judged["markov_ids"], judged["markov"])
                )
            )
            table = judged["table"]
            writer.write_csv("samplers.csv", table.reset_index())
            summary["samplers"] = {
                str(name): {k: float(v) for k, v in row.items()} for name, row in table.iterrows()
            }
            summary["rows"].update(judged["rows"])
            _write_report(writer, run, lm, judged, settings, config_yaml, notes, passes)
        writer.write_json("metrics.json", summary)
    result.out = writer.out
    result.files = [writer.out / f.name for f in files]
    return result


def _judge(
    lm: Any, real: dict[str, list[str]], sequences: list[str], lengths: np.ndarray, seed: int
) -> dict[str, Any]:
    """The checks of the samples, the Markov samples and held-out real sequences."""
    from biodl.evaluation.sequence_samples import compare_sequences

    training = real["train"]
    held = real["test"]
    if len(held) > len(sequences):
        rng = np.random.default_rng(seed + 1)
        held = [held[i] for i in np.sort(rng.choice(len(held), len(sequences), replace=False))]
    markov = (
        markov_sequences(lm.markov, lm.alphabet, lengths, lm.context, seed + 2)
        if lm.markov is not None
        else None
    )
    every = [*sequences, *training, *held, *(markov or [])]
    letters = "".join(sorted({c for s in every for c in s}))
    checks = compare_sequences(sequences, training, held, letters=letters)
    assert checks.real is not None
    rows = {"language model": checks.generated.to_dict()}
    markov_checks = None
    if markov is not None:
        markov_checks = compare_sequences(markov, training, letters=letters)
        rows[f"Markov order {lm.markov.order}"] = markov_checks.generated.to_dict()
    rows["held-out real"] = checks.real.to_dict()
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "set"
    return {
        "checks": checks,
        "markov_checks": markov_checks,
        "markov": markov or [],
        "markov_ids": [f"markov_{i}" for i in range(1, len(markov or []) + 1)],
        "table": table,
        "metrics": checks.generated.to_dict(),
        "verdict": _verdict(table),
        "rows": {"training": len(training), "held_out_real": len(held)},
    }


def _verdict(table: pd.DataFrame) -> str:
    """One sentence: the 3-mer (longest k) spectrum distance and verbatim copies, with scale."""
    k = max(int(c[4:]) for c in table.columns if c.startswith("js_k"))
    column = f"js_k{k}"
    lm, real = table.loc["language model"], table.loc["held-out real"]
    markov = [name for name in table.index if str(name).startswith("Markov")]
    text = (
        f"{k}-mer spectrum distance to the training sequences {lm[column]:.3f} "
        f"(held-out real {real[column]:.3f}"
        + (f", {markov[0]} {table.loc[markov[0], column]:.3f}" if markov else "")
        + f"); {100 * lm['identical_fraction']:.0f} % verbatim copies of training sequences "
        f"(held-out real {100 * real['identical_fraction']:.0f} %), nearest-neighbour identity "
        f"{lm['nn_identity_mean']:.2f} on average (held-out real {real['nn_identity_mean']:.2f})"
    )
    return text


def _masked_facts(settings: dict[str, Any], passes: float | None) -> list[tuple[str, str]]:
    """The masked sampler's row of the report's facts (none for a causal run)."""
    if passes is None:
        return []
    sweeps = settings["gibbs_sweeps"]
    return [
        (
            "Masked sampler",
            f"iterative unmasking ({settings['unmask_order']} order, "
            f"{settings['unmask_per_step']} per pass), {sweeps} Gibbs sweep"
            + ("" if sweeps == 1 else "s")
            + f" (Wang & Cho 2019); {passes:.1f} model passes over a window per sequence",
        )
    ]


def _write_report(
    writer: Any,
    run: Path,
    lm: Any,
    judged: dict[str, Any],
    settings: dict[str, Any],
    config_yaml: str,
    notes: list[str],
    passes: float | None,
) -> None:
    from biodl.report.generate_lm import write_language_samples_report

    prefix = settings["prefix"]
    write_language_samples_report(
        writer.file("report.html"),
        checks=judged["checks"],
        table=judged["table"],
        verdict=judged["verdict"],
        plots=writer.path / "plots",
        facts=[
            (
                "Language-model run",
                f"{run} ({lm.info['model']}, {lm.objective}, context "
                f"{lm.context}, {lm.alphabet.name})",
            ),
            ("Samples", f"{settings['n']}, written to samples.fa"),
            (
                "Drawing",
                f"temperature {settings['temperature']:g}, "
                + (f"top-k {settings['top_k']}" if settings["top_k"] else "every letter")
                + (f", prefix {prefix}" if prefix else "")
                + f", seed {settings['seed']}",
            ),
            *_masked_facts(settings, passes),
            (
                "Lengths",
                f"all {settings['length']}"
                if settings["length"]
                else "drawn from the training sequences' lengths",
            ),
            (
                "Real sequences",
                f"{judged['rows']['training']} training, {judged['rows']['held_out_real']} "
                "held-out (the run's test part)",
            ),
        ],
        config_yaml=config_yaml,
        warnings=notes,
        subtitle=f"biodl generate · {run}",
    )
