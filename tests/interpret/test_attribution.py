"""The attribution core: completeness, batching, shuffles, ISM equal to its loop, variants."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import torch

from biodl.errors import DataError
from biodl.interpret.attribution import attribute, integrated_gradients
from biodl.interpret.mutagenesis import mutagenesis, mutagenesis_loop
from biodl.interpret.shuffle import dinucleotide_shuffle, dinucleotide_shuffles
from biodl.interpret.variants import alleles, check_variants


def _cnn() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv1d(4, 6, 5, padding=2),
        torch.nn.ReLU(),
        torch.nn.AdaptiveMaxPool1d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(6, 3),
    ).eval()


def _onehot(n: int, length: int, seed: int = 0) -> torch.Tensor:
    codes = torch.from_numpy(np.random.default_rng(seed).integers(0, 4, (n, length)))
    return torch.nn.functional.one_hot(codes, 4).transpose(1, 2).float()


def test_integrated_gradients_is_complete_and_batching_does_not_change_it():
    net = _cnn()
    forward = lambda x, rows: net(x)  # noqa: E731
    x, target = _onehot(5, 30), torch.tensor([0, 1, 2, 0, 1])
    big = integrated_gradients(forward, x, target, steps=64)
    small = integrated_gradients(forward, x, target, steps=64, max_rows=7)
    torch.testing.assert_close(big.values, small.values, atol=1e-5, rtol=1e-4)
    assert big.delta is not None and float(big.delta.abs().max()) < 0.05


def test_every_gradient_method_gives_the_input_shape():
    net = _cnn()
    forward = lambda x, rows: net(x)  # noqa: E731
    x, target = _onehot(3, 20), torch.tensor([0, 1, 2])
    refs = torch.stack([x.roll(1, 0), x.roll(2, 0)])
    for method in ("saliency", "input_x_gradient", "integrated_gradients", "shap"):
        result = attribute(method, forward, x, target, steps=16, references=refs)
        assert result.values.shape == x.shape
    shap = attribute("shap", forward, x, target, steps=128, references=refs)
    assert shap.delta is not None and float(shap.delta.abs().max()) < 0.05
    with pytest.raises(ValueError, match="shap needs references"):
        attribute("shap", forward, x, target)


def test_batched_mutagenesis_equals_the_one_at_a_time_loop():
    net = _cnn()
    forward = lambda x, rows: net(x)  # noqa: E731
    x, target = _onehot(3, 15, seed=2), torch.tensor([2, 0, 1])
    batched = mutagenesis(forward, x, target, max_rows=17)
    looped = mutagenesis_loop(forward, x, target)
    torch.testing.assert_close(batched, looped, atol=1e-5, rtol=1e-5)
    assert float((batched * x).abs().sum()) == 0.0  # zero at each sequence's own letter
    assert int((batched != 0).sum()) > 0


def test_dinucleotide_shuffle_keeps_every_pair_count():
    rng = np.random.default_rng(0)
    codes = rng.integers(1, 5, 200)

    def pairs(s: np.ndarray) -> dict[tuple[int, int], int]:
        out: dict[tuple[int, int], int] = {}
        for a, b in itertools.pairwise(s.tolist()):
            out[(int(a), int(b))] = out.get((int(a), int(b)), 0) + 1
        return out

    shuffled = dinucleotide_shuffle(codes, rng)
    assert pairs(shuffled) == pairs(codes)
    assert shuffled[0] == codes[0] and shuffled[-1] == codes[-1]
    assert not np.array_equal(shuffled, codes)
    padded = np.zeros((2, 12), dtype=np.int64)
    padded[0, :10], padded[1, :12] = codes[:10], codes[20:32]
    many = dinucleotide_shuffles(padded, np.array([10, 12]), 3, seed=1)
    assert many.shape == (3, 2, 12) and (many[:, 0, 10:] == 0).all()


def _variants(**row) -> pd.DataFrame:
    base = {"id": "v1", "sequence": "ACGTAC", "position": "3", "ref": "G", "alt": "T"}
    return pd.DataFrame([{**base, **row}])


def test_variants_are_checked_row_by_row():
    table = check_variants(_variants(), "ACGT", source="v.csv")
    assert alleles(table) == (["ACGTAC"], ["ACTTAC"])
    with pytest.raises(DataError, match=r"v.csv line 2 \(variant v1\): ref 'A' does not match"):
        check_variants(_variants(ref="A"), "ACGT", source="v.csv")
    with pytest.raises(DataError, match="position 9 is outside the sequence"):
        check_variants(_variants(position="9"), "ACGT", source="v.csv")
    with pytest.raises(DataError, match="position 'x' is not a whole number"):
        check_variants(_variants(position="x"), "ACGT", source="v.csv")
    with pytest.raises(DataError, match="alt 'J' is not one letter"):
        check_variants(_variants(alt="J"), "ACGT", source="v.csv")
    with pytest.raises(DataError, match="no column alt"):
        check_variants(_variants().drop(columns="alt"), "ACGT", source="v.csv")


def test_occlusion_of_single_values_of_a_linear_model_is_input_times_weight():
    from biodl.interpret.attribution import occlusion

    torch.manual_seed(0)
    weight = torch.randn(2, 3 * 5 * 5)
    forward = lambda x, rows: x.flatten(1) @ weight.T  # noqa: E731
    x, target = torch.rand(4, 3, 5, 5), torch.tensor([0, 1, 1, 0])
    got = occlusion(forward, x, target, window=(1, 1, 1), stride=(1, 1, 1), max_rows=7)
    expected = x * weight[target].view(4, 3, 5, 5)
    torch.testing.assert_close(got.values, expected, atol=1e-5, rtol=1e-5)
    assert got.delta is None


def test_occlusion_patches_find_the_region_the_output_reads():
    from biodl.interpret.attribution import occlusion, occlusion_window

    # the output is the mean of a 3 x 3 block of channel 1 at rows/columns 10-12 of 24 x 24
    forward = lambda x, rows: x[:, 1:2, 10:13, 10:13].mean(dim=(2, 3))  # noqa: E731
    x = torch.rand(3, 2, 24, 24) + 0.5
    window, stride = occlusion_window((2, 24, 24))
    assert window == (2, 3, 3) and stride == (2, 1, 1)
    values = occlusion(forward, x, torch.zeros(3, dtype=torch.long), window=window, stride=stride)
    heat = values.values.abs().amax(dim=1)  # (3, 24, 24)
    assert float(heat[:, :7].abs().max()) == 0.0 and float(heat[:, 16:].abs().max()) == 0.0
    peak = heat.flatten(1).argmax(dim=1)
    assert [(int(p) // 24, int(p) % 24) for p in peak] == [(11, 11)] * 3
    with pytest.raises(ValueError, match="do not fit inputs"):
        occlusion(forward, x, torch.zeros(3, dtype=torch.long), window=(3, 3), stride=(1, 1))
