"""The notebook API: train, predict, evaluate, embed and load runs with keyword options.

Every keyword is a named option of the CLI and of ``config.yaml`` (see :mod:`biodl.config`;
:func:`biodl.config.build_config` turns them into the run's config). This module parses keywords
and calls the pipeline (:mod:`biodl.pipeline` and the modules of each command); it holds no
pipeline logic itself.

Examples
--------
>>> import biodl
>>> # result = biodl.train("promoters.csv", out="runs/promoters", model="cnn", epochs=20)
>>> # print(result.summary())
>>> # table = biodl.predict("runs/promoters", "new.fa")
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from biodl.config import FLAT_OPTIONS, DataConfig, RunConfig, build_config
from biodl.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from biodl.pipeline.embed import EmbedResult
    from biodl.pipeline.explain import ExplainResult
    from biodl.pipeline.forecast import ForecastResult
    from biodl.pipeline.generate import GenerateResult
    from biodl.pipeline.language import LanguageModelResult
    from biodl.pipeline.models import ModelDoc
    from biodl.pipeline.score import ScoreResult
    from biodl.pipeline.train import TrainResult
    from biodl.runs import SavedModel

PathLike = str | os.PathLike[str]
#: Options that name files: given as paths, they reach the configuration as text.
_PATH_OPTIONS = (
    *("train", "valid", "test", "labels", "valid_labels", "test_labels"),
    *("init_from", "motifs"),
)


def _text_paths(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with the path-like values of :data:`_PATH_OPTIONS` as text."""
    return {
        k: os.fspath(v) if k in _PATH_OPTIONS and v is not None else v for k, v in options.items()
    }


#: The keywords :func:`explain` takes as ``**options``: the ``explain`` section's options
#: (``explain=True`` itself belongs to :func:`train`).
EXPLAIN_OPTIONS = tuple(
    key
    for key, (section, name) in FLAT_OPTIONS.items()
    if section == "explain" and name != "enabled"
)
#: Reading options :func:`explain` also takes (molecules: ``skip_invalid``), passed to the
#: reader of its data as :func:`predict`'s ``read_options`` are.
EXPLAIN_READ_OPTIONS = ("skip_invalid",)


def train(
    train: PathLike | None = None,
    *,
    out: PathLike | None = None,
    config: PathLike | RunConfig | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
    overrides: list[str] | None = None,
    resume: PathLike | None = None,
    **options: Any,
) -> TrainResult | LanguageModelResult | ForecastResult:
    """Train a deep model and a classical baseline on the same split, evaluate, write a run.

    With ``task="forecast"`` the training file holds a lineage's dated, aligned sequences and
    the run forecasts which sites change next season (:func:`biodl.pipeline.forecast.run_forecast`,
    docs/forecast.md); a :class:`~biodl.pipeline.forecast.ForecastResult` is returned.

    Parameters
    ----------
    train : path, optional
        Training data (FASTA/FASTA.gz, CSV/TSV, or a folder with one FASTA per class). May come
        from ``config`` instead.
    out : path, optional
        Run directory to write; None keeps everything in memory.
    config : path or RunConfig, optional
        A YAML config (e.g. an earlier run's ``config.yaml``).
    overwrite : bool, default False
        Replace an existing run directory.
    progress : bool, optional
        Progress bar; default only on an interactive terminal.
    overrides : list of str, optional
        ``section.key=value`` items, as ``--set`` on the CLI.
    resume : path, optional
        Continue an interrupted run instead: its run directory or partial folder
        (``.NAME.partial-XXXX``). The run's own configuration is used; give nothing else.
    **options
        Any option of :mod:`biodl.config` by name: ``valid``, ``test``, ``labels``,
        ``label_columns``, ``model``, ``model_params``, ``lr``, ``epochs``, ``batch_size``,
        ``loss``, ``optimizer``, ``seed``, ``baseline``, ``kmer``, ...

    Returns
    -------
    TrainResult, LanguageModelResult or ForecastResult
        ``run_dir``, ``metrics``, ``predictions``, ``history``, ``model``; ``summary()``.
        With ``task="language-model"`` (unlabelled sequences, ``objective``, ``context``;
        docs/language-models.md): a
        :class:`~biodl.pipeline.language.LanguageModelResult` (``metrics``, ``history``,
        ``model``, ``markov``, ``run_dir``; ``summary()``).

    Examples
    --------
    >>> # r = biodl.train("splice.csv", out="runs/splice", epochs=15, seed=1)
    """
    from biodl.pipeline.resume import resume_run
    from biodl.pipeline.train import run_training

    if resume is not None:
        _check_resume_alone(
            "train", train=train, out=out, config=config, overrides=overrides, **options
        )
        result: TrainResult | LanguageModelResult = resume_run(resume, progress=progress)
        return result
    if train is not None:
        options["train"] = train
    cfg = build_config(config, overrides=overrides, **_text_paths(options))
    if cfg.data.task == "language-model":  # unlabelled sequences: a language-model run
        from biodl.pipeline.language import run_language_model

        return run_language_model(cfg, out=out, overwrite=overwrite, progress=progress)
    if cfg.data.task == "forecast":
        from biodl.pipeline.forecast import run_forecast

        return run_forecast(cfg, out=out, overwrite=overwrite, progress=progress)
    return run_training(cfg, out=out, overwrite=overwrite, progress=progress)


