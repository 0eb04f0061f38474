"""Irregular records to model input: a time grid with mask and time since last observation.

:func:`fit_grid` fixes the grid (``bin`` and ``window`` in hours) and fits a per-variable
normalisation on TRAINING records only (values clipped to their 0.5-99.5 percentiles, then
standardised). :func:`grid_batch` then builds, for a handful of records at a time, the inputs
GRU-D-style models use — never a records x variables x grid array for the whole set:

- ``values`` (batch, steps, V): the mean of the observations in each bin, normalised; 0 (the
  training mean) where nothing was observed, or the last observed value with forward fill;
- ``mask`` (batch, steps, V): 1 where the variable was observed in the bin;
- ``delta`` (batch, steps, V): hours since the variable was last observed before this bin
  (Che et al. 2018: ``delta_t = s_t - s_{t-1} + delta_{t-1}`` if unobserved at ``t-1``,
  ``s_t - s_{t-1}`` otherwise, ``delta_0 = 0``);
- ``lengths`` (batch,): bins up to each record's last observation inside the window; a batch
  is as long as its longest record, and :class:`LengthBuckets` batches similar lengths together
  so little compute goes to padding;
- ``statics`` (batch, 2 S): normalised static descriptors (0 where missing) and their
  missingness indicators.

Examples
--------
>>> import tempfile
>>> from biodl.data.records import read_records
>>> from biodl.data.synthetic_icu import write_icu_records
>>> records = read_records(write_icu_records(tempfile.mkdtemp(), n_records=4) / "records")
>>> spec = fit_grid(records, bin_hours=1.0, window_hours=48.0)
>>> batch = grid_batch(records, np.arange(4), spec)
>>> batch.values.shape[2] == len(spec.variables), batch.statics.shape
(True, (4, 10))
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import numpy as np
from torch.utils.data import Sampler

from biodl.data.records import RecordSet
from biodl.errors import ConfigError, DataError

__all__ = [
    "GridBatch",
    "GridSpec",
    "LengthBuckets",
    "check_variables",
    "fit_grid",
    "grid_batch",
    "parse_hours",
]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*(m|min|h|hr|d|day)?s?\s*$", re.IGNORECASE)
_UNIT_HOURS = {"m": 1 / 60, "min": 1 / 60, "h": 1.0, "hr": 1.0, "d": 24.0, "day": 24.0}


def parse_hours(text: str | float, *, option: str = "--bin") -> float:
    """``"1h"``, ``"30min"``, ``"2d"`` or a number of hours -> hours (float > 0).

    Examples
    --------
    >>> parse_hours("30min"), parse_hours("48h"), parse_hours(2)
    (0.5, 48.0, 2.0)
    """
    if isinstance(text, (int, float)):
        hours = float(text)
    else:
        match = _DURATION.match(str(text))
        if not match:
            raise ConfigError(
                f"{option}: '{text}' is not a duration. Write it like 1h, 30min or 2d."
            )
        hours = float(match.group(1)) * _UNIT_HOURS[(match.group(2) or "h").lower()]
    if not math.isfinite(hours) or hours <= 0:
        raise ConfigError(f"{option}: the duration must be positive, got '{text}'.")
    return hours


@dataclass(frozen=True)
class GridSpec:
    """The fitted time grid and normalisation; JSON-able via :meth:`to_dict`.

    Attributes
    ----------
    bin_hours, window_hours : float
    n_steps : int
        ``ceil(window / bin)``.
    variables : list of str
        Time-series variables seen in training, in model-input order.
    low, high, mean, std : list of float
        Per variable: clipping range and standardisation fitted on training observations.
    static_names : list of str
    static_mean, static_std : list of float
    forward_fill : bool
    """

    bin_hours: float
    window_hours: float
    n_steps: int
    variables: list[str]
    low: list[float]
    high: list[float]
    mean: list[float]
    std: list[float]
    static_names: list[str]
    static_mean: list[float]
    static_std: list[float]
    forward_fill: bool = False

    def to_dict(self) -> dict[str, object]:
        """Plain dict (for ``model.json`` ``inputs``)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, object]) -> GridSpec:
        """Inverse of :meth:`to_dict`."""
        return cls(**raw)  # type: ignore[arg-type]


