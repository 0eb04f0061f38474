"""``biodl generate``: the real data in, the held-out split, and samples out in the input's format.

:func:`read_real` reads DATA with its kind's own reader (the kind detected as training does,
:func:`biodl.kinds.detect_kind`) into a :class:`RealData` of fixed-shape rows:

- expression and numeric tables (CSV/TSV or ``.h5ad``,
  :func:`biodl.data.expression.read_expression`; a narrow CSV of mostly numbers, such as
  clinical variables, counts as a table): ``(n, features)`` values as read (counts stay
  counts);
- images (an ``.npz``, a folder of class folders or a CSV of paths,
  :func:`biodl.kinds.image.read_images`): ``(n, channels, size, size)`` in ``[0, 1]``; of an
  ``.npz`` only the training part is read;
- sequences (FASTA or a table, :func:`biodl.data.sequence.read_sequences`): ``(n, length)``
  letter indices into the alphabet's plain letters; every sequence is cut to ``length`` (the
  ``--length`` option, default the shortest sequence); shorter sequences and sequences with
  ambiguity codes (N, ...) are left out, with a warning.

:func:`holdout_split` makes the held-out part **before** any model is fitted: a seeded
fraction, stratified by the condition column when there is one. :func:`write_samples` writes
generated rows in the input's own format (CSV / ``.h5ad`` / ``.npz`` plus a PNG grid / FASTA),
readable by the same readers.

Examples
--------
>>> train, held = holdout_split(10, 0.2, seed=0)
>>> len(train), len(held)
(8, 2)
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from biodl.errors import ConfigError, DataError, DataWarning

__all__ = [
    "GENERATED_KINDS",
    "RealData",
    "Scaling",
    "holdout_split",
    "read_real",
    "sample_ids",
    "write_samples",
]

#: The kinds of data ``biodl generate`` reads, and the format each is written in.
GENERATED_KINDS = {
    "expression": "CSV (or .h5ad when the input is .h5ad): id, the condition column, features",
    "image": ".npz (train_images, train_labels) and a PNG grid",
    "sequence": "FASTA, the condition as 'COLUMN=value' in each header",
}


@dataclass
class RealData:
    """Real rows of one input, in the fixed shape a generative model reads.

    Attributes
    ----------
    kind : {'expression', 'image', 'sequence'}
    X : ndarray
        Expression ``(n, features)`` float64; images ``(n, channels, size, size)`` float32 in
        ``[0, 1]``; sequences ``(n, length)`` int64 letter indices.
    ids : list of str
    labels : (n,) str array or None
        The condition column's class of each row.
    source : str
        The input as given.
    fmt : {'csv', 'h5ad', 'npz', 'fasta'}
        The format samples are written in.
    features : list of str
        Feature (gene) names of tables; empty otherwise.
    counts : bool
        Tables of non-negative whole numbers (samples are whole numbers too).
    letters : str
        Sequences: the alphabet's plain letters (index ``i`` is ``letters[i]``).
    pixel_dtype : str
        Images: the stored dtype ('uint8' or 'float32') samples are written in.
    notes : list of str
        What reading left out, for the report.
    """

    kind: str
    X: np.ndarray
    ids: list[str]
    labels: np.ndarray | None
    source: str
    fmt: str
    features: list[str] = field(default_factory=list)
    counts: bool = False
    letters: str = ""
    pixel_dtype: str = "float32"
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.X)

    @property
    def classes(self) -> list[str]:
        """The condition's classes, sorted (empty when unconditional)."""
        return [] if self.labels is None else sorted({str(v) for v in self.labels})

    def codes(self) -> np.ndarray | None:
        """Class index ``0..K-1`` of each row (into :attr:`classes`), or None."""
        if self.labels is None:
            return None
        return np.searchsorted(np.array(self.classes, dtype=object), self.labels.astype(str))

    def subset(self, index: np.ndarray) -> RealData:
        """The rows at ``index``."""
        labels = None if self.labels is None else self.labels[index]
        return RealData(
            self.kind,
            self.X[index],
            [self.ids[i] for i in index],
            labels,
            self.source,
            self.fmt,
            self.features,
            self.counts,
            self.letters,
            self.pixel_dtype,
            self.notes,
        )


@dataclass
class Scaling:
    """Data units <-> network units of table rows: ``(log1p(x) if log else x - mean) / std``."""

    log: bool = False
    mean: list[float] = field(default_factory=list)
    std: list[float] = field(default_factory=list)

    @classmethod
    def fit(cls, X: np.ndarray, *, log: bool) -> Scaling:
        """Means and standard deviations (1 where constant) of the training rows."""
        values = np.log1p(np.maximum(X, 0)) if log else X
        std = values.std(axis=0)
        std[std == 0] = 1.0
        return cls(log, values.mean(axis=0).tolist(), std.tolist())

    def forward(self, X: np.ndarray) -> np.ndarray:
        values = np.log1p(np.maximum(X, 0)) if self.log else X
        return ((values - np.asarray(self.mean)) / np.asarray(self.std)).astype(np.float32)

    def inverse(self, Z: np.ndarray) -> np.ndarray:
        values = Z * np.asarray(self.std) + np.asarray(self.mean)
        return np.round(np.expm1(np.maximum(values, 0))) if self.log else values