def load_run(run: PathLike) -> SavedModel:
    """Load the trained model of a run directory (safetensors weights + JSON; no pickle).

    Returns
    -------
    SavedModel
        ``model`` (a plain ``torch.nn.Module``) and ``info`` (model.json).
    """
    from biodl.runs import load_model

    return load_model(run)


def load_results(run: PathLike):
    """The typed results of a run directory (its ``metrics.json``; runs of any biodl version).

    Returns
    -------
    RunResults or CVResults
        ``RunResults`` for ``biodl train`` (``model``, ``baseline``, ``comparison``,
        ``training``, ...; ``to_json()`` gives the file's dict), ``CVResults`` for ``biodl cv``.

    Examples
    --------
    >>> # results = biodl.load_results("runs/splice")
    >>> # results.comparison.verdict, results.model.splits["test"].value("auroc")
    """
    from biodl.runs import load_results as read_results

    return read_results(run)


def compare_runs(
    runs: PathLike | Sequence[PathLike], *, out: PathLike | None = None
) -> pd.DataFrame:
    """Compare training runs side by side: one row per run.

    Parameters
    ----------
    runs : path or sequence of paths
        ``biodl train`` run directories; a folder that is not a run stands for every run folder
        inside it. At least two runs, all of one task and one primary metric.
    out : path, optional
        Also write the comparison page here (HTML, with its tables as CSV under ``tables/``
        beside it), as ``biodl report --out`` does.

    Returns
    -------
    DataFrame
        ``run``, ``path``, ``model``, ``task``, ``metric``, ``split`` (the part scored),
        ``value``, ``low``, ``high`` (the primary metric and its interval, as in each
        ``metrics.json``), ``baseline``, ``baseline_value``, ``baseline_low``,
        ``baseline_high``, ``train_file``, ``best``, then one column per option whose value
        differs between the runs (``section.option``).

    Warns
    -----
    DataWarning
        When the numbers are not directly comparable: runs trained on different data files
        or scored on different parts (the page's "Read with care" box).

    Raises
    ------
    DataError
        If a path is not a run (nor holds any), fewer than two runs are given, or the runs
        differ in task or primary metric.

    Examples
    --------
    >>> # biodl.compare_runs(["runs/cnn", "runs/lstm"])[["run", "value", "low", "high"]]
    """
    from biodl.pipeline.compare import run_compare

    paths = [runs] if isinstance(runs, str | os.PathLike) else list(runs)
    return run_compare(paths, out=out)


def redraw_report(run: PathLike, *, out: PathLike | None = None) -> Path:
    """Draw the page of one language-model or forecast run again from its run directory.

    Parameters
    ----------
    run : path
        The ``--out`` folder of ``biodl train --task language-model`` or ``--task forecast``.
    out : path, optional
        The page to write; default the run's own ``report.html`` (figures under ``plots/``,
        tables under ``tables/`` beside it).

    Returns
    -------
    Path
        The page written.

    Raises
    ------
    DataError
        If ``run`` is not a run directory, or is a ``biodl train`` classifier/regressor or a
        ``biodl cv`` run (whose pages need the data itself).

    Examples
    --------
    >>> # biodl.redraw_report("runs/lm")
    """
    from biodl.pipeline.redraw import redraw_report as redraw

    return redraw(run, out=out)