@dataclass
class GridBatch:
    """Model input for a batch of records (numpy, float32; see the module docstring)."""

    values: np.ndarray
    mask: np.ndarray
    delta: np.ndarray
    lengths: np.ndarray
    statics: np.ndarray


def fit_grid(
    train: RecordSet,
    *,
    bin_hours: float = 1.0,
    window_hours: float = 48.0,
    forward_fill: bool = False,
) -> GridSpec:
    """Fit the grid and the normalisation on training records.

    Parameters
    ----------
    train : RecordSet
        Training records only (the normalisation must not see validation or test data).
    bin_hours : float, default 1.0
    window_hours : float, default 48.0
        Observations at or after this time are ignored.
    forward_fill : bool, default False
        Carry the last observed value into unobserved bins (the mask still says which bins
        were observed).

    Raises
    ------
    DataError
        If the window is longer than every training record, or the bin longer than the window.
    """
    if bin_hours > window_hours:
        raise DataError(
            f"--bin {bin_hours:g}h is longer than --window {window_hours:g}h. Use a shorter bin."
        )
    longest = float(train.durations.max(initial=0.0))
    if window_hours > longest + bin_hours:
        raise DataError(
            f"--window {window_hours:g}h is longer than every record in {train.source} (the "
            f"longest ends at {longest:.1f} h). Use --window {max(1, math.ceil(longest)):d}h "
            "or less."
        )
    inside = train.time < window_hours
    code, value = train.variable[inside].astype(np.int64), train.value[inside].astype(np.float64)
    n_vars = len(train.variables)
    low, high, mean, std = (np.zeros(n_vars) for _ in range(4))
    for v in range(n_vars):
        x = value[code == v]
        if x.size == 0:
            std[v] = 1.0
            continue
        low[v], high[v] = np.percentile(x, [0.5, 99.5])
        clipped = np.clip(x, low[v], high[v])
        mean[v], std[v] = clipped.mean(), clipped.std()
        std[v] = std[v] if std[v] > 1e-8 else 1.0
    statics = train.statics.astype(np.float64)
    s_mean = np.nan_to_num(np.nanmean(statics, axis=0)) if statics.size else np.zeros(0)
    s_std = np.nan_to_num(np.nanstd(statics, axis=0), nan=1.0) if statics.size else np.zeros(0)
    s_std[s_std < 1e-8] = 1.0
    return GridSpec(
        bin_hours=float(bin_hours),
        window_hours=float(window_hours),
        n_steps=math.ceil(window_hours / bin_hours - 1e-9),
        variables=list(train.variables),
        low=low.tolist(),
        high=high.tolist(),
        mean=mean.tolist(),
        std=std.tolist(),
        static_names=list(train.static_names),
        static_mean=s_mean.tolist(),
        static_std=s_std.tolist(),
        forward_fill=forward_fill,
    )


def check_variables(records: RecordSet, spec: GridSpec) -> np.ndarray:
    """Codes of ``records.variables`` in the spec's order; refuse variables never trained on.

    Raises
    ------
    DataError
        If a variable or static descriptor of ``records`` was not seen in training.
    """
    known = {name: k for k, name in enumerate(spec.variables)}
    unknown = [v for v in records.variables if v not in known]
    unknown += [s for s in records.static_names if s not in spec.static_names]
    if unknown:
        raise DataError(
            f"{records.source}: variable(s) {', '.join(unknown[:5])} never occur in the training "
            f"records ({len(unknown)} in all). Remove them, or retrain with records that hold "
            "them."
        )
    return np.array([known[v] for v in records.variables], dtype=np.int64)


