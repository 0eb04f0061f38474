"""Regular time series end to end: normalisation, baselines (1-NN vs scikit-learn), training."""

from __future__ import annotations

import json

import numpy as np
import torch
from sklearn.neighbors import KNeighborsClassifier

from biodl.data.timeseries import TimeSeriesSet
from biodl.kinds.timeseries import (
    NearestNeighbour,
    SummaryStatistics,
    TimeSeriesNetwork,
    looks_like_timeseries,
    normalisation,
    scale,
)


def planted(n: int = 120, length: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Noise series; class 1 carries a bump at a random position (shape, not amplitude)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 1, length)).astype(np.float32)
    y = np.arange(n) % 2
    for i in np.flatnonzero(y):
        start = rng.integers(0, length - 10)
        x[i, 0, start : start + 10] += 3.0 * np.hanning(10)
    return x, y


def write_ucr(path, x, y):
    lines = [
        " ".join([str(int(lab))] + [f"{v:.5f}" for v in row[0]])
        for row, lab in zip(x, y, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")


def test_global_and_instance_normalisation():
    x = np.stack([np.arange(6.0).reshape(2, 3), 10 + np.arange(6.0).reshape(2, 3)])
    ts = TimeSeriesSet.from_array(x)
    stats = normalisation(ts, "global")
    np.testing.assert_allclose(stats["mean"], x.transpose(1, 0, 2).reshape(2, -1).mean(1))
    out = scale(torch.from_numpy(ts.values), None, stats).numpy()
    np.testing.assert_allclose(out.transpose(1, 0, 2).reshape(2, -1).std(1), [1, 1], rtol=1e-5)
    inst = scale(torch.from_numpy(ts.values), None, normalisation(ts, "instance")).numpy()
    np.testing.assert_allclose(inst.mean(-1), 0, atol=1e-6)
    np.testing.assert_allclose(inst.std(-1), 1, rtol=1e-5)
    assert normalisation(ts, "none") == {"how": "none", "mean": [0.0, 0.0], "std": [1.0, 1.0]}


def test_instance_normalisation_ignores_padding():
    ts = TimeSeriesSet.from_array([[1.0, 2.0, 3.0, np.nan], [1.0, 2.0, 3.0, 4.0]])
    out = scale(
        torch.from_numpy(ts.values),
        torch.from_numpy(ts.mask),
        {"how": "instance", "mean": [0.0], "std": [1.0]},
    ).numpy()
    np.testing.assert_allclose(
        out[0, 0, :3], (np.array([1, 2, 3]) - 2) / np.std([1, 2, 3]), rtol=1e-5
    )
    assert out[0, 0, 3] == 0


def test_network_wrapper_saves_only_model_weights():
    from biodl.models import build_model

    ts = TimeSeriesSet.from_array(np.random.default_rng(0).normal(size=(4, 2, 9)))
    net = TimeSeriesNetwork(
        build_model("fcn", in_channels=2, n_outputs=1, length=None, channels=4),
        normalisation(ts, "global"),
    )
    assert all(key.startswith("model.") for key in net.state_dict())
    assert tuple(net(torch.from_numpy(ts.values)).shape) == (4, 1)


def test_one_nn_matches_scikit_learn():
    x, y = planted(80, 40, seed=1)
    train = TimeSeriesSet.from_array(x[:60])
    test = TimeSeriesSet.from_array(x[60:])
    stats = normalisation(train, "global")
    knn = NearestNeighbour(stats, n_classes=2).fit(train, y[:60])
    scores = knn.predict_scores(test)
    Xtr = (x[:60, 0] - stats["mean"][0]) / stats["std"][0]
    Xte = (x[60:, 0] - stats["mean"][0]) / stats["std"][0]
    reference = KNeighborsClassifier(n_neighbors=1).fit(Xtr, y[:60]).predict(Xte)
    np.testing.assert_array_equal(scores.argmax(1), reference)
    assert scores.shape == (20, 2)


def test_summary_statistics_features_per_channel():
    ts = TimeSeriesSet.from_array([[[1.0, 2.0, 3.0], [0.0, 0.0, 6.0]]])
    from biodl.data.summary import summary_features

    features = SummaryStatistics(summary_features(ts.values).fill)
    X = features(ts)
    assert X.shape == (1, 14)  # 2 channels x 7 statistics
    assert X[0, :6].tolist() == [2.0, 1.0, 3.0, 3.0, 3.0, 1.0]


def test_detect(tmp_path):
    x, y = planted(4, 20)
    write_ucr(tmp_path / "a_TRAIN.txt", x, y)
    assert looks_like_timeseries(tmp_path / "a_TRAIN.txt")
    (tmp_path / "seqs.csv").write_text("id,sequence,label\na,ACGT,1\n")
    assert not looks_like_timeseries(tmp_path / "seqs.csv")
    np.savez(tmp_path / "d.npz", X=x, y=y)
    assert looks_like_timeseries(tmp_path / "d.npz")


def test_cli_learns_planted_signal_with_baselines(tmp_path):
    from typer.testing import CliRunner

    from biodl.cli import app

    x, y = planted(160, 60)
    write_ucr(tmp_path / "train.txt", x[:120], y[:120])
    write_ucr(tmp_path / "test.txt", x[120:], y[120:])
    run = tmp_path / "run"
    args = [
        "train",
        tmp_path / "train.txt",
        "--test",
        tmp_path / "test.txt",
        "--out",
        run,
        "--kind",
        "timeseries",
        "--epochs",
        "30",
        "--patience",
        "0",  # a 12-series validation split is too small to early-stop on
        "--bootstrap",
        "20",
        "--set",
        "model.channels=16",
    ]
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["model"]["test"]["accuracy"] >= 0.8
    assert "summary statistics" in json.dumps(metrics["baseline"])
    assert "1-NN" in json.dumps(metrics)
    assert (run / "report.html").exists()


def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path):
    from typer.testing import CliRunner

    from biodl.cli import app

    (tmp_path / "bad.txt").write_text("1 " + " ".join(["0.1"] * 20) + "\n2 " + "x " * 20 + "\n")
    run = tmp_path / "run"
    result = CliRunner().invoke(
        app, ["train", str(tmp_path / "bad.txt"), "--kind", "timeseries", "--out", str(run)]
    )
    assert result.exit_code == 2
    assert "line 2" in result.output and "is not a number" in result.output
    assert not run.exists()


def test_test_series_of_lengths_training_never_has_are_warned_about(tmp_path):
    from biodl.config import DataConfig, RunConfig
    from biodl.kinds import prepare_run_data

    x, y = planted(100, 60)
    write_ucr(tmp_path / "train.txt", x[:80], y[:80])
    write_ucr(tmp_path / "same.txt", x[80:], y[80:])
    write_ucr(tmp_path / "short.txt", x[80:, :, :18], y[80:])

    def warned(test: str) -> list[str]:
        data = DataConfig(train=str(tmp_path / "train.txt"), test=str(tmp_path / test))
        return [w for w in prepare_run_data(RunConfig(data=data)).warnings if "lengths" in w]

    assert warned("same.txt") == []
    (said,) = warned("short.txt")
    assert said.startswith(f"{tmp_path / 'short.txt'}: 20 of 20 series have lengths the training")
    assert "(18 time points; training: 60)" in said
    # biodl predict with a run trained on series of one length says the same
    from typer.testing import CliRunner

    from biodl.cli import app

    run, out = tmp_path / "run", tmp_path / "p.csv"
    args = ["train", tmp_path / "train.txt", "--out", run, "--epochs", "1", "--quiet"]
    assert CliRunner().invoke(app, [str(a) for a in args]).exit_code == 0
    for test, expected in (("same.txt", False), ("short.txt", True)):
        result = CliRunner().invoke(
            app, ["predict", str(run), str(tmp_path / test), "-o", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert ("20 of 20 series have lengths" in " ".join(result.output.split())) == expected