def predict(
    run: PathLike,
    data: PathLike,
    *,
    out: PathLike | None = None,
    batch_size: int = 512,
    device: str = "cpu",
    **read_options: Any,
) -> pd.DataFrame:
    """Predict with the model of ``run`` on the sequences in ``data``.

    Parameters
    ----------
    run : path
        A run directory written by :func:`train` (or its ``model/`` folder).
    data : path
        Sequences in any supported format; labels are optional (used if present).
    out : path, optional
        Write the table as CSV (atomically).
    batch_size : int, default 512
    device : str, default 'cpu'
    **read_options
        ``sequence_column``, ``id_column``, ``label_columns``, ``labels`` if they differ from
        the training data.

    Returns
    -------
    DataFrame
        ``id``, ``true`` (when labelled), ``predicted``, one ``prob_<class>`` column per class
        (regression: ``predicted`` per target).
    """
    from biodl.pipeline.predict import predict_run

    return predict_run(
        run, data, out=out, batch_size=batch_size, device=device, read_options=read_options
    )


def evaluate(
    run: PathLike,
    data: PathLike,
    *,
    out: PathLike | None = None,
    n_bootstrap: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    batch_size: int = 512,
    device: str = "cpu",
    **read_options: Any,
) -> dict[str, Any]:
    """Metrics (with bootstrap confidence intervals) of the model of ``run`` on labelled ``data``.

    ``read_options`` are reading options of ``biodl train`` that differ from training
    (``label_columns``, ``sequence_column``, ...) and ``positive_class``: the class AUPRC, F1
    and the prevalence refer to (default: the run's positive class).

    Returns
    -------
    dict
        ``{'task', 'n', 'metrics': {name: value}, 'ci': {name: [low, high]}, 'ci_level',
        'file', 'run'}``; binary tasks add ``'positive_class'``, ``'positive_reason'`` and
        ``'prevalence'``.

    Raises
    ------
    DataError
        If ``data`` has no labels.
    ConfigError
        If ``positive_class`` is not a class of the run.
    """
    from biodl.pipeline.predict import evaluate_run

    return evaluate_run(
        run,
        data,
        out=out,
        n_bootstrap=n_bootstrap,
        level=level,
        seed=seed,
        batch_size=batch_size,
        device=device,
        read_options=read_options,
    )


def explain(
    run: PathLike,
    data: PathLike | None = None,
    *,
    out: PathLike,
    variants: PathLike | None = None,
    ids: Sequence[str] | None = None,
    flank: int = 15,
    reference: PathLike | None = None,
    variant_window: int | None = None,
    device: str = "cpu",
    overwrite: bool = False,
    progress: bool | None = None,
    **options: Any,
) -> ExplainResult:
    """Explain the model of ``run``: attributions of ``data``, figures, a report, variant effects.

    Parameters
    ----------
    run : path
        A run directory of ``biodl train``.
    data : path, optional
        Examples to explain, in the run's kind and format (labels optional).
    out : path
        Folder to write (atomically): ``attributions.npz``, ``attributions.csv``,
        ``variants.csv``, ``plots/``, ``report.html``, ``explain.json`` (docs/explain.md).
    variants : path, optional
        Sequence runs: a CSV/TSV of variants (id, sequence, position 1-based, ref, alt), or a
        VCF (``.vcf``, ``.vcf.gz``: CHROM POS ID REF ALT, single-letter changes) or a CSV/TSV
        of id, chrom, pos (1-based on the chromosome), ref, alt, each with ``reference``.
    ids : sequence of str, optional
        Examples to draw (default: the top-scoring ones).
    flank : int, default 15
        Letters on each side of a variant in its logos.
    reference : path, optional
        With a VCF or a chrom/pos table: the reference genome FASTA (record ids = CHROM
        names).
    variant_window : int, optional
        With ``reference``: letters scored around each variant (default: the run's input length;
        needed for runs that read sequences of any length).
    device : str, default 'cpu'
    overwrite : bool, default False
        Replace an earlier explanation folder.
    progress : bool, optional
        Progress bar; default only on an interactive terminal.
    **options
        The explanation options (:class:`biodl.config.ExplainConfig`): ``attribution``
        ('integrated_gradients', 'saliency', 'input_x_gradient', 'shap', 'ism', and
        'occlusion' for images), ``ig_steps``, ``shap_references``, ``show_examples``,
        ``explain_batch_size``, and ``motifs`` (DNA/RNA runs: a MEME or JASPAR file the filter
        and attribution motifs are matched against, or 'jaspar' for JASPAR CORE vertebrates
        from the jaspar extra; docs/explain.md, "Motifs"); and ``skip_invalid`` (molecules:
        drop rows whose SMILES RDKit cannot parse, as :func:`predict` does).

    Returns
    -------
    ExplainResult

    Raises
    ------
    DataError
        A run without a model, data of another kind or alphabet than the run's, ids not in the
        data, a variant out of range or with a wrong ref letter.
    ConfigError
        A keyword of ``options`` that is not an explanation option (training options such as
        ``lr`` are refused, not ignored), or a VCF without ``reference``.

    Examples
    --------
    >>> # result = biodl.explain("runs/demo", "runs/demo-motifs.fa", out="explain/")
    """
    from biodl.pipeline.explain import explain_run
    from biodl.training.trainer import progress_enabled

    unknown = sorted(set(options) - set(EXPLAIN_OPTIONS) - set(EXPLAIN_READ_OPTIONS))
    if unknown:
        raise ConfigError(
            f"explain() got {', '.join(repr(k) for k in unknown)}: not an explanation option; "
            f"the options are {', '.join(EXPLAIN_OPTIONS + EXPLAIN_READ_OPTIONS)} (training "
            "options belong to train())"
        )
    read_options = {k: options.pop(k) for k in EXPLAIN_READ_OPTIONS if k in options}
    cfg = build_config(**options).explain
    return explain_run(
        run,
        data,
        out=out,
        variants=variants,
        ids=list(ids) if ids else None,
        flank=flank,
        reference=reference,
        window=variant_window,
        options=cfg,
        device=device,
        overwrite=overwrite,
        progress=progress_enabled() if progress is None else progress,
        read_options=read_options,
    )


