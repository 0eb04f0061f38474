"""SDF files (MDL structure-data files) of molecules with property fields, read with RDKit.

Each record is a molecule (converted to canonical SMILES and featurised as
:mod:`biodl.data.molecules` does) with its ``> <FIELD>`` properties; label columns are
``--label-column`` or the one field named like a label (``label``, ``target``, ``y``,
``activity``, ...). The id is the ``--id-column`` field, else the record's title line, else
``record_N``. A record RDKit cannot read is one :class:`~biodl.errors.DataError` naming the
record and its first line, or dropped and counted with ``skip_invalid``.

Examples
--------
>>> import tempfile, pathlib
>>> from rdkit import Chem
>>> path = pathlib.Path(tempfile.mkdtemp()) / "m.sdf"
>>> mol = Chem.MolFromSmiles("CCO")
>>> mol.SetProp("_Name", "ethanol"); mol.SetProp("y", "1.5")
>>> with Chem.SDWriter(str(path)) as writer:
...     writer.write(mol)
>>> table = read_sdf(path)
>>> table.graphs.ids, table.graphs.smiles, table.labels["y"].tolist()
(['ethanol'], ['CCO'], [1.5])
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from biodl.data.molecules import featurise_smiles, rdkit_chem
from biodl.data.smiles import SmilesTable, pick_label_columns
from biodl.errors import DataError

__all__ = ["looks_like_sdf", "read_sdf"]


def looks_like_sdf(path: Path) -> bool:
    """Whether ``path`` is an ``.sdf``/``.sd`` file."""
    path = Path(path)
    return path.is_file() and path.name.lower().endswith((".sdf", ".sd"))


def _record_lines(path: Path) -> list[int]:
    """The first line of each record (1-based)."""
    starts, line = [1], 0
    with path.open("rb") as stream:
        for line, text in enumerate(stream, start=1):
            if text.startswith(b"$$$$"):
                starts.append(line + 1)
    return starts[:-1] if starts[-1] > line else starts


def read_sdf(
    path: str | Path,
    *,
    label_columns: Sequence[str] = (),
    id_column: str | None = None,
    skip_invalid: bool = False,
    require_labels: bool = True,
) -> SmilesTable:
    """Read the molecules and property fields of an SDF file (see the module docstring).

    Raises
    ------
    DataError
        For a record RDKit cannot read (unless ``skip_invalid``) or a missing label field.
    """
    chem = rdkit_chem()
    path = Path(path)
    source = str(path)
    starts = _record_lines(path)
    rows: list[dict[str, Any]] = []
    smiles: list[str] = []
    bad: list[int] = []
    try:
        supplier = chem.SDMolSupplier(source, removeHs=True)
    except OSError as err:  # RDKit refuses an empty file as "Invalid input file"
        raise DataError(
            f"{source}: cannot read as an SDF file ({' '.join(str(err).split())}); expected "
            "molecule records each ending with a '$$$$' line"
        ) from None
    for k, mol in enumerate(supplier):
        if mol is None:
            bad.append(k)
            smiles.append("")
            rows.append({})
            continue
        try:  # RDKit decodes the title and the fields as UTF-8 when they are asked for
            rows.append(mol.GetPropsAsDict(includePrivate=False, includeComputed=False))
            rows[-1]["_title"] = mol.GetProp("_Name") if mol.HasProp("_Name") else ""
        except UnicodeDecodeError:
            line = starts[k] if k < len(starts) else "?"
            raise DataError(
                f"{source} record {k + 1} (line {line}): its title or a property field is not "
                "UTF-8 text; save the file as UTF-8"
            ) from None
        smiles.append(chem.MolToSmiles(mol))
    where = [f"record {k + 1} (line {starts[k] if k < len(starts) else '?'})" for k in bad]
    if bad and not skip_invalid:
        raise DataError(
            f"{source} {where[0]}: RDKit cannot read this molecule; fix or remove the record, "
            "or pass --skip-invalid to drop unreadable molecules"
        )
    readable = [k for k in range(len(rows)) if k not in set(bad)]
    if not readable:
        raise DataError(
            f"{source}: no molecules to read ({len(rows)} records, {len(bad)} unreadable); "
            "expected molecule records each ending with a '$$$$' line"
        )
    table = pd.DataFrame([rows[k] for k in readable]).astype(str).replace("nan", "")
    if "_title" not in table:
        table["_title"] = ""
    smiles = [smiles[k] for k in readable]
    columns = [c for c in table.columns if c != "_title"]
    records = [f"record {k + 1}" for k in readable]
    labels = pick_label_columns(table, columns, label_columns, source, require_labels, records)
    if id_column and id_column in table.columns:
        ids = table[id_column].tolist()
    else:
        ids = [t or f"record_{k + 1}" for k, t in zip(readable, table["_title"], strict=True)]
    graphs, invalid = featurise_smiles(smiles, ids=ids, source=source)
    keep = sorted(set(range(len(table))) - set(invalid))
    side = [c for c in columns if labels is None or c not in labels.columns]
    return SmilesTable(
        graphs=graphs,
        labels=None if labels is None else labels.iloc[keep].reset_index(drop=True),
        side=table.iloc[keep][side].reset_index(drop=True),
        skipped_where=where + [f"{records[i]}: {smiles[i]!r}" for i in invalid],
    )
