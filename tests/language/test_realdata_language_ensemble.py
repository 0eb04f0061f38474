"""``--ensemble N`` for a language model on real proteins: the AntiCP 2.0 peptides (main set,
train split, used unlabelled; its test split scored).

Marked ``realdata``; skipped where ../shared/data is absent. Two small GRUs for 3 epochs (a
few CPU seconds each): the ensemble's letter probabilities are the members' average, so its
per-letter loss on held-out peptides is at most their mean (Jensen), and both beat a uniform
guess over the 20 amino acids.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import biodl
from biodl.models.language import LanguageEnsemble
from biodl.pipeline.language import load_language_model

pytestmark = pytest.mark.realdata


def _nll_per_letter(model: torch.nn.Module, codes: torch.Tensor) -> float:
    with torch.no_grad():
        logp = model(codes).log_softmax(-1)
    real = codes > 0
    picked = logp.gather(-1, (codes - 1).clamp_min(0).unsqueeze(-1))[..., 0]
    return float(-picked[real].mean())


def test_anticp_peptides_ensemble_of_two_language_models(shared_data, tmp_path):
    torch.set_num_threads(1)
    table = pd.read_csv(shared_data / "protein/anticancer_peptides/anticp2.csv")
    main = table[table["dataset"] == "main"]
    fasta = tmp_path / "train.fa"
    train = main[main["split"] == "train"]["sequence"].tolist()
    fasta.write_text("".join(f">p{i}\n{s}\n" for i, s in enumerate(train)))
    run = tmp_path / "lm"
    biodl.train(
        fasta,
        task="language-model",
        context=64,
        model_params={"hidden_size": 32},
        epochs=3,
        ensemble=2,
        out=run,
        progress=False,
    )
    lm = load_language_model(run)
    assert isinstance(lm.model, LanguageEnsemble) and len(lm.model.members) == 2
    test = main[main["split"] == "test"]["sequence"].tolist()
    codes = np.zeros((len(test), max(map(len, test))), dtype=np.int64)
    for i, s in enumerate(test):
        codes[i, : len(s)] = lm.alphabet.lut[np.frombuffer(s.encode(), dtype=np.uint8)]
    assert (codes[codes > 0] <= 20).all()  # plain amino acids only
    x = torch.as_tensor(codes)
    ensemble = _nll_per_letter(lm.model, x)
    members = [_nll_per_letter(m, x) for m in lm.model.members]
    assert ensemble <= float(np.mean(members)) + 1e-6
    assert max(*members, ensemble) < np.log(20)  # better than a uniform guess