def inspect(
    data: PathLike,
    *,
    valid: PathLike | None = None,
    test: PathLike | None = None,
    out: PathLike | None = None,
    json_out: PathLike | None = None,
    kind: str | None = None,
    task: str | None = None,
    labels: PathLike | None = None,
    label_columns: list[str] | None = None,
    sequence_column: str | None = None,
    id_column: str | None = None,
    alphabet: str | None = None,
    config: PathLike | RunConfig | None = None,
    overrides: list[str] | None = None,
    **options: Any,
):
    """Check data of any kind before training: sizes, balance, duplicates, leakage, and more.

    Each kind adds its own checks (sequences: lengths and letters; expression: value scale,
    NaN, zero-variance genes; time series: lengths, NaN; records: missingness per variable,
    variables seen in one part only, stay lengths; images: sizes and channels, identical
    pixels across parts). See ``docs/inspect.md``.

    Parameters
    ----------
    data : path
        The (training) file or folder, of any kind :func:`train` reads; labels are optional.
    valid, test : path, optional
        Further files; items they share with earlier files are reported as leakage.
    out : path, optional
        Write a self-contained HTML page of the inspection.
    json_out : path, optional
        Write the inspection as JSON.
    kind : str, optional
        'auto' (default: detected as training does) or a kind of :data:`biodl.options.KINDS`
        ('sequence', 'expression', 'timeseries', 'records', 'image', ...).
    task, labels, label_columns, sequence_column, id_column, alphabet
        As for :func:`train`.
    config, overrides
        As for :func:`train` (only the ``data`` section is used).
    **options
        Any other data option of :func:`train`, e.g. ``genes_as_rows=True``, ``statics=[]``,
        ``window="24h"``, ``size=64``, ``channels=3``.

    Returns
    -------
    Inspection
        ``summary()`` for text, ``to_dict()`` for JSON, ``findings`` with a fix each.

    Raises
    ------
    ConfigError
        For an option that is not a data option, or a bad value.
    DataError
        For a file the kind's readers cannot read.

    Examples
    --------
    >>> # result = biodl.inspect("train.csv", test="test.csv", out="inspection.html")
    >>> # result = biodl.inspect("expr.csv", labels="meta.csv", label_columns=["cell_type"])
    """
    from biodl.pipeline.inspect import inspect_data

    known = {f.name for f in dataclasses.fields(DataConfig)}
    other = sorted(k for k in options if k not in known or k == "train")
    if other:
        raise ConfigError(
            f"inspect takes data options only; got {', '.join(other)}. Valid options: "
            f"{', '.join(sorted(known - {'train'}))}."
        )
    given = {
        "valid": valid,
        "test": test,
        "labels": labels,
        "kind": kind,
        "task": task,
        "label_columns": label_columns,
        "sequence_column": sequence_column,
        "id_column": id_column,
        "alphabet": alphabet,
        **options,
    }
    cfg = build_config(config, overrides=overrides, **_text_paths({"train": data, **given}))
    return inspect_data(cfg.data, out=out, json_out=json_out)


