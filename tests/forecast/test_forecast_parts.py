"""Features, the network, the metrics and the baselines of the forecast, on hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from biodl.data.forecast_features import SITE_FEATURES, forecast_data
from biodl.data.seasons import SeasonedLineage
from biodl.evaluation.forecast import change_metrics, evaluate_forecast, top_k_accuracy
from biodl.models.forecast import SiteForecaster


def toy() -> SeasonedLineage:
    rows = [b"AAA", b"AAA", b"CAA", b"CAA", b"CGA", b"CGA"]
    letters = np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(6, 3)
    return SeasonedLineage(
        list("abcdef"), letters, np.array([0, 0, 1, 1, 2, 2]), ["1", "2", "3"], "t"
    )


def test_targets_and_features_use_the_past_only():
    data = forecast_data(toy())
    assert data.letters == "ACG"
    assert data.change.tolist() == [[True, False, False], [False, True, False]]
    assert data.new_letter.tolist() == [[1, 0, 0], [1, 2, 0]]
    rate = data.site_frequency()
    # season 0 knows no pair; season 2 has seen both pairs
    assert rate[0].tolist() == [0, 0, 0] and rate[2].tolist() == [0.5, 0.5, 0]
    since = data.site[..., SITE_FEATURES.index("seasons_since_change")]
    assert since[2].tolist() == pytest.approx([0.1, 0.0, 0.2])


def test_network_rules_out_the_current_letter_and_sees_neighbours():
    torch.manual_seed(0)
    net = SiteForecaster(
        n_site_features=4, n_letters=3, n_letter_features=2, hidden=8, kernel=3
    ).eval()
    site = torch.zeros(1, 10, 4)
    consensus = torch.zeros(1, 10, dtype=torch.long)
    out = net(site, torch.rand(1, 10, 3, 2), consensus)
    assert torch.softmax(out.letter, -1)[..., 0].max() < 1e-6
    moved = site.clone()
    moved[0, 5] = 1.0
    delta = (
        net(moved, torch.zeros(1, 10, 3, 2), consensus).change
        - net(site, torch.zeros(1, 10, 3, 2), consensus).change
    ).abs()[0]
    assert delta[4] > 0 and delta[6] > 0 and delta[0] == 0


def test_history_weight_adds_the_past_change_rate_to_the_logit_when_forecasting():
    from biodl.training.forecast import forecast_scores, season_tensors

    data = forecast_data(toy())
    shape = {"n_site_features": data.site.shape[-1], "n_letters": 3, "n_letter_features": 3}
    torch.manual_seed(0)
    alone = SiteForecaster(**shape, hidden=8, kernel=3)
    weighted = SiteForecaster(**shape, hidden=8, kernel=3, history_weight=4.0)
    weighted.load_state_dict(alone.state_dict())
    assert weighted.params["history_weight"] == 4.0  # saved in model.json with the network
    # the forward pass (training, early stopping) is the network's alone
    inputs = season_tensors(data, [0, 1])[:3]
    assert torch.equal(alone.eval()(*inputs).change, weighted.eval()(*inputs).change)
    plain = forecast_scores(alone, data, [0, 1]).change
    blended = forecast_scores(weighted, data, [0, 1]).change
    logit = np.log(plain / (1 - plain))
    expected = 1 / (1 + np.exp(-(logit + 4.0 * data.site_frequency()[[0, 1]])))
    assert blended == pytest.approx(expected, abs=1e-6)
    assert blended[1, 0] > plain[1, 0] and blended[0, 0] == pytest.approx(plain[0, 0], abs=1e-6)
    # a network saved before the weight existed forecasts alone
    assert SiteForecaster(**shape).history_weight == 0.0


def test_persistence_is_exactly_half_and_ranks_are_scored():
    change = np.array([[True, False, False, True, False]])
    half = change_metrics(change, np.zeros(change.shape), n_boot=20)
    assert half["auroc"].value == 0.5 and half["auprc"].value == pytest.approx(0.4)
    worst = change_metrics(change, np.array([[0.0, 1, 1, 0, 1]]), n_boot=20)
    assert worst["auroc"].value == 0.0


def test_top_k_counts_only_changed_sites():
    scores = np.array([[[0.0, 0.7, 0.3], [0.0, 0.2, 0.8], [0.5, 0.5, 0.0]]])
    new = np.array([[2, 2, 0]])
    change = np.array([[True, True, False]])
    assert top_k_accuracy(scores, new, change, 1) == 0.5
    assert top_k_accuracy(scores, new, change, 2) == 1.0
    assert np.isnan(top_k_accuracy(scores, new, np.zeros_like(change), 1))


def test_verdict_names_the_strongest_baseline():
    change = np.array([[True, False, True, False, False, False]])
    freq = np.array([[0.9, 0.1, 0.1, 0.8, 0.1, 0.1]])
    entropy = np.array([[0.9, 0.1, 0.2, 0.7, 0.1, 0.1]])
    letters = np.full((1, 6, 3), 1 / 3)
    found = evaluate_forecast(
        change=change,
        new_letter=np.zeros((1, 6), dtype=int),
        scores=np.array([[0.9, 0.1, 0.8, 0.1, 0.2, 0.3]]),
        letter_scores=letters,
        baseline_scores={"site_frequency": freq, "site_entropy": entropy},
        frequencies=letters,
        n_boot=20,
    )
    assert found.strongest == "site_entropy"
    assert found.baselines["persistence"].auroc.value == 0.5
    assert found.verdict.startswith("The forecast beats the strongest baseline (site entropy)")
    assert found.cases == 6 and found.changed == 2