def _labels(table: pd.DataFrame | None, condition: str | None, source: str) -> np.ndarray | None:
    if condition is None:
        return None
    if table is None or condition not in table.columns:
        names = ", ".join(f"'{c}'" for c in ([] if table is None else table.columns)) or "none"
        raise DataError(
            f"{source}: --condition '{condition}' is not a column of the data (columns: "
            f"{names}); name one of those, or leave --condition out for unconditional samples"
        )
    values = table[condition].astype(str).to_numpy()
    if len(set(values)) < 2:
        raise DataError(
            f"{source}: --condition '{condition}' has one class ({values[0]!r}) in the "
            "training rows; conditional generation needs at least 2. Leave --condition out"
        )
    return values


def read_real(
    path: str | os.PathLike[str],
    *,
    kind: str = "auto",
    condition: str | None = None,
    length: int | None = None,
    genes_as_rows: bool = False,
) -> RealData:
    """Read ``path`` into :class:`RealData` with the reader of its kind (module notes).

    Raises
    ------
    DataError
        Unreadable input, a condition column missing or with one class, no usable sequences.
    ConfigError
        A kind ``biodl generate`` does not make (time series, records, graphs).
    """
    from biodl.kinds import detect_kind

    where = Path(path)
    found = detect_kind(where) if kind == "auto" else kind
    if kind == "auto" and found == "sequence" and _numeric_table(where):
        found = "expression"  # a narrow numeric table (clinical variables): not sequences
    if found not in GENERATED_KINDS:
        raise ConfigError(
            f"{path}: {found} data; biodl generate makes expression and numeric tables, "
            "images and sequences (pass --kind expression for a numeric table read as "
            f"another kind)"
        )
    if found == "expression":
        return _read_table(where, condition, genes_as_rows)
    if found == "image":
        return _read_images(where, condition)
    return _read_sequences(where, condition, length)


def _numeric_table(path: Path) -> bool:
    """A CSV/TSV whose columns are mostly numbers (detection calls narrow ones sequences)."""
    if path.is_dir() or path.suffix.lower() not in (".csv", ".tsv", ".txt", ".tab"):
        return False
    try:
        head = pd.read_csv(path, sep=None, engine="python", nrows=50)
    except (OSError, ValueError, pd.errors.ParserError):
        return False
    numeric = head.select_dtypes("number").shape[1]
    return numeric >= 2 and numeric >= head.shape[1] / 2


def _read_table(path: Path, condition: str | None, genes_as_rows: bool) -> RealData:
    from biodl.data.expression import read_expression
    from biodl.data.preprocess import value_scale

    with warnings.catch_warnings():  # a label column read as metadata is what we want here
        warnings.simplefilter("ignore", DataWarning)
        expr = read_expression(str(path), genes_as_rows=genes_as_rows)
    X = expr.X.toarray() if hasattr(expr.X, "toarray") else np.asarray(expr.X)
    return RealData(
        "expression",
        X.astype(np.float64),
        list(expr.ids),
        _labels(expr.obs, condition, str(path)),
        str(path),
        "h5ad" if path.suffix.lower() == ".h5ad" else "csv",
        features=list(expr.genes),
        counts=value_scale(expr.X) == "counts",
    )


def _read_images(path: Path, condition: str | None) -> RealData:
    from biodl.kinds.image import read_images

    columns = [condition] if condition and path.suffix.lower() != ".npz" else None
    parts = read_images(
        str(path),
        size=None,
        channels=None,
        fit="resize",
        label_columns=columns,
        require_labels=False,
    )
    train = parts["train"]
    assert train is not None
    table = train.labels
    one_label = table is not None and list(table.columns) == ["label"]
    if condition is not None and condition != "label" and one_label and table is not None:
        table = table.rename(columns={"label": condition})  # npz / class folders: one label
    X = train.load(np.arange(len(train)))
    stored = "uint8" if train.array is not None and train.array.dtype == np.uint8 else "float32"
    return RealData(
        "image",
        X,
        [str(i) for i in train.ids],
        _labels(table, condition, str(path)),
        str(path),
        "npz",
        pixel_dtype=stored,
    )