def cross_validate(
    data: PathLike | None = None,
    *,
    folds: int = 5,
    repeats: int = 1,
    tune: bool = False,
    search: str = "random",
    trials: int = 10,
    out: PathLike | None = None,
    config: PathLike | RunConfig | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
    overrides: list[str] | None = None,
    resume: PathLike | None = None,
    **options: Any,
):
    """k-fold cross-validation of the deep model and the baseline on identical folds.

    Parameters
    ----------
    data : path, optional
        Labelled sequences (any supported format); may come from ``config``.
    folds : int, default 5
    repeats : int, default 1
        Repeated k-fold with reshuffled folds.
    tune : bool, default False
        Nested cross-validation: tune the network inside each outer fold on its training part
        only (the objective of :func:`tune` with ``cv=0``, in memory), then train the best
        configuration there and score it on the held-out fold. The chosen values per fold are
        in ``folds.csv`` (``params``) and ``metrics.json`` (``tuning``).
    search : {'grid', 'random', 'bayes'}, default 'random'
        The search inside each fold (with ``tune``).
    trials : int, default 10
        Trials per outer fold (with ``tune``).
    out : path, optional
        Run directory: ``folds.csv`` (per fold and model), ``metrics.json`` (mean ± sd, the
        paired comparison and its verdict), ``report.html``, ``config.yaml``.
    config, overwrite, progress, overrides, **options
        As for :func:`train`; ``split`` chooses the folds (stratified, random, group with
        ``group_column``, similarity) and ``valid_size`` the early-stopping part of each fold.
        ``seeds=N`` repeats the whole cross-validation with seeds ``seed`` .. ``seed + N - 1``
        (new folds and initialisation each; ``folds.csv`` has a ``seed`` column).
    resume : path, optional
        Continue an interrupted cross-validation instead (its run directory or partial
        folder) at its first unfinished fold, with the options it was started with.

    Returns
    -------
    CVResult
        ``metrics``, ``folds``, ``run_dir``; ``summary()``.

    Examples
    --------
    >>> # r = biodl.cross_validate("splice.csv", folds=5, epochs=10); print(r.summary())
    >>> # nested = biodl.cross_validate("splice.csv", tune=True, search="random", trials=10)
    """
    from biodl.pipeline.cv import run_cv
    from biodl.pipeline.resume import resume_run

    if resume is not None:
        _check_resume_alone("cv", data=data, out=out, config=config, overrides=overrides, **options)
        return resume_run(resume, progress=progress)
    if data is not None:
        options["train"] = data
    cfg = build_config(config, overrides=overrides, **_text_paths(options))
    _refuse_language_model(cfg, "cv")
    return run_cv(
        cfg,
        folds=folds,
        repeats=repeats,
        out=out,
        overwrite=overwrite,
        progress=progress,
        tune=tune,
        search=search,
        trials=trials,
    )


