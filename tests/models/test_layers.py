"""The building blocks the models share (biodl.models._layers): stacks, masks, pooling, base."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from biodl.models import MODELS
from biodl.models._layers import (
    MaskedConvBlock,
    SequenceModel,
    apply_mask,
    dense_stack,
    global_pool,
    masked_max,
    masked_mean,
    run_masked_blocks,
)
from biodl.models.autoencoder import AE
from biodl.models.cnn2d import CNN2d


def test_dense_stack_layers_and_width() -> None:
    body, width = dense_stack(6, [5, 3], activation="tanh", dropout=0.3, batch_norm=True)
    kinds = [type(m) for m in body]
    assert kinds == [nn.Linear, nn.BatchNorm1d, nn.Tanh, nn.Dropout] * 2
    assert width == 3
    assert body[0].in_features == 6 and body[4].in_features == 5
    assert body[3].p == 0.3


def test_dense_stack_without_dropout_module_or_layers() -> None:
    body, width = dense_stack(6, [4], activation="relu", dropout=None, batch_norm=False)
    assert [type(m) for m in body] == [nn.Linear, nn.ReLU]
    empty, width = dense_stack(6, [], activation="relu", dropout=0.5, batch_norm=True)
    assert len(empty) == 0 and width == 6
    with pytest.raises(KeyError, match="swish"):
        dense_stack(6, [4], activation="swish", dropout=None, batch_norm=False)


def test_autoencoder_layer_numbering_depends_on_dropout() -> None:
    # Saved autoencoders number their layers without a Dropout module at rate 0.
    plain = AE(8, n_latent=2, hidden=(4, 3)).state_dict()
    dropped = AE(8, n_latent=2, hidden=(4, 3), dropout=0.1).state_dict()
    assert tuple(plain["encoder.3.weight"].shape) == (3, 4)  # Linear, BatchNorm, ReLU, Linear
    assert tuple(dropped["encoder.4.weight"].shape) == (3, 4)  # ... ReLU, Dropout, Linear
    assert "encoder.3.weight" not in dropped


def test_apply_mask_zeroes_padding_only() -> None:
    h = torch.ones(2, 3, 4)
    mask = torch.tensor([[True, True, False, False], [True, True, True, True]])
    out = apply_mask(h, mask)
    assert out[0, :, 2:].abs().sum() == 0 and torch.equal(out[1], h[1])
    assert apply_mask(h, None) is h


def test_run_masked_blocks_zeroes_input_and_carries_the_mask() -> None:
    torch.manual_seed(0)
    blocks = nn.ModuleList([MaskedConvBlock(2, 3, 3), MaskedConvBlock(3, 3, 3)]).eval()
    x = torch.randn(2, 2, 9)
    mask = torch.ones(2, 9, dtype=torch.bool)
    mask[0, 5:] = False
    h, new_mask = run_masked_blocks(blocks, x, mask)
    assert tuple(h.shape) == (2, 3, 3) and new_mask is not None
    # 5 of 9 real -> 3 of 5 windows -> 2 of 3 windows (pooling by 2, partial windows count)
    assert new_mask.tolist() == [[True, True, False], [True, True, True]]
    # Values under the padding do not matter: the input is zeroed first.
    noisy = x.clone()
    noisy[0, :, 5:] = 100.0
    assert torch.equal(run_masked_blocks(blocks, noisy, mask)[0], h)
    assert run_masked_blocks(blocks, x[:, :, :8], None)[1] is None  # no padding, no mask


@pytest.mark.parametrize("how", ["max", "avg", "maxavg"])
def test_global_pool_over_images_and_sequences(how: str) -> None:
    torch.manual_seed(1)
    images = torch.randn(2, 3, 4, 5)
    expected = {
        "max": images.amax(dim=(2, 3)),
        "avg": images.mean(dim=(2, 3)),
        "maxavg": torch.cat([images.amax(dim=(2, 3)), images.mean(dim=(2, 3))], dim=1),
    }[how]
    assert torch.equal(global_pool(images, None, how), expected)
    seq = torch.randn(2, 3, 6)
    full = torch.ones(2, 6, dtype=torch.bool)
    masked = {
        "max": masked_max(seq, full),
        "avg": masked_mean(seq, full),
        "maxavg": torch.cat([masked_max(seq, full), masked_mean(seq, full)], dim=1),
    }[how]
    assert torch.allclose(global_pool(seq, None, how), masked)
    assert torch.equal(global_pool(seq, full, how), masked)


def test_cnn2d_pools_with_the_shared_global_pooling() -> None:
    torch.manual_seed(2)
    model = CNN2d(
        in_channels=1, n_outputs=2, channels=4, n_layers=1, global_pooling="maxavg"
    ).eval()
    x = torch.randn(3, 1, 8, 8)
    h = model.blocks(x)
    assert model.n_features == 8
    assert torch.equal(model.features(x), torch.cat([h.amax(dim=(2, 3)), h.mean(dim=(2, 3))], 1))


@pytest.mark.parametrize("name", ["cnn", "rnn", "lstm", "gru", "cnn-lstm", "transformer", "fcn"])
def test_sequence_models_forward_is_the_head_on_dropped_features(name: str) -> None:
    cls = MODELS[name]
    assert issubclass(cls, SequenceModel)
    small = {"transformer": {"d_model": 16}}.get(name, {})
    torch.manual_seed(3)
    model = cls(in_channels=4, n_outputs=2, **small)
    model.dropout.p = 0.5
    x = torch.randn(3, 4, 20)
    mask = torch.ones(3, 20, dtype=torch.bool)
    mask[2, 12:] = False
    model.eval()
    assert torch.equal(model(x, mask), model.head(model.features(x, mask)))
    model.train()
    torch.manual_seed(4)
    out = model(x, mask)
    torch.manual_seed(4)
    assert torch.equal(out, model.head(model.dropout(model.features(x, mask))))


def test_sequence_model_base_has_no_features_of_its_own() -> None:
    with pytest.raises(NotImplementedError):
        SequenceModel().features(torch.zeros(1, 4, 5))
