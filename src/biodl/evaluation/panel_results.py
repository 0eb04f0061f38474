"""The baseline panel of a run as typed results: ``metrics.json`` ``baseline_panel``.

With ``--baseline auto`` (the default) three classical models are fitted on the same training
part (:mod:`biodl.evaluation.panel`) and the best on the validation part becomes the baseline of
the verdict. :class:`BaselinePanel` records each model's settings, training rows, fit time and
metrics on the selection part and on the final split, and which one was chosen and why. Runs
written before the panel, or with ``--baseline fast`` or one named model, have none.

Examples
--------
>>> member = PanelMember(
...     "random_forest", "random forest", "200 trees", 800, 1.5,
...     valid={"auroc": 0.91}, final={"auroc": 0.90})
>>> panel = BaselinePanel("random_forest", "auroc", "valid", "test", 800, [member])
>>> BaselinePanel.from_json(panel.to_json()) == panel
True
>>> panel.chosen_member.name
'random forest'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from biodl.evaluation.estimates import JSON, finite
from biodl.evaluation.metrics import METRIC_LABELS

__all__ = ["BaselinePanel", "PanelMember"]


@dataclass(frozen=True)
class PanelMember:
    """One model of the panel.

    Attributes
    ----------
    key : str
        The option value ('logistic', 'random_forest', 'gradient_boosting').
    name : str
        In words ('logistic regression', 'ridge regression', 'random forest', ...).
    settings : str
        Its settings, e.g. the strength chosen by inner cross-validation.
    n_fit : int
        Training rows it was fitted on (fewer than the training part when subsampled).
    seconds : float
        Wall time of the fit.
    valid, final : dict of str to float or None
        Point metrics on the selection part and on the final split (binary thresholded metrics
        at the model's own threshold, chosen on validation as for the run's baseline).
    """

    key: str
    name: str
    settings: str
    n_fit: int
    seconds: float
    valid: dict[str, float | None] = field(default_factory=dict)
    final: dict[str, float | None] = field(default_factory=dict)

    def to_json(self) -> JSON:
        return {
            "key": self.key,
            "name": self.name,
            "settings": self.settings,
            "n_fit": self.n_fit,
            "seconds": self.seconds,
            "valid": dict(self.valid),
            "final": dict(self.final),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PanelMember:
        return cls(
            key=data["key"],
            name=data["name"],
            settings=data.get("settings", ""),
            n_fit=data["n_fit"],
            seconds=data["seconds"],
            valid={k: finite(v) for k, v in (data.get("valid") or {}).items()},
            final={k: finite(v) for k, v in (data.get("final") or {}).items()},
        )


@dataclass(frozen=True)
class BaselinePanel:
    """The panel of classical models and the choice among them.

    Attributes
    ----------
    chosen : str
        Key of the model that became the run's baseline.
    metric : str
        The metric it was chosen on (the task's primary metric).
    selection : str
        Where it was chosen: 'valid', or 'train-holdout' (no validation part: a stratified
        fifth of the training part held out, the chosen model then refitted on all of it).
    final_split : str
        The split of the ``final`` metrics (the run's comparison split).
    n_train : int
        Examples in the training part.
    members : list of PanelMember
        In the order fitted.
    """

    chosen: str
    metric: str
    selection: str
    final_split: str
    n_train: int
    members: list[PanelMember] = field(default_factory=list)

    @property
    def chosen_member(self) -> PanelMember:
        """The member that became the baseline."""
        return next(m for m in self.members if m.key == self.chosen)

    @property
    def seconds(self) -> float:
        """Wall time of all the panel's fits."""
        return sum(m.seconds for m in self.members)

    def reason(self) -> str:
        """Why the baseline is the one it is, in one sentence.

        Examples
        --------
        >>> a = PanelMember("logistic", "logistic regression", "", 80, 0.1, {"auroc": 0.8})
        >>> b = PanelMember("random_forest", "random forest", "", 80, 0.9, {"auroc": 0.9})
        >>> panel = BaselinePanel("random_forest", "auroc", "valid", "test", 80, [a, b])
        >>> print(panel.reason())  # doctest: +NORMALIZE_WHITESPACE
        The baseline is the random forest, the best on validation of the classical panel
        (AUROC 0.900; logistic regression 0.800).
        """
        label = METRIC_LABELS.get(self.metric, self.metric)
        chosen = self.chosen_member
        others = "; ".join(
            f"{m.name} {_value(m.valid.get(self.metric))}"
            for m in self.members
            if m.key != self.chosen
        )
        where = (
            "on validation"
            if self.selection == "valid"
            else "on a held-out fifth of the training part (no validation part)"
        )
        tail = f"; {others}" if others else ""
        return (
            f"The baseline is the {chosen.name}, the best {where} of the classical panel "
            f"({label} {_value(chosen.valid.get(self.metric))}{tail})."
        )

    def to_json(self) -> JSON:
        return {
            "chosen": self.chosen,
            "metric": self.metric,
            "selection": self.selection,
            "final_split": self.final_split,
            "n_train": self.n_train,
            "members": [m.to_json() for m in self.members],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BaselinePanel:
        return cls(
            chosen=data["chosen"],
            metric=data["metric"],
            selection=data["selection"],
            final_split=data["final_split"],
            n_train=data["n_train"],
            members=[PanelMember.from_json(m) for m in data["members"]],
        )


def _value(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