def tune(
    data: PathLike | None = None,
    *,
    out: PathLike,
    search: str = "bayes",
    trials: int = 20,
    space: PathLike | dict[str, Any] | None = None,
    cv: int = 0,
    resume: bool = False,
    jobs: int = 1,
    config: PathLike | RunConfig | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
    overrides: list[str] | None = None,
    storage: str | None = None,
    study_name: str | None = None,
    **options: Any,
):
    """Search the network's hyperparameters with Optuna, scored on validation data only.

    Parameters
    ----------
    data : path, optional
        Labelled sequences (any supported format); may come from ``config``.
    out : path
        Output folder: ``study.db`` (resumable), ``trials.csv``, ``best_config.yaml`` (runnable
        with ``biodl train --config``), ``tune.json``, ``plots/``, ``report.html``.
    search : {'grid', 'random', 'bayes'}, default 'bayes'
    trials : int, default 20
        Total trials, those of a resumed study included.
    space : path or dict of str to ParamSpec, optional
        A YAML search space (see :func:`biodl.evaluation.search_space.load_space`) or a parsed
        one. Default: the model's entry of ``DEFAULT_SPACES``.
    cv : int, default 0
        0 scores the validation split; K >= 2 the mean over K folds of the training part.
    resume : bool, default False
        Continue the study in ``out`` (refused if the input files changed).
    jobs : int, default 1
        Parallel worker processes sharing the study.
    storage : str, optional
        Database URL of a study shared by several processes or machines
        (``sqlite:///PATH.db``, ``postgresql://USER:PASSWORD@HOST/DB``); each process runs its
        own ``trials`` and writes the report of the whole study into its ``out``
        (docs/scale.md). Default: a study of its own in ``out/study.db``.
    study_name : str, optional
        The shared study's name; default derived from the inputs' sha256.
    config, overwrite, progress, overrides, **options
        As for :func:`train`; ``monitor`` is the score and ``seed`` seeds the sampler.

    Returns
    -------
    TuneResult
        ``best_value``, ``best_params``, ``best_config``, ``trials``; ``summary()``.

    Examples
    --------
    >>> # r = biodl.tune("splice.csv", out="runs/tune", search="random", trials=20, epochs=5)
    >>> # print(r.summary())
    """
    from biodl.pipeline.tune import run_tune

    if data is not None:
        options["train"] = data
    cfg = build_config(config, overrides=overrides, **_text_paths(options))
    _refuse_language_model(cfg, "tune")
    return run_tune(
        cfg,
        out=out,
        search=search,  # type: ignore[arg-type]
        trials=trials,
        space=space,
        cv=cv,
        resume=resume,
        jobs=jobs,
        overwrite=overwrite,
        progress=progress,
        storage=storage,
        study_name=study_name,
    )


def demo(
    kind: str = "sequence",
    *,
    out: PathLike = "runs/demo",
    epochs: int | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
) -> TrainResult:
    """Train a CNN and the baseline on embedded data with a known answer (no download).

    Parameters
    ----------
    kind : {'sequence', 'image'}, default 'sequence'
        'sequence': 2,000 DNA sequences with planted motifs, written as ``<out>-motifs.fa``;
        'image': scikit-learn's 8x8 digits, written as ``<out>-digits.npz``.
    out : path, default 'runs/demo'
        Run directory to write; the data goes beside it.
    epochs : int, optional
        Maximum epochs; default 20 for sequences, 10 for images.
    overwrite, progress
        As for :func:`train`.

    Returns
    -------
    TrainResult
        As :func:`train`; ``config.data.train`` is the demo data file.

    Raises
    ------
    ConfigError
        For an unknown ``kind`` (before anything is written).

    Examples
    --------
    >>> # r = biodl.api.demo("image", out="runs/digits", epochs=2); print(r.summary())
    """
    from biodl.pipeline.demo import run_demo

    return run_demo(kind, out=out, epochs=epochs, overwrite=overwrite, progress=progress)


def convert(
    source: PathLike, dest: PathLike, *, alphabet: str = "auto", overwrite: bool = False
) -> dict[str, Any]:
    """Convert a FASTA file once to a memory-mapped sequence store (``biodl convert``).

    ``train``, ``cv``, ``tune``, ``inspect``, ``predict`` and ``evaluate`` then take the store
    folder wherever they take the FASTA file, with the same ids, labels and results, and read
    its sequences from disk as they are used (see docs/convert.md).

    Parameters
    ----------
    source : path
        A FASTA file, optionally gzipped (labels as ``key=value`` pairs in the headers, or
        given later with ``labels=``).
    dest : path
        The store folder to write (``NAME.biodl`` by convention); written whole or not at all.
    alphabet : {'auto', 'dna', 'rna', 'protein'}, default 'auto'
        As for :func:`train`.
    overwrite : bool, default False
        Replace an existing store.

    Returns
    -------
    dict
        The store's header: format, version, alphabet, counts, the source's sha256, the
        header columns and the files (:mod:`biodl.data.store`).

    Examples
    --------
    >>> # biodl.api.convert("reads.fa.gz", "reads.biodl"); biodl.train("reads.biodl")
    """
    from biodl.data.store import convert_fasta

    return convert_fasta(source, dest, alphabet=alphabet, overwrite=overwrite)