def _read_sequences(path: Path, condition: str | None, length: int | None) -> RealData:
    from biodl.data.sequence import read_sequences

    seqs = read_sequences(
        path,
        label_columns=[condition] if condition else None,
        require_labels=bool(condition),
    )
    lengths = np.diff(seqs.offsets)
    width = int(length) if length is not None else int(lengths.min())
    if width < 1:
        raise ConfigError(f"--length {length}: expected a positive number of letters")
    n_letters = len(seqs.alphabet.letters)
    rows, keep = [], []
    for i in range(len(seqs.ids)):
        codes = seqs.codes[seqs.offsets[i] : seqs.offsets[i] + width].astype(np.int64) - 1
        if len(codes) == width and (codes < n_letters).all():
            rows.append(codes)
            keep.append(i)
    notes = []
    if len(keep) < len(seqs.ids):
        notes.append(
            f"{path}: {len(seqs.ids) - len(keep)} of {len(seqs.ids)} sequences left out: "
            f"shorter than {width} letters or with letters outside {seqs.alphabet.letters} "
            "in their first {width}".replace("{width}", str(width))
        )
    if not keep:
        raise DataError(
            f"{path}: no sequence has {width} plain letters ({seqs.alphabet.letters}); give a "
            "smaller --length"
        )
    index = np.array(keep)
    table = None if seqs.labels is None else seqs.labels.iloc[index].reset_index(drop=True)
    return RealData(
        "sequence",
        np.stack(rows),
        [str(seqs.ids[i]) for i in index],
        _labels(table, condition, str(path)),
        str(path),
        "fasta",
        letters=seqs.alphabet.letters,
        notes=notes,
    )


def holdout_split(
    n: int, fraction: float, *, seed: int = 0, labels: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Training and held-out row indices: ``round(n * fraction)`` rows held out (at least 2).

    Stratified by ``labels`` when given (every class keeps a row on each side where it can).

    Raises
    ------
    ConfigError
        ``fraction`` outside (0, 1).
    """
    if not 0.0 < fraction < 1.0:
        raise ConfigError(
            f"--holdout {fraction}: expected a fraction in (0, 1) of real rows kept out of "
            "fitting to judge the samples, e.g. 0.2"
        )
    k = min(n - 1, max(2, round(n * fraction)))
    if labels is not None and len(set(labels.tolist())) > 1:
        from sklearn.model_selection import train_test_split

        try:
            train, held = train_test_split(
                np.arange(n), test_size=k, random_state=seed, stratify=labels
            )
            return np.sort(train), np.sort(held)
        except ValueError:  # a class too small to stratify: fall back to a plain split
            pass
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[k:]), np.sort(order[:k])


def sample_ids(n: int) -> list[str]:
    """``syn_1 .. syn_n``."""
    return [f"syn_{i}" for i in range(1, n + 1)]


def write_samples(
    folder: Path,
    real: RealData,
    X: np.ndarray,
    labels: np.ndarray | None,
    *,
    condition: str | None,
    name: str = "samples",
) -> list[Path]:
    """Write generated rows ``X`` (shaped like ``real.X``) in the input's format.

    Returns the files written: ``samples.csv`` / ``samples.h5ad`` (tables),
    ``samples.npz`` and ``samples.png`` (images), ``samples.fa`` (sequences).
    """
    ids = sample_ids(len(X))
    column = condition or "label"
    if real.kind == "expression":
        values = np.round(X) if real.counts else X
        if real.fmt == "h5ad":
            import anndata

            obs = pd.DataFrame(index=pd.Index(ids, name="id"))
            if labels is not None:
                obs[column] = pd.Categorical(labels.astype(str))
            adata = anndata.AnnData(
                X=values.astype(np.float32), obs=obs, var=pd.DataFrame(index=real.features)
            )
            target = folder / f"{name}.h5ad"
            adata.write_h5ad(target)
            return [target]
        frame = pd.DataFrame(values, columns=real.features)
        if labels is not None:
            frame.insert(0, column, labels.astype(str))
        frame.insert(0, "id", ids)
        target = folder / f"{name}.csv"
        frame.to_csv(target, index=False, float_format="%.6g")
        return [target]
    if real.kind == "image":
        return _write_images(folder, real, X, labels, name)
    lines = []
    letters = np.frombuffer(real.letters.encode("ascii"), dtype="S1")
    for j, (i, row) in enumerate(zip(ids, X, strict=True)):
        header = f">{i}" if labels is None else f">{i} {column}={labels[j]}"
        lines += [header, letters[np.asarray(row, dtype=np.int64)].tobytes().decode("ascii")]
    target = folder / f"{name}.fa"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [target]


def _write_images(
    folder: Path, real: RealData, X: np.ndarray, labels: np.ndarray | None, name: str
) -> list[Path]:
    from biodl.report.synthetic_figures import sample_grid

    pixels = np.clip(X, 0.0, 1.0)
    images = pixels[:, 0] if pixels.shape[1] == 1 else pixels.transpose(0, 2, 3, 1)
    stored = (
        np.round(images * 255).astype(np.uint8)
        if real.pixel_dtype == "uint8"
        else images.astype(np.float32)
    )
    arrays: dict[str, np.ndarray] = {"train_images": stored}
    if labels is not None:
        classes = real.classes
        numeric = all(c.lstrip("-").isdigit() for c in classes)
        codes = [int(v) if numeric else classes.index(str(v)) for v in labels]
        arrays["train_labels"] = np.asarray(codes, dtype=np.int64)
        arrays["label_names"] = np.asarray(classes if not numeric else [], dtype=str)
    target = folder / f"{name}.npz"
    with open(target, "wb") as handle:
        np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]
    grid = folder / f"{name}.png"
    sample_grid(pixels, grid, labels=labels)
    return [target, grid]
