"""First-layer filters to motifs: a filter built from a motif's log-odds gives that motif back,
and activations map to the right input windows for any stride and padding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from motif_helpers import JASPAR_MEME, TINY, by_name

from biodl.errors import DataError
from biodl.interpret.filters import filter_motifs, first_layer_activations
from biodl.interpret.motif_files import read_motifs
from biodl.interpret.motifs import one_hot
from biodl.interpret.planted import plant_motifs
from biodl.interpret.tomtom import match_motifs


def test_activations_equal_torch_conv1d() -> None:
    rng = np.random.default_rng(0)
    x = one_hot(["".join(rng.choice(list("ACGT"), 30)) for _ in range(5)])
    weight, bias = rng.normal(size=(3, 4, 7)), rng.normal(size=3)
    conv = torch.nn.Conv1d(4, 3, 7, padding=2)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(weight))
        conv.bias.copy_(torch.tensor(bias))
        expected = conv(torch.tensor(x).transpose(1, 2)).numpy()
    got = first_layer_activations(x, weight, bias, padding=2, batch_size=2)
    np.testing.assert_allclose(got, expected, atol=1e-5)


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (1, 3), (2, 0), (3, 2)])
def test_sites_map_to_the_windows_that_activated(stride: int, padding: int) -> None:
    x = one_hot(["A" * 12 + "GATAAG" + "A" * 12])
    length, width = x.shape[1], 6
    positions = (length + 2 * padding - width) // stride + 1
    act = np.zeros((1, 1, positions))
    j = (12 + padding) // stride
    act[0, 0, j] = 1.0
    (found,) = filter_motifs(x, act, width=width, stride=stride, padding=padding)
    start = j * stride - padding
    expected = "".join("ACGT"[i] for i in x[0, start : start + width].argmax(axis=1))
    assert found.motif.consensus() == expected and found.n_sites == 1


def test_filters_built_from_motifs_match_them_back() -> None:
    db = read_motifs(TINY)
    data = plant_motifs(db, n=300, length=60, seed=2)
    width = max(m.width for m in db)
    weight = np.zeros((len(db), 4, width))
    for f, m in enumerate(db):
        weight[f, :, : m.width] = m.log_odds().T
    act = np.maximum(first_layer_activations(data.onehot, weight), 0)
    found = filter_motifs(data.onehot, act, width=width, threshold=0.7)
    assert all(f.n_sites > 20 for f in found)
    best = match_motifs([f.motif.trimmed() for f in found], db).best()
    assert [b.target for b in best] == [m.id for m in db]
    assert all(b.q_value < 0.05 and b.strand == "+" and b.offset == 0 for b in best)


def test_silent_filter_has_no_sites_and_bad_shapes_are_errors() -> None:
    x = one_hot(["ACGTACGTAC"])
    (silent,) = filter_motifs(x, np.zeros((1, 1, 5)), width=6)
    assert silent.n_sites == 0 and np.allclose(silent.motif.probabilities, 0.25)
    with pytest.raises(DataError, match=r"activations \(N, F, L'\) for the same N"):
        filter_motifs(x, np.zeros((2, 1, 5)), width=6)
    with pytest.raises(DataError, match=r"threshold must be in \[0, 1\)"):
        filter_motifs(x, np.zeros((1, 1, 5)), width=6, threshold=1.5)
    with pytest.raises(DataError, match=r"weight \(F, A, W\) with the same A"):
        first_layer_activations(x, np.zeros((2, 5, 3)))


@pytest.mark.realdata
def test_jaspar_filters_recover_planted_jaspar_motifs(shared_data: Path) -> None:
    db = read_motifs(shared_data / JASPAR_MEME)
    planted = by_name(db, ("GATA1", "SPI1", "CEBPB", "REST"))
    data = plant_motifs(planted, n=400, length=100, seed=0)
    width = max(m.width for m in planted)
    weight = np.zeros((len(planted), 4, width))
    for f, m in enumerate(planted):
        weight[f, :, : m.width] = m.log_odds().T
    act = np.maximum(first_layer_activations(data.onehot, weight), 0)
    found = filter_motifs(data.onehot, act, width=width)
    best = match_motifs([f.motif.trimmed() for f in found], db).best()
    assert [b.target for b in best] == [m.id for m in planted]
    assert all(b.q_value < 0.05 for b in best)