def embed(
    data: PathLike,
    *,
    methods: Sequence[str] | str | None = None,
    dims: int = 2,
    color_by: Sequence[str] | str = (),
    label_column: str | None = None,
    genes_as_rows: bool = False,
    layer: str | None = None,
    use_raw: bool = False,
    metadata: PathLike | None = None,
    normalize: bool | None = None,
    log1p: str | bool = "auto",
    scale: bool = False,
    hvg: int | None = None,
    holdout: float = 0.2,
    perplexity: float | None = None,
    epochs: int | None = None,
    seed: int = 0,
    out: PathLike | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
) -> EmbedResult:
    """Embed an expression matrix with several methods, score and compare them side by side.

    Parameters
    ----------
    data : path
        Expression matrix: CSV/TSV (samples x genes; ``genes_as_rows`` for the transpose) or
        ``.h5ad``.
    methods : sequence of str or comma-separated str, optional
        From pca, nmf, lda, tsne, umap, ae, dae, vae. Default pca, tsne, vae (umap in place of
        tsne from 20,000 samples).
    dims : int, default 2
    color_by : sequence of str or comma-separated str
        Metadata columns to colour the plots by and to score.
    label_column : str, optional
        The class column for LDA; default the first ``color_by`` column.
    genes_as_rows, layer, use_raw, metadata, normalize, log1p, scale, hvg
        Reading and preprocessing; ``metadata`` is a sample table (first column = sample ids),
        ``log1p`` is 'auto', True or False (or the text 'true' / 'false').
    holdout, perplexity, epochs, seed, out, overwrite, progress
        See :func:`biodl.pipeline.embed.run_embed`.

    Returns
    -------
    EmbedResult
        ``table`` (one row per method and score), ``best`` (the best method per label),
        ``out``.

    Examples
    --------
    >>> # r = biodl.api.embed("cells.h5ad", methods="pca,umap", color_by="cell_type")
    """
    from biodl.kinds.expression_options import parse_log1p
    from biodl.pipeline.embed import run_embed

    if isinstance(color_by, str):
        color_by = [c.strip() for c in color_by.split(",") if c.strip()]
    return run_embed(
        data,
        methods=methods,
        dims=dims,
        color_by=color_by,
        label_column=label_column,
        genes_as_rows=genes_as_rows,
        layer=layer,
        use_raw=use_raw,
        metadata=os.fspath(metadata) if metadata is not None else None,
        normalize=normalize,
        log1p=parse_log1p(log1p) if isinstance(log1p, str) else log1p,
        scale=scale,
        hvg=hvg,
        holdout=holdout,
        perplexity=perplexity,
        epochs=epochs,
        seed=seed,
        out=out,
        overwrite=overwrite,
        progress=progress,
    )


def generate(
    data: PathLike,
    *,
    out: PathLike | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
    **options: Any,
) -> GenerateResult:
    """Fit a generative model on real data and write samples in its format; or draw again.

    Parameters
    ----------
    data : path
        An expression or numeric table (CSV/TSV, ``.h5ad``), images (``.npz``, class folders,
        a CSV of paths) or sequences (FASTA, a table); or the ``out`` folder of an earlier
        generate run, whose model then draws ``n`` (or ``n_per_class``) samples with ``seed``;
        or a language-model run (``train(..., task="language-model")``), which draws ``n``
        sequences (``temperature``, ``top_k``, ``prefix``, ``length``; a masked run also
        ``unmask_order``, ``unmask_per_step``, ``gibbs_sweeps``) and judges them against the
        run's real sequences (docs/generate.md).
    out : path, optional
        Folder to write (atomically); required to draw again from a run.
    overwrite : bool, default False
    progress : bool, optional
        The training progress bar; default only on a terminal.
    **options
        The keywords of :class:`biodl.config.GenerateConfig` (``model``, ``n``,
        ``n_per_class``, ``condition``, ``holdout``, ``test``, ``epochs``, ``gan_loss``,
        ``gan_counts``, ``d_steps``, ``g_steps``, ``stop_when_fooled``, ``temperature``, ``top_k``,
        ``prefix``, ``seed``, ...).

    Returns
    -------
    GenerateResult
        ``samples``, ``labels``, ``metrics`` (flat checks against held-out real rows),
        ``table`` (the model beside the classical samplers), ``verdict``, ``files``, ``out``.

    Raises
    ------
    ConfigError
        An unknown keyword or value, ``n`` not positive.
    DataError
        Unreadable data, a condition with one class, too few rows, a run that is not a
        generate run.

    Examples
    --------
    >>> # r = biodl.generate("cells.csv", model="vae", condition="cell_type", out="gen")
    >>> # r = biodl.generate("lm_run", n=100, temperature=0.8, out="samples")
    """
    import typing

    from biodl.config.generate import GenerateConfig
    from biodl.options import check_value
    from biodl.pipeline.generate import run_generate

    fields = {f.name: f for f in dataclasses.fields(GenerateConfig)}
    hints = typing.get_type_hints(GenerateConfig)
    if options.get("test") is not None:
        options["test"] = os.fspath(options["test"])
    for key, value in options.items():
        if key not in fields:
            raise ConfigError(
                f"generate: unknown option '{key}'; valid options: {', '.join(fields)}"
            )
        options[key] = check_value(value, hints[key], "generate", key)
    return run_generate(data, out=out, overwrite=overwrite, progress=progress, **options)


