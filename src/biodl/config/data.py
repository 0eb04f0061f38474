"""The ``data`` section of a run config: where the data comes from and how it is read and split.

Each field is declared once with :func:`biodl.options.option`: its help text, flag(s), help
panel and the commands that offer it. The options of every kind of data live here, each
marked with the kind it applies to (sequences, expression, records, time series, images).

Examples
--------
>>> DataConfig(train="cells.csv", genes_as_rows=True).hvg
2000
"""

from __future__ import annotations

from dataclasses import dataclass

from biodl.options import (
    DATA,
    EXPRESSION,
    IMAGES,
    READING,
    READING_FILES,
    RECORDS,
    TIMESERIES,
    TRAIN_AND_TUNE,
    AlphabetOption,
    ImageFitOption,
    KindOption,
    Log1pOption,
    SplitOption,
    TaskOption,
    TimeUnitOption,
    TsNormalisationOption,
    check_kind,
    choices,
    document,
    option,
    parse_log1p,
    parse_statics,
)

__all__ = ["DataConfig"]


@document
@dataclass
class DataConfig:
    """Where the data comes from and how it is read, split and preprocessed."""

    train: str = option(
        "",
        help="Training data: FASTA(.gz), CSV/TSV or a folder with one FASTA per class "
        "(sequences); expression matrices, time series, records and images as described in "
        "the docs of each kind. May come from --config.",
        panel=DATA,
        commands=(),
    )
    kind: KindOption = option("auto", help=choices("kind"), panel=DATA, commands=READING)
    valid: str | None = option(
        help="Separate validation file (else split from the training data).",
        panel=DATA,
        commands=READING_FILES,
    )
    test: str | None = option(
        help="Separate test file (else split from the training data).",
        panel=DATA,
        commands=READING_FILES,
    )
    labels: str | None = option(
        help="Labels table (CSV/TSV) keyed by sequence id, for FASTA input.",
        panel=DATA,
        commands=READING,
    )
    sequence_column: str | None = option(
        help="Sequence column of a CSV/TSV (detected if not given).", panel=DATA, commands=READING
    )
    label_columns: list[str] = option(
        help="Label column; repeat for multilabel / multi-target (detected if not given).",
        panel=DATA,
        default_factory=list,
        flags=("--label-column",),
        commands=READING,
    )
    id_column: str | None = option(
        help="Id column of a CSV/TSV or labels table.", panel=DATA, commands=READING
    )
    alphabet: AlphabetOption = option(
        "auto", help=choices("alphabet"), panel=DATA, commands=READING
    )
    length: int | None = option(
        help="Crop (centre) or pad every sequence to this length. Default: pad each batch to "
        "its longest sequence and mask the padding.",
        panel=DATA,
    )
    task: TaskOption = option("auto", help=choices("task"), panel=DATA, commands=READING)
    split: SplitOption = option(
        "stratified",
        help="How the validation and test parts (cv: the folds) are made from the training "
        "data; regression and multilabel tasks use random in place of stratified. "
        + choices("split"),
        panel=DATA,
    )
    group_column: str | None = option(
        help="Column (or FASTA header key, or labels-table column) with the group of each "
        "sequence (patient, species, ...), for --split group.",
        panel=DATA,
    )
    split_column: str | None = option(
        help="Column with train / valid / test for each sequence (also training, validation, val; "
        "any case), for --split predefined.",
        panel=DATA,
    )
    similarity_threshold: float = option(
        0.5,
        help="k-mer Jaccard similarity above which sequences count as near-identical, for "
        "--split similarity and the leakage check (0.5 ~ 95% identity, 0.25 ~ 90% for 200 bp "
        "DNA).",
        panel=DATA,
    )
    test_size: float = option(
        0.2,
        help="Fraction held out for testing when no --test file is given.",
        panel=DATA,
        commands=TRAIN_AND_TUNE,
    )
    valid_size: float = option(
        0.1,
        help="Fraction held out for validation / early stopping when no --valid file is given "
        "(cv: of each fold's training part).",
        panel=DATA,
    )
    # expression (biodl.kinds.expression)
    genes_as_rows: bool = option(
        False,
        help="Expression tables: genes are rows and samples columns (default: samples are "
        "rows, the first column holds the sample ids).",
        panel=EXPRESSION,
        flags=("--genes-as-rows/--samples-as-rows",),
        commands=READING,
    )
    layer: str | None = option(
        help="Expression .h5ad: read this layer instead of X.", panel=EXPRESSION, commands=READING
    )
    use_raw: bool = option(
        False,
        help="Expression .h5ad: read .raw instead of X.",
        panel=EXPRESSION,
        flags=("--raw/--no-raw",),
        commands=READING,
    )
    normalize: bool | None = option(
        help="Expression: library-size normalisation to 10,000 per sample (default: on for raw "
        "counts).",
        panel=EXPRESSION,
        commands=READING,
    )
    log1p: Log1pOption = option(
        "auto",
        help="Expression, log(1 + x): " + choices("log1p"),
        panel=EXPRESSION,
        parse=parse_log1p,
        commands=READING,
    )
    scale: bool = option(
        True, help="Expression: z-score each gene with the training mean and sd.", panel=EXPRESSION
    )
    hvg: int | None = option(
        2000,
        help="Expression: keep at most the N most variable training genes (variance after "
        "log); 0 = all genes.",
        panel=EXPRESSION,
    )
    # -- irregular records (kind 'records'; see docs/timeseries.md) --
    time_column: str | None = option(
        help="Records in one long table: the time column (the record id is --id-column); "
        "detected from common names if not given.",
        panel=RECORDS,
        commands=READING,
    )
    variable_column: str | None = option(
        help="Records in one long table: the variable column (detected if not given).",
        panel=RECORDS,
        commands=READING,
    )
    value_column: str | None = option(
        help="Records in one long table: the value column (detected if not given).",
        panel=RECORDS,
        commands=READING,
    )
    time_unit: TimeUnitOption = option(
        "auto", help=choices("time_unit"), panel=RECORDS, commands=READING
    )
    statics: list[str] | None = option(
        help="Records: comma-separated variables whose time-zero value is a static descriptor "
        "(default: those observed at time zero in at least 90% of records; 'none' for none).",
        panel=RECORDS,
        parse=parse_statics,
        commands=READING,
    )
    static_missing: float | None = option(
        -1.0,
        help="Records: the static value that means missing (--set data.static_missing=null: "
        "no value does).",
        panel=RECORDS,
        commands=READING,
    )
    bin: str = option(
        "1h", help="Records: time-grid step, e.g. 1h, 30min.", panel=RECORDS, flags=("--bin",)
    )
    window: str = option(
        "48h",
        help="Records: only the first hours of each record, e.g. 48h, 2d.",
        panel=RECORDS,
        commands=READING,
    )
    forward_fill: bool = option(
        False,
        help="Records: carry the last observed value into unobserved bins (the mask still "
        "marks them).",
        panel=RECORDS,
    )
    # Regular time series (--kind timeseries): how series are scaled before the network and the
    # 1-NN baseline; the statistics are fitted on the training part only.
    ts_normalisation: TsNormalisationOption = option(
        "global", help=choices("ts_normalisation"), panel=TIMESERIES
    )
    # images (kind "image"; see docs/images.md)
    size: int | None = option(
        help="Images: bring every image to SIZE x SIZE pixels (see --fit).",
        panel=IMAGES,
        show_default="median shorter side; npz: its side",
        commands=READING,
    )
    channels: int | None = option(
        help="Images: 1 = greyscale (RGB by luminance), 3 = RGB (grey repeated); default: as read.",
        panel=IMAGES,
        commands=READING,
    )
    fit: ImageFitOption = option("resize", help=choices("fit"), panel=IMAGES, commands=READING)
    augment: str = option(
        "",
        help="Images, training augmentation, comma-separated: " + choices("augment"),
        panel=IMAGES,
        show_default="none",
    )
    image_column: str | None = option(
        help="Column of image paths in a CSV of images (detected if not given).",
        panel=IMAGES,
        commands=READING,
    )

    def __post_init__(self) -> None:
        check_kind(self.kind, source="data.kind")
