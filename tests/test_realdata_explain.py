"""biodl explain on UCI splice junctions (../shared/data): with default options the attributions
peak at the exon/intron boundary and the discovered motifs show the GT donor and AG acceptor.

Marked `realdata` and `slow` (about 55 CPU s: training 25, explanation 30); skips where the
shared folder is absent. The run is trained and explained on a random 80% of the file; the
other 20% is never read.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

import biodl
from biodl.errors import LeakageWarning

pytestmark = [pytest.mark.realdata, pytest.mark.slow]

#: The 60 nt sequences are centred on the junction: between positions 30 and 31 (1-based).
BOUNDARY = 30.5


def _has_letters(probabilities: np.ndarray, letters: str, at_least: float = 0.8) -> bool:
    """Whether consecutive columns give each of ``letters`` a probability of ``at_least``."""
    codes = ["ACGT".index(c) for c in letters]
    width = len(letters)
    return any(
        all(probabilities[i + k, c] >= at_least for k, c in enumerate(codes))
        for i in range(probabilities.shape[0] - width + 1)
    )


def test_splice_attributions_peak_at_the_junction_and_motifs_show_gt_and_ag(shared_data, tmp_path):
    torch.set_num_threads(1)
    table = pd.read_csv(shared_data / "sequences" / "uci_splice" / "splice.csv", dtype=str)
    table = table.apply(lambda c: c.str.strip()).sample(frac=0.8, random_state=0)
    table.to_csv(tmp_path / "train.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LeakageWarning)  # duplicated sequences
        biodl.train(tmp_path / "train.csv", out=tmp_path / "run", seed=0, n_bootstrap=20)
    result = biodl.explain(tmp_path / "run", tmp_path / "train.csv", out=tmp_path / "explain")

    section = result.section
    predicted = np.array([section.target_names[t] for t in section.target])
    contribution = np.abs(section.attributions.values.sum(axis=1))  # (n, 60), own letters
    for junction in ("EI", "IE"):
        profile = contribution[predicted == junction].mean(axis=0)
        peak = int(profile.argmax()) + 1
        assert abs(peak - BOUNDARY) <= 2.5, (junction, peak, np.round(profile, 3))

    found = result.motifs.discovered
    assert found, result.motifs.table

    def share(d, junction: str) -> float:
        return float(np.mean(predicted[d.sequences] == junction))

    donors = [d for d in found if d.sign > 0 and share(d, "EI") >= 0.9]
    acceptors = [d for d in found if d.sign > 0 and share(d, "IE") >= 0.9]
    summary = [(d.motif.consensus(), d.n_seqlets, share(d, "EI"), share(d, "IE")) for d in found]
    assert any(_has_letters(d.motif.probabilities, "GT") for d in donors), summary
    assert any(_has_letters(d.motif.probabilities, "AG") for d in acceptors), summary
    # the strongest donor pattern is the consensus G|GT(A/G)AG: GT then A or G then AG
    donor = max(donors, key=lambda d: d.n_seqlets)
    assert "GT" in donor.motif.consensus() and _has_letters(donor.motif.probabilities, "GT", 0.95)
    assert (tmp_path / "explain" / "motifs.meme").is_file()
