"""A deterministic synthetic ICU cohort in the PhysioNet/CinC 2012 layout, with a planted outcome.

Tests, the demo and the benchmarks need irregular clinical records without real patient data.
:func:`write_icu_records` writes one ``<RecordID>.txt`` file per stay holding
``Time,Parameter,Value`` rows (time as ``hh:mm``; static descriptors Age, Gender, Height,
ICUType and Weight at ``00:00``, ``-1`` meaning missing) and an outcomes table
``Outcomes.txt`` with ``RecordID,SOFA,Length_of_stay,In-hospital_death``.

The signal: a latent severity per stay raises the risk of death, shifts some variables (lower
blood pressure, higher lactate and heart rate) and makes lactate measured more often
(informative missingness); a latent worsening adds a trend over the last 24 hours (rising heart
rate and lactate, falling pressure) and raises the risk of death when positive. Stays of those
who die are more often cut short. Noise between and within stays keeps the task far from
separable (summary-statistic baselines reach an AUROC around 0.8).

Examples
--------
>>> import tempfile
>>> folder = write_icu_records(tempfile.mkdtemp(), n_records=5, seed=0)
>>> sorted(p.name for p in folder.iterdir())[:2]
['Outcomes.txt', 'records']
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["ICU_VARIABLES", "IcuVariable", "write_icu_records"]


@dataclass(frozen=True)
class IcuVariable:
    """One synthetic time-series variable.

    Attributes
    ----------
    name : str
    mean, sd : float
        Typical level and spread between stays.
    rate : float
        Expected observations per hour.
    severity : float
        Level shift per unit of latent severity (in sd units).
    trend : float
        Extra drift (sd units over the final 12 h) in stays that end in death.
    rate_severity : float
        Relative increase of the measurement rate per unit of severity.
    """

    name: str
    mean: float
    sd: float
    rate: float
    severity: float = 0.0
    trend: float = 0.0
    rate_severity: float = 0.0


#: The variables of the cohort: a few strong ones, the rest weak or noise (37 in all).
ICU_VARIABLES: tuple[IcuVariable, ...] = (
    IcuVariable("HR", 88, 15, 1.0, 0.5, 1.2),
    IcuVariable("MAP", 80, 12, 1.0, -0.6, -1.2),
    IcuVariable("SysABP", 120, 18, 0.9, -0.4, -1.0),
    IcuVariable("DiasABP", 60, 10, 0.9, -0.3),
    IcuVariable("RespRate", 19, 5, 0.6, 0.4, 0.8),
    IcuVariable("Temp", 37.0, 0.7, 0.5, 0.2),
    IcuVariable("GCS", 12, 3, 0.25, -0.8, -1.0),
    IcuVariable("Urine", 120, 80, 0.8, -0.4, -0.8),
    IcuVariable("Lactate", 2.0, 1.0, 0.08, 0.7, 1.5, 2.0),
    IcuVariable("Creatinine", 1.3, 0.8, 0.08, 0.4),
    IcuVariable("BUN", 25, 15, 0.08, 0.5),
    IcuVariable("WBC", 11, 5, 0.07, 0.3),
    IcuVariable("Platelets", 200, 80, 0.07, -0.3),
    IcuVariable("pH", 7.38, 0.07, 0.15, -0.4, -0.8, 1.0),
    IcuVariable("FiO2", 0.5, 0.15, 0.2, 0.4, 0.6, 0.5),
    IcuVariable("SaO2", 96, 3, 0.15, -0.2),
    *(IcuVariable(f"Lab{k:02d}", 50, 10, 0.05 + 0.02 * (k % 5)) for k in range(21)),
)
_STATICS = ("Age", "Gender", "Height", "ICUType", "Weight")


def write_icu_records(
    folder: str | os.PathLike[str],
    *,
    n_records: int = 400,
    seed: int = 0,
    hours: float = 48.0,
    prevalence: float = 0.14,
    variables: tuple[IcuVariable, ...] = ICU_VARIABLES,
    max_per_variable: int = 80,
    signal: float = 1.0,
) -> Path:
    """Write a synthetic cohort: ``folder/records/<id>.txt`` and ``folder/Outcomes.txt``.

    Parameters
    ----------
    folder : path
        Created if needed.
    n_records : int, default 400
    seed : int, default 0
        The same seed writes byte-identical files.
    hours : float, default 48.0
        Longest stay; stays last between a quarter of it and all of it.
    prevalence : float, default 0.14
        Approximate fraction of deaths.
    variables : tuple of IcuVariable, default :data:`ICU_VARIABLES`
    max_per_variable : int, default 80
        Cap on the observations of one variable in one stay.
    signal : float, default 1.0
        Multiplies the effect of the latent severity and worsening on the risk of death
        (3 makes a task small models learn in a few epochs; tests use it).

    Returns
    -------
    Path
        ``folder``.
    """
    root = Path(folder)
    records = root / "records"
    records.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    severity = rng.normal(size=n_records)
    worsening = rng.normal(size=n_records)
    age = np.clip(rng.normal(65, 15, n_records), 18, 95).round()
    logit = (
        np.log(prevalence / (1 - prevalence))
        - 0.6
        + signal * 0.7 * severity
        + signal * 0.9 * np.maximum(worsening, 0)
        + 0.02 * (age - 65)
    )
    death = (rng.random(n_records) < 1 / (1 + np.exp(-logit))).astype(int)
    short = rng.random(n_records) < np.where(death == 1, 0.3, 0.1)
    length = np.where(short, rng.uniform(0.25, 1.0, n_records), 1.0) * hours
    ids = 100000 + np.arange(n_records)
    for i in range(n_records):
        frame = _record(
            rng,
            int(ids[i]),
            severity[i],
            age[i],
            worsening[i],
            length[i],
            variables,
            max_per_variable,
        )
        _write_text(records / f"{ids[i]}.txt", frame.to_csv(index=False))
    outcomes = pd.DataFrame(
        {
            "RecordID": ids,
            "SOFA": np.clip(np.round(6 + 3 * severity + rng.normal(0, 2, n_records)), 0, 24),
            "Length_of_stay": np.round(length / 24 + rng.exponential(5, n_records)).astype(int),
            "In-hospital_death": death,
        }
    )
    _write_text(root / "Outcomes.txt", outcomes.to_csv(index=False))
    return root


def _record(
    rng: np.random.Generator,
    record_id: int,
    severity: float,
    age: float,
    worsening: float,
    length: float,
    variables: tuple[IcuVariable, ...],
    cap: int,
) -> pd.DataFrame:
    statics = [
        record_id,
        age,
        float(rng.integers(0, 2)),
        -1.0 if rng.random() < 0.5 else round(rng.normal(170, 10)),
        float(rng.integers(1, 5)),
        -1.0 if rng.random() < 0.2 else round(rng.normal(80, 15), 1),
    ]
    times = [0.0] * 6
    names = ["RecordID", *_STATICS]
    values = statics
    for var in variables:
        rate = var.rate * max(0.2, 1 + var.rate_severity * severity) * length
        n = min(cap, int(rng.poisson(rate)))
        if n == 0:
            continue
        t = np.sort(rng.integers(1, max(2, int(length * 60)), n)) / 60.0
        level = var.mean + var.sd * (0.8 * rng.normal() + 0.4 * var.severity * severity)
        ramp = np.clip((t - (length - 24)) / 24, 0, None)
        drift = 0.6 * var.trend * var.sd * ramp * worsening
        x = level + drift + 0.6 * var.sd * rng.normal(size=n)
        times.extend(t.tolist())
        names.extend([var.name] * n)
        values.extend(np.round(x, 2).tolist())
    order = np.argsort(np.asarray(times), kind="stable")
    minutes = np.round(np.asarray(times)[order] * 60).astype(int)
    return pd.DataFrame(
        {
            "Time": [f"{m // 60:02d}:{m % 60:02d}" for m in minutes],
            "Parameter": np.asarray(names)[order],
            "Value": np.asarray(values, dtype=float)[order],
        }
    )


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
