"""Tables of molecules: a CSV/TSV with a SMILES column and label columns.

The SMILES column is ``--smiles-column`` or the column named like ``smiles``; label columns
are ``--label-column`` (repeat it for several tasks), or the column named like
``label``/``target``/..., or the only column left besides the SMILES and id columns. Other
columns are kept as side columns (``--split-column``, ``--group-column``).

A SMILES RDKit cannot parse is one :class:`~biodl.errors.DataError` naming the line and the
SMILES; with ``skip_invalid`` such rows are dropped and counted instead.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "m.csv"
>>> _ = path.write_text("smiles,y\\nCCO,1.5\\nc1ccccc1,2.0\\n")
>>> table = read_smiles_table(path)
>>> table.graphs.smiles, table.labels["y"].tolist(), table.skipped
(['CCO', 'c1ccccc1'], [1.5, 2.0], 0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from biodl.data.graphs import GraphSet
from biodl.data.input_files import file_bytes, head
from biodl.data.molecules import featurise_smiles
from biodl.data.tables import read_table
from biodl.data.targets import missing_as_nan
from biodl.errors import DataError

__all__ = [
    "SMILES_COLUMN_NAMES",
    "SmilesTable",
    "looks_like_smiles_table",
    "pick_label_columns",
    "read_smiles_table",
]

SMILES_COLUMN_NAMES = ("smiles", "canonical_smiles", "smi", "mol", "molecule")
_LABEL_NAMES = ("label", "labels", "class", "target", "y", "activity", "outcome", "value")
_ID_NAMES = ("id", "name", "mol_id", "compound_id", "molecule_id", "identifier", "iupac")
_SUFFIXES = (".csv", ".tsv", ".tab", ".txt", ".smi")


@dataclass
class SmilesTable:
    """What :func:`read_smiles_table` returns.

    Attributes
    ----------
    graphs : GraphSet
        The parsed molecules (rows with unparseable SMILES dropped when skipping).
    labels : DataFrame or None
        Label columns (as text), one row per kept molecule; None when the file has none.
    side : DataFrame
        The other columns of the kept rows (split, group, names).
    skipped_where : list of str
        The rows dropped because RDKit could not parse their SMILES, in file order, as
        ``'line N: SMILES'`` (SDF: ``'record N (line M)'``).
    """

    graphs: GraphSet
    labels: pd.DataFrame | None
    side: pd.DataFrame
    skipped_where: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        """How many rows were dropped."""
        return len(self.skipped_where)


def _named(columns: Sequence[str], names: Sequence[str]) -> str | None:
    lower = {str(c).lower(): str(c) for c in columns}
    return next((lower[n] for n in names if n in lower), None)


def looks_like_smiles_table(path: Path) -> bool:
    """Whether ``path`` is a CSV/TSV whose header names a SMILES column."""
    path = Path(path)
    if not path.is_file() or not path.name.lower().endswith(_SUFFIXES):
        return False
    first = head(path).split(b"\n", 1)[0]  # the bytes the reader will read (one opening)
    header = first.decode("utf-8", errors="replace").strip().lower()
    fields = [f.strip().strip('"') for f in header.replace("\t", ",").split(",")]
    return any(name in fields for name in SMILES_COLUMN_NAMES)


def read_smiles_table(
    path: str | Path,
    *,
    smiles_column: str | None = None,
    label_columns: Sequence[str] = (),
    id_column: str | None = None,
    skip_invalid: bool = False,
    require_labels: bool = True,
) -> SmilesTable:
    """Read a CSV/TSV of SMILES and labels (see the module docstring).

    Raises
    ------
    DataError
        For a missing SMILES or label column, or an unparseable SMILES (unless
        ``skip_invalid``), naming the file and the line.
    """
    path = Path(path)
    source = str(path)
    table, header = read_table(file_bytes(path), source, path)
    columns = [str(c) for c in table.columns]
    column = smiles_column or _named(columns, SMILES_COLUMN_NAMES)
    if column is None or column not in columns:
        raise DataError(
            f"{source}: no SMILES column (columns: {', '.join(columns)}); name it with "
            "--smiles-column"
        )
    ids_from = id_column or _named([c for c in columns if c != column], _ID_NAMES[:6])
    rest = [c for c in columns if c not in (column, ids_from)]
    lines = [k + 1 + header for k in range(len(table))]
    where = [f"line {n}" for n in lines]
    labels = pick_label_columns(table, rest, label_columns, source, require_labels, where)
    smiles = table[column].tolist()
    ids = table[ids_from].tolist() if ids_from else [f"line_{n}" for n in lines]
    graphs, invalid = featurise_smiles(smiles, ids=ids, source=source)
    dropped = [f"line {lines[i]}: {smiles[i]!r}" for i in invalid]
    if invalid and not skip_invalid:
        i = invalid[0]
        raise DataError(
            f"{source} line {lines[i]}: RDKit cannot parse the SMILES {smiles[i]!r}"
            f"{' (and ' + str(len(invalid) - 1) + ' more)' if len(invalid) > 1 else ''}; fix "
            "or remove it, or pass --skip-invalid to drop unparseable molecules"
        )
    keep = sorted(set(range(len(table))) - set(invalid))
    if not keep:
        raise DataError(
            f"{source}: no molecules to read ({len(table)} rows, {len(invalid)} unparseable); "
            "expected a header line and one SMILES per row"
        )
    kept = table.iloc[keep].reset_index(drop=True)
    side_columns = [c for c in columns if c != column and (labels is None or c not in labels)]
    return SmilesTable(
        graphs=graphs,
        labels=None if labels is None else labels.iloc[keep].reset_index(drop=True),
        side=kept[side_columns],
        skipped_where=dropped,
    )


def pick_label_columns(
    table: pd.DataFrame,
    candidates: list[str],
    requested: Sequence[str],
    source: str,
    require: bool,
    where: Sequence[str] = (),
) -> pd.DataFrame | None:
    """The label columns of ``table``: ``requested``, else the one named like a label among
    ``candidates``, else the only candidate that is not named like an id. A column whose
    values all read as numbers becomes float64 (so ``--task auto`` sees numbers); ``where``
    names each row (``'line 5'``) for the error on an empty label.

    Raises
    ------
    DataError
        When a requested column is missing or no column can be chosen (and ``require``).
    """
    columns = [str(c) for c in table.columns]
    if requested:
        missing = [c for c in requested if c not in columns]
        if missing and require:
            raise DataError(
                f"{source}: there is no label column '{missing[0]}'; the columns are "
                f"{', '.join(columns)}. Pass one of them with --label-column."
            )
        return None if missing else _label_values(table, list(requested), source, where)
    named = _named(candidates, _LABEL_NAMES)
    if named is not None:
        return _label_values(table, [named], source, where)
    rest = [c for c in candidates if c.lower() not in _ID_NAMES]
    if len(rest) == 1:
        return _label_values(table, rest, source, where)
    if not require:
        return None
    raise DataError(
        f"{source}: cannot tell which column holds the labels (columns: {', '.join(columns)}). "
        "Pass it with --label-column (repeat it for several tasks)."
    )


def _label_values(
    table: pd.DataFrame, columns: list[str], source: str, where: Sequence[str]
) -> pd.DataFrame:
    out = {}
    for column in columns:
        values = table[column].astype(str).str.strip().reset_index(drop=True)
        empty = np.flatnonzero((values == "").to_numpy())
        if len(empty) and len(columns) > 1:  # several tasks: an empty cell is a missing label
            out[column] = missing_as_nan(values)
            continue
        if len(empty):
            i = int(empty[0])
            place = where[i] if i < len(where) else f"row {i + 1}"
            raise DataError(
                f"{source} {place} column '{column}': the label is empty ({len(empty)} empty "
                "in all); expected a label for every row of a single label column: fill them "
                "in or remove these rows"
            )
        numbers = pd.to_numeric(values, errors="coerce")
        out[column] = numbers.astype(np.float64) if numbers.notna().all() else values
    return pd.DataFrame(out)
