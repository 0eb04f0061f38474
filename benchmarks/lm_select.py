"""Choosing the language-model defaults on VALIDATION only (issue 16, ``lm_select.py``).

Trains one causal :class:`biodl.models.language.LanguageModel` on a real set's training part
with the loop of :class:`biodl.training.language.LanguageTask` written out (Adam, batches of
windows, summed next-letter cross-entropy over the real letters), printing after every epoch
the validation perplexity per letter and the CPU seconds so far (a run cut short by a timeout
still tells its story). The test part is dropped when the set is read; the weights of the best
validation epoch are saved to ``--save`` for one later evaluation (``--test``)::

    python benchmarks/lm_select.py nrc --model transformer --lr 1e-3 --epochs 20 --save W.pt
    python benchmarks/lm_select.py nrc --model transformer --load W.pt --test

``--test`` loads saved weights, fits the Markov orders on train (order chosen on validation)
and prints both test perplexities with 95 % bootstrap intervals over test sequences.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import language_models as sets


def parts(name: str, seed: int, keep_test: bool) -> tuple[dict[str, list[np.ndarray]], str, int]:
    """Code arrays per part; the test part only when ``keep_test``."""
    from biodl.data.sequence import read_sequences

    with tempfile.TemporaryDirectory() as tmp:
        path = {"nrc": sets.nrc, "flip": sets.flip}[name](Path(tmp), None, seed)
        if not keep_test:
            text = path.read_text().split(">")[1:]
            path.write_text("".join(">" + r for r in text if "split=test" not in r.split("\n")[0]))
        seqs = read_sequences(
            path, label_columns=[], require_labels=False, extra_columns={"split": "--split-column"}
        )
    split = seqs.labels["split"].to_numpy()
    out: dict[str, list[np.ndarray]] = {"train": [], "valid": [], "test": []}
    for i in range(len(seqs.ids)):
        out[str(split[i])].append(
            seqs.codes[seqs.offsets[i] : seqs.offsets[i + 1]].astype(np.int64)
        )
    return out, seqs.alphabet.name, seqs.alphabet.n_channels


def main() -> None:
    from biodl.models.language import LanguageModel
    from biodl.training.language import letter_targets, windows_of

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("set", choices=["nrc", "flip"])
    p.add_argument("--model", default="transformer")
    p.add_argument("--params", default="{}", help="JSON of body hyperparameters")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--context", type=int, default=128)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--save", default=None)
    p.add_argument("--load", default=None)
    p.add_argument("--test", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    data, alphabet, n_letters = parts(a.set, a.seed, keep_test=a.test)
    win = {k: windows_of(v, a.context) for k, v in data.items() if v}
    torch.manual_seed(a.seed)
    model = LanguageModel(model=a.model, alphabet_name=alphabet, params=json.loads(a.params))
    print(
        f"{a.set} {a.model} {model.params} lr {a.lr} context {a.context}: "
        f"{ {k: len(v) for k, v in data.items()} } sequences, "
        f"{ {k: len(v) for k, v in win.items()} } windows",
        flush=True,
    )

    def nll(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        model.eval()
        sums, counts = [], []
        with torch.no_grad():
            for s in range(0, len(windows), 256):
                codes = torch.as_tensor(windows[s : s + 256])
                t = letter_targets(codes, model.n_letters)
                logp = torch.log_softmax(model(codes).float(), dim=-1)
                picked = logp.gather(2, t.clamp(min=0).unsqueeze(2)).squeeze(2)
                sums.append(-(picked * (t >= 0)).sum(1).numpy())
                counts.append((t >= 0).sum(1).numpy())
        return np.concatenate(sums), np.concatenate(counts)

    if a.test:
        from biodl.evaluation.markov import fit_markov_on_valid

        model.load_state_dict(torch.load(a.load))
        owner = np.repeat(
            np.arange(len(data["test"])), [max(1, -(-len(s) // a.context)) for s in data["test"]]
        )
        n = len(data["test"])
        s, c = nll(win["test"])
        sel = fit_markov_on_valid(win["train"], win["valid"], n_letters)
        ms = -sel.model.log_likelihood(win["test"])
        rng = np.random.default_rng(a.seed)
        per = {
            k: np.bincount(owner, weights=v, minlength=n)
            for k, v in {"net": s, "markov": ms, "count": c}.items()
        }
        draws = {"net": [], "markov": [], "diff": []}
        for _ in range(1000):
            w = np.bincount(rng.integers(0, n, n), minlength=n)
            cnt = w @ per["count"]
            pn, pm = np.exp(w @ per["net"] / cnt), np.exp(w @ per["markov"] / cnt)
            draws["net"].append(pn)
            draws["markov"].append(pm)
            draws["diff"].append(pn - pm)
        ci = {k: np.quantile(v, [0.025, 0.975]).round(3).tolist() for k, v in draws.items()}
        vs, vc = nll(win["valid"])
        print(
            f"network valid {math.exp(vs.sum() / vc.sum()):.3f} test "
            f"{math.exp(s.sum() / c.sum()):.3f} {ci['net']}; Markov order {sel.model.order} "
            f"valid {sel.valid_perplexity[sel.model.order]:.3f} test "
            f"{math.exp(ms.sum() / c.sum()):.3f} {ci['markov']}; difference CI {ci['diff']}",
            flush=True,
        )
        return

    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    gen = torch.Generator().manual_seed(a.seed)
    train = torch.as_tensor(win["train"])
    start = time.process_time()
    best = math.inf
    for epoch in range(1, a.epochs + 1):
        model.train()
        total, count = 0.0, 0
        for idx in torch.randperm(len(train), generator=gen).split(a.batch_size):
            codes = train[idx]
            t = letter_targets(codes, model.n_letters)
            logits = model(codes)
            loss_sum = F.cross_entropy(
                logits.reshape(-1, logits.shape[-1]).float(),
                t.reshape(-1),
                ignore_index=-100,
                reduction="sum",
            )
            k = (t >= 0).sum()
            opt.zero_grad()
            (loss_sum / k.clamp(min=1)).backward()
            opt.step()
            total += float(loss_sum)
            count += int(k)
        vs, vc = nll(win["valid"])
        valid = math.exp(vs.sum() / vc.sum())
        if valid < best:
            best = valid
            if a.save:
                torch.save(model.state_dict(), a.save)
        print(
            f"epoch {epoch} train {math.exp(total / count):.3f} valid {valid:.4f} "
            f"best {best:.4f} cpu {time.process_time() - start:.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