def score(
    run: PathLike,
    variants: PathLike,
    *,
    out: PathLike | None = None,
    overwrite: bool = False,
    **options: Any,
) -> ScoreResult:
    """Score the mutations of a variants table with a language-model run, beside a PSSM.

    Parameters
    ----------
    run : path
        The ``out`` folder of ``biodl.train(..., task="language-model")``.
    variants : path
        A variants table (docs/score.md): mutation strings (``A24G:T30K``) of wild types, or
        full variant sequences; optionally a measured column.
    out : path, optional
        Folder to write (atomically): ``scores.csv``, ``metrics.json``, ``report.html``.
    overwrite : bool, default False
    **options
        The keywords of :class:`biodl.config.ScoreConfig` (``reference``, ``method``,
        ``measured``, ``mutation_column``, ``sequence_column``, ``wild_type``,
        ``n_bootstrap``, ``batch_size``, ``seed``).

    Returns
    -------
    ScoreResult
        ``scores`` (one row per variant), ``methods``, ``metrics``, ``verdict``, ``out``.

    Raises
    ------
    ConfigError
        An unknown keyword or method, masked-marginals for a causal model.
    DataError
        Not a language-model run; a variant whose wild-type letter does not match (line and
        position named); a letter outside the model's alphabet.

    Examples
    --------
    >>> # r = biodl.score("lm", "variants.csv", measured="fitness", out="scored")
    """
    import typing

    from biodl.config.score import ScoreConfig
    from biodl.options import check_value
    from biodl.pipeline.score import run_score

    fields = {f.name for f in dataclasses.fields(ScoreConfig)}
    hints = typing.get_type_hints(ScoreConfig)
    if options.get("reference") is not None:
        options["reference"] = os.fspath(options["reference"])
    for key, value in options.items():
        if key not in fields:
            raise ConfigError(f"score: unknown option '{key}'; valid options: {', '.join(fields)}")
        options[key] = check_value(value, hints[key], "score", key)
    return run_score(run, variants, out=out, overwrite=overwrite, options=ScoreConfig(**options))


def describe_models(name: str | None = None, *, kind: str | None = None) -> list[ModelDoc]:
    """The models of every kind of data, with their hyperparameters and defaults.

    Parameters
    ----------
    name : str, optional
        Only the models of this name (one per kind that has it).
    kind : str, optional
        Only the models of this kind of data (a name of :data:`biodl.options.KINDS`).

    Returns
    -------
    list of ModelDoc
        ``kind``, ``name``, ``summary`` and ``parameters`` of each model, sequences first.

    Raises
    ------
    ConfigError
        For an unknown kind or model name.

    Examples
    --------
    >>> [d.name for d in describe_models(kind="expression")][:1]
    ['mlp']
    """
    from biodl.pipeline.models import describe_models as describe

    return describe(name, kind=kind)


def _refuse_language_model(cfg: RunConfig, command: str) -> None:
    """``--task language-model`` is a ``biodl train`` run only (for now)."""
    if cfg.data.task == "language-model":
        raise ConfigError(
            f"--task language-model: biodl {command} does not train language models; use "
            "biodl train SEQS --task language-model"
        )


def _check_resume_alone(command: str, **given: Any) -> None:
    """``resume`` takes the interrupted run's own configuration: nothing else may be given."""
    from biodl.errors import ConfigError

    extra = sorted(k for k, v in given.items() if v not in (None, [], {}, False))
    if extra:
        raise ConfigError(
            f"biodl {command} --resume continues a run with the options it was started with; "
            f"drop {', '.join(extra)} (to change them, start a new run without --resume)"
        )