def grid_batch(
    records: RecordSet, index: np.ndarray, spec: GridSpec, codes: np.ndarray | None = None
) -> GridBatch:
    """Model input for ``records[index]`` (see the module docstring for the arrays).

    Parameters
    ----------
    records : RecordSet
    index : (batch,) int array
    spec : GridSpec
    codes : (len(records.variables),) int array, optional
        From :func:`check_variables` (computed when not given).
    """
    codes = check_variables(records, spec) if codes is None else codes
    index = np.asarray(index, dtype=np.int64)
    n_vars, step = len(spec.variables), spec.bin_hours
    starts, counts = records.offsets[index], records.counts[index]
    ends = np.cumsum(counts)
    take = np.repeat(starts - (ends - counts), counts) + np.arange(
        int(ends[-1]) if len(ends) else 0
    )
    row = np.repeat(np.arange(len(index)), counts)
    t = records.time[take]
    inside = t < spec.window_hours
    row, t, take = row[inside], t[inside], take[inside]
    var = codes[records.variable[take]]
    bins = np.minimum((t / step).astype(np.int64), spec.n_steps - 1)
    lengths = np.ones(len(index), dtype=np.int64)
    np.maximum.at(lengths, row, bins + 1)
    n_steps = int(lengths.max(initial=1))
    x = np.clip(records.value[take], np.asarray(spec.low)[var], np.asarray(spec.high)[var])
    x = (x - np.asarray(spec.mean)[var]) / np.asarray(spec.std)[var]
    cell = (row * n_steps + bins) * n_vars + var
    size = len(index) * n_steps * n_vars
    total = np.bincount(cell, x, minlength=size)
    seen = np.bincount(cell, minlength=size)
    shape = (len(index), n_steps, n_vars)
    mask = (seen > 0).reshape(shape)
    values = (total / np.maximum(seen, 1)).reshape(shape)
    delta, last = _delta(mask, step)
    if spec.forward_fill:
        filled = np.take_along_axis(values, np.maximum(last, 0), axis=1)
        values = np.where(last >= 0, filled, 0.0)
    statics = _statics(records.statics[index], spec)
    return GridBatch(
        values=values.astype(np.float32),
        mask=mask.astype(np.float32),
        delta=delta.astype(np.float32),
        lengths=lengths,
        statics=statics,
    )


def _delta(mask: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Hours since the last observation before each bin, and the last observed bin (or -1)."""
    n_steps = mask.shape[1]
    steps = np.arange(n_steps)[None, :, None]
    last = np.maximum.accumulate(np.where(mask, steps, -1), axis=1)  # last seen at or before t
    before = np.concatenate([np.full_like(last[:, :1], -1), last[:, :-1]], axis=1)
    delta = np.where(before >= 0, steps - before, steps) * step
    return delta, last


def _statics(values: np.ndarray, spec: GridSpec) -> np.ndarray:
    if not spec.static_names:
        return np.zeros((len(values), 0), dtype=np.float32)
    z = (values - np.asarray(spec.static_mean)) / np.asarray(spec.static_std)
    missing = np.isnan(z)
    return np.concatenate([np.where(missing, 0.0, z), missing], axis=1).astype(np.float32)


class LengthBuckets(Sampler[np.ndarray]):
    """Batches of records of similar length, in random order; reshuffled every epoch.

    Records are shuffled, cut into chunks of ``50 * batch_size``, sorted by length inside each
    chunk, and batched; batch order is then shuffled. Padding per batch stays small while the
    batches still change every epoch.

    Parameters
    ----------
    lengths : (n,) int array
    batch_size : int
    seed : int, default 0
    weights : (n,) float array, optional
        Sampling weights: with them, each epoch draws ``n`` records with replacement in
        proportion to the weights (balanced sampling) before bucketing.
    """

    def __init__(
        self,
        lengths: np.ndarray,
        batch_size: int,
        *,
        seed: int = 0,
        weights: np.ndarray | None = None,
    ) -> None:
        self.lengths = np.asarray(lengths)
        self.batch_size = max(1, min(batch_size, len(self.lengths)))
        self.seed = seed
        self.weights = None if weights is None else np.asarray(weights, dtype=np.float64)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Shuffle as epoch ``epoch`` (0-based) does; Lightning calls it before every epoch,
        so a run resumed at epoch ``e`` draws the batches an uninterrupted run draws there."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return (len(self.lengths) + self.batch_size - 1) // self.batch_size

    def __iter__(self) -> Iterator[np.ndarray]:
        rng = np.random.default_rng([self.seed, self.epoch])
        self.epoch += 1
        n = len(self.lengths)
        if self.weights is not None:
            order = rng.choice(n, size=n, replace=True, p=self.weights / self.weights.sum())
        else:
            order = rng.permutation(n)
        chunk = 50 * self.batch_size
        batches = []
        for start in range(0, n, chunk):
            part = order[start : start + chunk]
            part = part[np.argsort(-self.lengths[part], kind="stable")]
            batches += [part[k : k + self.batch_size] for k in range(0, len(part), self.batch_size)]
        for k in rng.permutation(len(batches)):
            yield batches[k]
