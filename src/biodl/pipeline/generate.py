"""``biodl generate``: fit a generative model on real data, write samples and judge them.

``run_generate(DATA, model='vae'|'gan', n=1000, out=DIR)`` reads DATA with its kind's reader
(:mod:`biodl.pipeline.generate_data`), holds real rows out **before** fitting (``holdout``,
seeded and stratified by the condition, or the ``test`` file), fits the model on the rest
(:mod:`biodl.pipeline.generate_models`), draws samples, judges them against the held-out rows
beside the classical samplers (:mod:`biodl.pipeline.generate_eval`) and writes atomically::

    OUT/
      samples.csv | samples.h5ad | samples.npz + samples.png | samples.fa
      model/weights.safetensors, model/model.json   the network and the JSON that rebuilds it
      metrics.json      flat numbers of the samples, the samplers table, training facts
      samplers.csv      the same table
      history.csv       one row per epoch
      config.yaml       the options (``command: generate``)
      plots/*.png, report.html, log.txt (when there were warnings)

``run_generate(LM_RUN, n=100, temperature=0.8, out=DIR)`` draws sequences from a language-model
run (``biodl train --task language-model``) and judges them (:mod:`biodl.pipeline.generate_lm`).

``run_generate(RUN, n=500, seed=1, out=DIR2)`` draws again from the model of an earlier
generate run (same seed, same samples) and writes only the samples and ``config.yaml``.

Examples
--------
>>> from biodl.pipeline.generate import run_generate  # doctest: +SKIP
>>> result = run_generate("cells.csv", model="vae", n=500, out="gen")  # doctest: +SKIP
>>> result.metrics["detection_auroc"]  # doctest: +SKIP
0.62
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl.config.generate import GAN_COUNTS_HELP
from biodl.errors import ConfigError, DataError, DataWarning
from biodl.pipeline.generate_data import RealData, holdout_split, read_real, write_samples
from biodl.pipeline.generate_lm import generate_from_language_model, is_language_model_run
from biodl.pipeline.generate_models import (
    MIN_TRAINING_ROWS,
    Generative,
    check_positive,
    class_labels,
    fit_generative,
    is_generative_model,
    load_generative,
)
from biodl.runs import run_directory

__all__ = ["GENERATE_MODELS", "SELECTION_FRACTION", "GenerateResult", "run_generate"]

#: ``--model`` choices.
GENERATE_MODELS = ("vae", "gan")
#: Share of the training rows a GAN does not see, on which its kept epoch is chosen.
SELECTION_FRACTION = 0.15


@dataclass
class GenerateResult:
    """What ``biodl generate`` made.

    Attributes
    ----------
    samples : ndarray
        Generated rows in the data's units, shaped like the input rows.
    labels : (n,) str array or None
        The class of each sample (conditional models).
    ids : list of str
        ``syn_1 ..``.
    metrics : dict of str to float
        The samples' checks (empty when drawing again from a run).
    table : DataFrame or None
        The samplers table (one row per sampler).
    verdict : str
    files : list of Path
        The sample files written.
    out : Path or None
    warnings : list of str
    """

    samples: np.ndarray
    labels: np.ndarray | None
    ids: list[str]
    metrics: dict[str, float] = field(default_factory=dict)
    table: pd.DataFrame | None = None
    verdict: str = ""
    files: list[Path] = field(default_factory=list)
    out: Path | None = None
    warnings: list[str] = field(default_factory=list)


def _is_run(path: Path) -> bool:
    return path.is_dir() and (
        (path / "model" / "model.json").is_file() or (path / "metrics.json").is_file()
    )


def _refuse_given(options: Mapping[str, object], why: str) -> None:
    """One line naming the first of ``options`` (flag -> value, None = not given) that was
    given: ``<flag> <why>. Leave <flag> out``."""
    for flag, value in options.items():
        if value is not None:
            raise ConfigError(f"{flag} {why}. Leave {flag} out")


def run_generate(
    data: str | os.PathLike[str],
    *,
    model: str = "vae",
    n: int = 1000,
    n_per_class: int | None = None,
    condition: str | None = None,
    holdout: float = 0.2,
    test: str | os.PathLike[str] | None = None,
    kind: str = "auto",
    length: int | None = None,
    genes_as_rows: bool = False,
    epochs: int | None = None,
    batch_size: int | None = None,
    lr: float | None = None,
    vae_sample: str = "auto",
    gan_loss: str | None = None,
    gan_counts: str | None = None,
    d_steps: int | None = None,
    g_steps: int | None = None,
    stop_when_fooled: float | None = None,
    temperature: float | None = None,
    top_k: int | None = None,
    prefix: str | None = None,
    unmask_order: str | None = None,
    unmask_per_step: int | None = None,
    gibbs_sweeps: int | None = None,
    seed: int = 0,
    out: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
) -> GenerateResult:
    """Fit ``model`` on DATA's training part, sample, judge and write; or sample from a run.

    Parameters are documented with the options in docs/generate.md and ``biodl generate
    --help`` (:mod:`biodl.config.generate`).

    Raises
    ------
    ConfigError
        ``temperature``, ``top_k``, ``prefix`` or a masked-sampling option with data that is
        not a language-model run, a GAN option (``gan_loss``, ``gan_counts``, ``d_steps``,
        ``g_steps``, ``stop_when_fooled``) with another model, ``gan_counts`` on values that
        are not counts, a fitting option (``epochs``, ``test``, ...) with a saved run, an
        unknown ``model``, ``n`` or ``n_per_class`` not positive,
        ``holdout`` outside (0, 1), a kind that is not generated.
    DataError
        Unreadable data, a condition column missing or with one class, too few training rows,
        a run directory that is not a generate run.
    """
    n = check_positive(n, "--n")
    if n_per_class is not None:
        check_positive(n_per_class, "--n-per-class")
    path = Path(data)
    if _is_run(path) and is_language_model_run(path):
        drawn = generate_from_language_model(
            path,
            n=n,
            length=length,
            temperature=temperature,
            top_k=top_k,
            prefix=prefix,
            unmask_order=unmask_order,
            unmask_per_step=unmask_per_step,
            gibbs_sweeps=gibbs_sweeps,
            seed=seed,
            out=out,
            overwrite=overwrite,
        )
        return GenerateResult(
            np.array(drawn.sequences, dtype=object),
            None,
            drawn.ids,
            drawn.metrics,
            drawn.table,
            drawn.verdict,
            drawn.files,
            drawn.out,
            drawn.warnings,
        )
    drawing = {
        "--temperature": temperature,
        "--top-k": top_k,
        "--prefix": prefix,
        "--unmask-order": unmask_order,
        "--unmask-per-step": unmask_per_step,
        "--gibbs-sweeps": gibbs_sweeps,
    }
    _refuse_given(
        drawing,
        "applies to drawing from a language-model run (biodl train --task language-model); "
        f"{data} is not one",
    )
    if _is_run(path):
        fitting = {
            "--condition": condition,
            "--test": test,
            "--length": length,
            "--epochs": epochs,
            "--batch-size": batch_size,
            "--lr": lr,
            "--gan-loss": gan_loss,
            "--gan-counts": gan_counts,
            "--d-steps": d_steps,
            "--g-steps": g_steps,
            "--stop-when-fooled": stop_when_fooled,
        }
        _refuse_given(
            fitting,
            f"applies to fitting a generative model; {data} is a saved run, which only samples "
            "again",
        )
        return _sample_again(path, n, n_per_class, seed, out, overwrite)
    if model not in GENERATE_MODELS:
        raise ConfigError(f"--model {model!r}: expected one of {', '.join(GENERATE_MODELS)}")
    if vae_sample not in ("auto", "mean", "draw"):
        raise ConfigError(f"--vae-sample {vae_sample!r}: expected one of auto, mean, draw")
    if gan_counts is not None and gan_counts not in GAN_COUNTS_HELP:
        raise ConfigError(
            f"--gan-counts {gan_counts!r}: expected one of {', '.join(GAN_COUNTS_HELP)}"
        )
    if model != "gan":
        gan_only = {
            "--gan-loss": gan_loss,
            "--gan-counts": gan_counts,
            "--d-steps": d_steps,
            "--g-steps": g_steps,
            "--stop-when-fooled": stop_when_fooled,
        }
        _refuse_given(gan_only, f"applies to --model gan, not {model}")
    real = read_real(
        path, kind=kind, condition=condition, length=length, genes_as_rows=genes_as_rows
    )
    if gan_counts is not None and not real.counts:
        raise ConfigError(
            f"--gan-counts applies to a table of counts; {real.source} holds {real.kind} values "
            "that are not whole counts. Leave --gan-counts out"
        )
    if test is not None:
        width = int(real.X.shape[1]) if real.kind == "sequence" else None
        held = read_real(
            test, kind=real.kind, condition=condition, length=width, genes_as_rows=genes_as_rows
        )
        train = real
    else:
        index_train, index_held = holdout_split(len(real), holdout, seed=seed, labels=real.labels)
        train, held = real.subset(index_train), real.subset(index_held)
    fit_part, selection = train, None
    if model == "gan" and stop_when_fooled is None:
        fit_index, sel_index = holdout_split(
            len(train), SELECTION_FRACTION, seed=seed + 1, labels=train.labels
        )
        fit_part, selection = train.subset(fit_index), train.subset(sel_index)
    if len(fit_part) < MIN_TRAINING_ROWS[model]:
        raise DataError(
            f"{real.source}: {len(fit_part)} training rows after the held-out part; a {model} "
            f"needs at least {MIN_TRAINING_ROWS[model]}. Give more rows, or a smaller --holdout"
        )
    notes = list(real.notes)
    for message in notes:
        warnings.warn(message, DataWarning, stacklevel=2)
    options = {
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "vae_sample": vae_sample,
        "gan_loss": gan_loss,
        "gan_counts": gan_counts,
        "d_steps": d_steps,
        "g_steps": g_steps,
        "stop_when_fooled": stop_when_fooled,
    }
    show = sys.stderr.isatty() if progress is None else progress
    with run_directory(out, overwrite=overwrite) as writer:
        from biodl.pipeline.generate_eval import evaluate_generated, selection_quality

        quality = None if selection is None else selection_quality(fit_part, selection, seed=seed)
        fitted = fit_generative(
            model, fit_part, options=options, quality=quality, seed=seed, progress=show
        )
        fitted.spec["condition"] = condition
        X, labels = _draw(fitted, n, n_per_class, seed)
        judged = evaluate_generated(fit_part, held, X, labels, name=model, seed=seed)
        result = GenerateResult(
            X,
            labels,
            [f"syn_{i}" for i in range(1, len(X) + 1)],
            judged.metrics,
            judged.table,
            judged.verdict,
            warnings=notes,
        )
        if writer is not None:
            settings = {
                "command": "generate",
                "data": str(data),
                "model": model,
                "n": n,
                "n_per_class": n_per_class,
                "condition": condition,
                "holdout": holdout,
                "test": None if test is None else str(test),
                "kind": real.kind,
                "length": length,
                "genes_as_rows": genes_as_rows,
                **options,
                "seed": seed,
            }
            counts = {
                "train": len(fit_part),
                "holdout": len(held),
                "selection": len(selection or []),
            }
            result.files = _write_run(writer, real, fitted, result, judged, settings, counts)
    if writer is not None:
        result.out = writer.out
        result.files = [writer.out / f.name for f in result.files]
    return result


def _draw(
    fitted: Generative, n: int, n_per_class: int | None, seed: int
) -> tuple[np.ndarray, np.ndarray | None]:
    codes = class_labels(fitted, n, n_per_class, seed=seed)
    X = fitted.sample(n if codes is None else len(codes), codes, seed=seed)
    labels = None if codes is None else np.asarray(fitted.classes, dtype=object)[codes]
    return X, labels


def _real_like(spec: dict[str, Any]) -> RealData:
    """The :class:`RealData` facts that writing samples needs, from a saved spec."""
    empty = np.zeros((0, *spec["shape"]))
    return RealData(
        spec["kind"],
        empty,
        [],
        None,
        spec.get("source", ""),
        spec["fmt"],
        features=list(spec.get("features") or []),
        counts=bool(spec.get("counts")),
        letters=spec.get("letters", ""),
        pixel_dtype=spec.get("pixel_dtype", "float32"),
    )


def _sample_again(
    run: Path, n: int, n_per_class: int | None, seed: int, out: Any, overwrite: bool
) -> GenerateResult:
    if not is_generative_model(run):
        raise DataError(
            f"{run}: a biodl run, but not one of `biodl generate` (its model is not generative); "
            "pass the --out folder of an earlier `biodl generate`, or a data file"
        )
    if out is None:
        raise ConfigError(f"--out is required: the folder to write the samples of {run} into")
    fitted = load_generative(run)
    X, labels = _draw(fitted, n, n_per_class, seed)
    result = GenerateResult(X, labels, [f"syn_{i}" for i in range(1, len(X) + 1)])
    import yaml

    with run_directory(out, overwrite=overwrite) as writer:
        assert writer is not None
        files = write_samples(
            writer.path,
            _real_like(fitted.spec),
            X,
            labels,
            condition=fitted.spec.get("condition"),
        )
        settings = {
            "command": "generate",
            "run": str(run),
            "n": n,
            "n_per_class": n_per_class,
            "seed": seed,
        }
        writer.write_text("config.yaml", yaml.safe_dump(settings, sort_keys=False))
    result.out = writer.out
    result.files = [writer.out / f.name for f in files]
    return result


def _write_run(
    writer: Any,
    real: RealData,
    fitted: Generative,
    result: GenerateResult,
    judged: Any,
    settings: dict[str, Any],
    counts: dict[str, int],
) -> list[Path]:
    import yaml

    from biodl.report.generate import write_generate_report

    files = write_samples(
        writer.path,
        real,
        result.samples,
        result.labels,
        condition=settings["condition"],
    )
    fitted.save(writer.file("model/model.json").parent)
    table = judged.table.reset_index()
    writer.write_csv("samplers.csv", table)
    writer.write_csv("history.csv", fitted.history)
    training = {k: v for k, v in fitted.training.items()}
    writer.write_json(
        "metrics.json",
        {
            "command": "generate",
            "model": settings["model"],
            "kind": real.kind,
            "verdict": result.verdict,
            "rows": {**counts, "samples": len(result.samples)},
            "metrics": result.metrics,
            "samplers": {
                str(row["sampler"]): {k: float(v) for k, v in row.items() if k != "sampler"}
                for row in table.to_dict(orient="records")
            },
            "training": training,
        },
    )
    config_yaml = yaml.safe_dump(settings, sort_keys=False)
    writer.write_text("config.yaml", config_yaml)
    write_generate_report(
        writer.file("report.html"),
        judged=judged,
        samples=result.samples,
        labels=result.labels,
        history=fitted.history if fitted.family == "gan" else None,
        plots=writer.path / "plots",
        facts=[
            ("Data", f"{settings['data']} ({real.kind}, {len(real)} rows)"),
            ("Model", f"{settings['model']} ({fitted.spec.get('class')})"),
            (
                "Rows fitted / held out / checkpoint choice",
                f"{counts['train']} / {counts['holdout']} / {counts['selection']}",
            ),
            ("Condition", settings["condition"] or "none (unconditional)"),
            ("Samples", f"{len(result.samples)}, written to {', '.join(f.name for f in files)}"),
            (
                "Training",
                f"{training.get('stop_reason', '')}; kept epoch "
                f"{training.get('best_epoch', float('nan')):.0f}",
            ),
        ],
        config_yaml=config_yaml,
        warnings=result.warnings,
        subtitle=f"biodl generate · {settings['data']}",
    )
    return files
