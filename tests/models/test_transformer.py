"""The transformer's dropout options: attention weights apart from the rest."""

from __future__ import annotations

import torch

from biodl.models import build_model, model_parameters


def _twice(**params: object) -> tuple[torch.Tensor, torch.Tensor]:
    """Two training-mode passes of one model over the same padded batch."""
    torch.manual_seed(0)
    model = build_model("transformer", in_channels=4, n_outputs=2, length=None, **params)
    model.train()
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (3, 40)), 4).float().transpose(1, 2)
    mask = torch.ones(3, 40, dtype=torch.bool)
    mask[1, 25:] = False
    return model(x, mask), model(x, mask)


def test_attention_dropout_is_off_by_default_and_apart_from_dropout() -> None:
    default = {p.name: p.default for p in model_parameters("transformer")}
    assert default["attention_dropout"] == 0.0 and default["dropout"] == 0.1
    first, second = _twice(dropout=0.0)
    torch.testing.assert_close(first, second)  # nothing random left
    first, second = _twice(dropout=0.0, attention_dropout=0.5)
    assert not torch.allclose(first, second)
    model = build_model("transformer", in_channels=4, n_outputs=1, length=None, n_layers=3)
    assert [layer.self_attn.dropout for layer in model.encoder.layers] == [0.0] * 3
    assert [layer.dropout1.p for layer in model.encoder.layers] == [0.1] * 3
