"""The recurrent models' masked path: same outputs and gradients as packed sequences."""

from __future__ import annotations

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from biodl.models import build_model
from biodl.models.rnn import RecurrentNet

CASES = [
    ("lstm", {"readout": "max"}),
    ("lstm", {"readout": "last", "n_layers": 2}),
    ("gru", {"readout": "mean", "n_layers": 2}),
    ("gru", {"readout": "last", "bidirectional": False}),
    ("rnn", {"readout": "last"}),
    ("rnn", {"readout": "max", "n_layers": 2, "bidirectional": False}),
]


def _batch(lengths: list[int], seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """One-hot batch ``(n, 4, max)`` padded with zeros at the right, and its mask."""
    gen = torch.Generator().manual_seed(seed)
    width = max(lengths)
    codes = torch.randint(0, 4, (len(lengths), width), generator=gen)
    mask = torch.arange(width)[None, :] < torch.tensor(lengths)[:, None]
    x = torch.nn.functional.one_hot(codes, 4).float().transpose(1, 2) * mask[:, None]
    return x, mask


def _packed_reference(model: RecurrentNet, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """What the model computed before: the same weights over packed sequences."""
    rec = model.recurrence
    seq = model.project(x.transpose(1, 2))
    lengths = mask.sum(dim=1)
    packed = pack_padded_sequence(seq, lengths, batch_first=True, enforce_sorted=False)
    out, h_n = rec.rnn(packed)
    if rec.readout == "last":
        hidden = h_n[0] if isinstance(h_n, tuple) else h_n
        features = torch.cat(list(hidden[-rec.n_directions :]), dim=1)
    else:
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[2])
        if rec.readout == "mean":
            features = (out * mask[..., None]).sum(1) / lengths[:, None]
        else:
            features = out.masked_fill(~mask[..., None], float("-inf")).amax(1)
    return model.head(model.dropout(features))


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_masked_path_matches_packed_sequences(name: str, params: dict[str, object]) -> None:
    torch.manual_seed(0)
    model = build_model(name, in_channels=4, n_outputs=2, length=None, hidden_size=8, **params)
    assert isinstance(model, RecurrentNet)
    model.eval()
    x, mask = _batch([37, 50, 12, 1, 44])
    got = model(x, mask)
    expected = _packed_reference(model, x, mask)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
    # Gradients agree too: training on padded batches learns what packing would.
    grads = []
    for fn in (lambda: model(x, mask), lambda: _packed_reference(model, x, mask)):
        model.zero_grad()
        fn().square().sum().backward()
        grads.append([p.grad.clone() for p in model.parameters()])
    for a, b in zip(*grads, strict=True):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)
    # The check can fail: reading the padding (no mask) changes the padded rows' outputs.
    assert not torch.allclose(model(x), expected, atol=1e-4)


def test_masked_path_saves_only_the_recurrent_weights() -> None:
    model = build_model("lstm", in_channels=4, n_outputs=1, length=None, n_layers=2)
    keys = set(model.state_dict())
    assert keys == {
        f"recurrence.rnn.{name}" for name, _ in model.recurrence.rnn.named_parameters()
    } | {
        "head.weight",
        "head.bias",
    }
    # Weights saved by the packed version load unchanged (same names and shapes).
    clone = build_model("lstm", in_channels=4, n_outputs=1, length=None, n_layers=2)
    clone.load_state_dict(model.state_dict())
    x, mask = _batch([20, 9])
    model.eval()
    clone.eval()
    torch.testing.assert_close(clone(x, mask), model(x, mask))


def test_masked_path_with_dropout_between_layers_trains() -> None:
    torch.manual_seed(0)
    model = build_model(
        "gru", in_channels=4, n_outputs=1, length=None, hidden_size=8, n_layers=3, dropout=0.5
    )
    model.train()
    x, mask = _batch([30, 7, 18])
    first, second = model(x, mask), model(x, mask)
    assert not torch.allclose(first, second)  # dropout between layers is active
    first.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_building_draws_the_initial_weights_as_before() -> None:
    # The one-direction cells of the masked path draw nothing from the seeded generator: the
    # recurrent layer and the head start from what nn.LSTM and nn.Linear alone would draw.
    torch.manual_seed(0)
    model = build_model("lstm", in_channels=4, n_outputs=1, length=None, n_layers=2)
    after = torch.rand(1)
    torch.manual_seed(0)
    rnn = torch.nn.LSTM(4, 64, num_layers=2, batch_first=True, bidirectional=True)
    head = torch.nn.Linear(128, 1)
    torch.testing.assert_close(model.recurrence.rnn.weight_hh_l1_reverse, rnn.weight_hh_l1_reverse)
    torch.testing.assert_close(model.head.weight, head.weight)
    torch.testing.assert_close(after, torch.rand(1))
