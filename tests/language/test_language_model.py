"""The language-model contract of biodl.models.language: shapes, causality, weights that a
classifier of the same name can take, the existing classifiers' numbers untouched."""

from __future__ import annotations

import pytest
import torch

from biodl.errors import ConfigError
from biodl.models import build_model
from biodl.models.language import LANGUAGE_MODELS, LanguageModel
from biodl.training.pretrained import load_initial_weights

SMALL = {
    "transformer": {"d_model": 16, "n_heads": 2, "n_layers": 2, "dim_feedforward": 32},
    "lstm": {"hidden_size": 8},
    "gru": {"hidden_size": 8},
    "cnn": {"channels": 8, "n_layers": 2, "kernel_size": 3},
}


@pytest.mark.parametrize("name", list(LANGUAGE_MODELS))
def test_causal_model_never_sees_later_letters(name):
    torch.manual_seed(0)
    lm = LanguageModel(model=name, alphabet_name="protein", params=SMALL[name]).eval()
    codes = torch.randint(1, 21, (3, 25))
    codes[1, 18:] = 0  # a padded row
    logits = lm(codes)
    assert logits.shape == (3, 25, 20)
    for t in (0, 7, 16):
        changed = codes.clone()
        changed[:, t + 1 :] = torch.randint(1, 21, (3, 25 - t - 1))
        other = lm(changed)
        assert torch.allclose(logits[:, : t + 1], other[:, : t + 1], atol=1e-5)
        assert not torch.allclose(logits[:, t + 1 :], other[:, t + 1 :])
    # position t reads letter t - 1: changing letter t changes logits[t + 1] only onwards
    first = codes.clone()
    first[:, 0] = (codes[:, 0] % 20) + 1
    assert torch.allclose(lm(first)[:, 0], logits[:, 0])


@pytest.mark.parametrize("name", list(LANGUAGE_MODELS))
def test_masked_model_sees_both_sides_and_hides_with_mask_code(name):
    torch.manual_seed(0)
    lm = LanguageModel(model=name, alphabet_name="dna", objective="masked", params=SMALL[name])
    lm.eval()
    assert lm.mask_code == 16 and lm.alphabet_name == "dna"
    codes = torch.randint(1, 5, (2, 20))
    hidden = codes.clone()
    hidden[:, 10] = lm.mask_code
    later = hidden.clone()
    later[:, 11:] = (hidden[:, 11:] % 4) + 1
    assert not torch.allclose(lm(hidden)[:, 10], lm(later)[:, 10])  # reads the right side
    assert not torch.allclose(lm(hidden)[:, 10], lm(codes)[:, 10])  # the letter is hidden


@pytest.mark.parametrize("name", list(LANGUAGE_MODELS))
def test_body_weights_load_into_the_classifier_of_the_same_name(name, tmp_path):
    from biodl.runs import save_model

    objective = "masked" if name == "transformer" else "causal"
    lm = LanguageModel(model=name, alphabet_name="rna", objective=objective, params=SMALL[name])
    save_model(tmp_path / "model", lm, {"model": name, "params": lm.params})
    classifier = build_model(name, in_channels=4, n_outputs=3, length=None, **lm.params)
    report = load_initial_weights(classifier, tmp_path)
    body = [k for k in classifier.state_dict() if not k.startswith("head.")]
    assert sorted(report.loaded) == sorted(body)
    assert report.unexpected == ["letters.bias", "letters.weight"]
    assert report.head == "reinitialised"
    key = body[0]
    assert torch.equal(classifier.state_dict()[key], lm.state_dict()[f"network.{key}"])


def test_fixed_parameters_are_refused_with_another_value():
    with pytest.raises(ConfigError, match="bidirectional=False"):
        LanguageModel(model="lstm", alphabet_name="dna", params={"bidirectional": True})
    with pytest.raises(ConfigError, match="a language model is one of"):
        LanguageModel(model="mlp", alphabet_name="dna")
    cnn = build_model("cnn", in_channels=4, n_outputs=1, length=None, channels=4, n_layers=1)
    with pytest.raises(ConfigError, match="pooling='none'"):
        cnn.per_position(torch.zeros(1, 4, 10))
    gru = build_model("gru", in_channels=4, n_outputs=1, length=None, hidden_size=4)
    with pytest.raises(ConfigError, match="bidirectional=false"):
        gru.per_position(torch.zeros(1, 4, 10), causal=True)


def test_bidirectional_positions_ignore_padding():
    torch.manual_seed(0)
    gru = build_model("gru", in_channels=4, n_outputs=1, length=None, hidden_size=4).eval()
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (1, 12)), 4).float().transpose(1, 2)
    padded = torch.cat([x, torch.zeros(1, 4, 5)], dim=2)
    mask = torch.zeros(1, 17, dtype=torch.bool)
    mask[:, :12] = True
    alone = gru.per_position(x)
    inside = gru.per_position(padded, mask)[:, :12]
    assert torch.allclose(alone, inside, atol=1e-5)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_sampling_starts_windows_without_a_prefix(name):
    # the first letter of each window is drawn from the start state alone; a fully padded
    # input made the transformer's attention NaN there
    from biodl.pipeline.language import sample_sequences

    torch.manual_seed(0)
    lm = LanguageModel(model=name, alphabet_name="dna", params=SMALL[name]).eval()
    drawn = sample_sequences(lm, 3, length=10, context=4, seed=1)
    assert len(drawn) == 3 and all(len(s) == 10 and set(s) <= set("ACGT") for s in drawn)
