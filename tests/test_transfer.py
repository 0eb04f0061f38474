"""Transfer learning: weight sources and key mapping, channel adaptation, freezing, body
learning rate, gradual unfreezing, option errors, and `biodl train --init-from` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import lightning as L
import pytest
import torch
import yaml
from safetensors.torch import load_file, save_file
from torch import nn
from typer.testing import CliRunner

from biodl.cli import app
from biodl.config import TrainConfig
from biodl.errors import ConfigError
from biodl.training.optim import parameter_groups
from biodl.training.pretrained import (
    TransferWarning,
    load_initial_weights,
    map_keys,
    read_weights,
)
from biodl.training.transfer import BodyFreezer, check_transfer_options

runner = CliRunner()
FAST = ["--epochs", "2", "--bootstrap", "20", "--quiet", "--set", "model.channels=8"]
FAST += ["--set", "model.n_layers=1"]


class Block(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)


class TinyResNet(nn.Module):
    """torchvision's attribute names; ``last`` is 'fc' (torchvision) or 'head' (biodl)."""

    def __init__(self, in_channels: int = 3, n_outputs: int = 10, last: str = "fc"):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 4, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.layer1 = nn.Sequential(Block(4))
        setattr(self, last, nn.Linear(4, n_outputs))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.bn1(self.conv1(x)))
        x = torch.relu(self.layer1[0].bn1(self.layer1[0].conv1(x)))
        last = self.head if hasattr(self, "head") else self.fc
        return last(x.mean((2, 3)))


def torchvision_file(tmp_path: Path, **kwargs) -> tuple[Path, dict[str, torch.Tensor]]:
    """A DDP-wrapped checkpoint with a nested state dict, as other training code writes it."""
    torch.manual_seed(1)
    source = TinyResNet(**kwargs)
    state = source.state_dict()
    path = tmp_path / "resnet.pth"
    torch.save({"epoch": 3, "state_dict": {f"module.{k}": v for k, v in state.items()}}, path)
    return path, state


def test_torchvision_state_dict_is_mapped_and_loaded_with_weights_only(tmp_path):
    path, state = torchvision_file(tmp_path)
    source = read_weights(path)
    assert source.kind == "torch"
    model = TinyResNet(last="head", n_outputs=10)
    report = load_initial_weights(model, source)
    assert report.mapping == ["removed prefix 'module.'", "renamed 'fc.*' to 'head.*'"]
    assert report.head == "loaded" and not report.missing and not report.mismatched
    for key, value in model.state_dict().items():
        original = state[key.replace("head.", "fc.")]
        assert torch.equal(value, original), key


def test_safetensors_file_and_unused_keys_are_reported(tmp_path):
    torch.manual_seed(2)
    state = {f"model.{k}": v for k, v in TinyResNet(last="head").state_dict().items()}
    state["model.extra.weight"] = torch.zeros(2)
    save_file(state, str(tmp_path / "w.safetensors"))
    model = TinyResNet(last="head")
    report = load_initial_weights(model, tmp_path / "w.safetensors")
    assert report.kind == "safetensors" and report.unexpected == ["extra.weight"]
    assert torch.equal(model.conv1.weight, state["model.conv1.weight"])


def test_pickled_objects_are_refused(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"state_dict": {"conv1.weight": torch.zeros(1)}, "obj": Block(1)}, path)
    with pytest.raises(ConfigError, match="weights_only=True"):
        read_weights(path)


def test_greyscale_model_gets_the_channel_sum_of_rgb_filters(tmp_path):
    path, state = torchvision_file(tmp_path, in_channels=3)
    model = TinyResNet(in_channels=1, last="head")
    report = load_initial_weights(model, path)
    assert report.adapted == ["conv1.weight"]
    expected = state["conv1.weight"].sum(dim=1, keepdim=True)
    assert torch.allclose(model.conv1.weight, expected)
    # A grey image seen as RGB (g, g, g) gives the same first-layer response.
    grey = torch.randn(2, 1, 5, 5)
    rgb_conv = nn.functional.conv2d(grey.repeat(1, 3, 1, 1), state["conv1.weight"], padding=1)
    assert torch.allclose(model.conv1(grey), rgb_conv, atol=1e-5)


def test_rgb_model_from_greyscale_weights_repeats_a_third(tmp_path):
    path, state = torchvision_file(tmp_path, in_channels=1)
    model = TinyResNet(in_channels=3, last="head")
    load_initial_weights(model, path)
    assert torch.allclose(model.conv1.weight, state["conv1.weight"].repeat(1, 3, 1, 1) / 3)


def test_a_head_of_another_size_is_reinitialised_and_said_so(tmp_path):
    path, _ = torchvision_file(tmp_path, n_outputs=1000)
    model = TinyResNet(last="head", n_outputs=5)
    fresh = model.head.weight.detach().clone()
    report = load_initial_weights(model, path)
    assert report.head == "reinitialised" and "[1000, 4]" in report.head_reason
    assert torch.equal(model.head.weight, fresh)
    assert "head reinitialised" in report.summary()


def test_shape_mismatches_warn_and_nothing_matching_is_an_error(tmp_path):
    path, _ = torchvision_file(tmp_path)
    model = TinyResNet(last="head")
    model.layer1[0].conv1 = nn.Conv2d(4, 4, 5, padding=2, bias=False)
    with pytest.warns(TransferWarning, match="1 have other shapes"):
        report = load_initial_weights(model, path)
    assert report.mismatched == [["layer1.0.conv1.weight", [4, 4, 3, 3], [4, 4, 5, 5]]]
    save_file({"encoder.w": torch.zeros(3)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(ConfigError, match="no weight fits this model's body.*'encoder.w'"):
        load_initial_weights(TinyResNet(last="head"), tmp_path / "other.safetensors")


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p / "missing.pt", "no such run directory or weights file"),
        (lambda p: p, "not a biodl run directory"),
        (lambda p: _write(p / "bad.safetensors", b"xx"), "not a readable safetensors"),
        (lambda p: _save(p / "empty.pt", {"epoch": 1}), "holds no tensors"),
    ],
)
def test_unreadable_sources_are_named(tmp_path, make, message):
    with pytest.raises(ConfigError, match=message):
        read_weights(make(tmp_path))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _save(path: Path, obj: object) -> Path:
    torch.save(obj, path)
    return path


def test_map_keys_keeps_prefixes_the_model_uses():
    model = nn.Module()
    model.model = nn.Linear(2, 2)  # the model's own keys start with 'model.'
    mapped, notes = map_keys({"model.weight": torch.zeros(2, 2)}, model)
    assert list(mapped) == ["model.weight"] and notes == []


@pytest.mark.parametrize(
    "options, message",
    [
        ({"freeze": "body"}, "--freeze body applies to transfer learning"),
        ({"body_lr_factor": 0.1}, "--body-lr-factor 0.1 applies"),
        ({"unfreeze_after": 2}, "--unfreeze-after 2 applies"),
        ({"compare_scratch": True}, "--compare-scratch applies"),
        ({"init_from": "nowhere"}, "no such run directory"),
        ({"init_from": ".", "body_lr_factor": 0.0}, "must be > 0"),
        ({"init_from": ".", "unfreeze_after": -1}, "must be 0 or a positive"),
        ({"init_from": ".", "unfreeze_after": 2, "freeze": "body"}, "--freeze body forbids"),
    ],
)
def test_option_errors(options, message):
    with pytest.raises(ConfigError, match=message):
        check_transfer_options(TrainConfig(**options))


def test_body_lr_factor_makes_two_parameter_groups():
    model = TinyResNet(last="head")
    groups = parameter_groups(model, lr=0.01, body_lr_factor=0.1)
    assert [g["name"] for g in groups] == ["head", "body"]
    assert groups[0]["lr"] == 0.01 and groups[1]["lr"] == pytest.approx(0.001)
    assert len(groups[0]["params"]) + len(groups[1]["params"]) == len(list(model.parameters()))
    assert [g["name"] for g in parameter_groups(model, lr=0.01, train_body=False)] == ["head"]
    assert len(parameter_groups(model, lr=0.01)) == 1


class Recorder(L.LightningModule):
    """Trains TinyResNet on random data; snapshots the body after every epoch."""

    def __init__(self, model: nn.Module, train_body: bool = True):
        super().__init__()
        self.model, self.train_body = model, train_body
        self.snapshots: list[dict[str, torch.Tensor]] = []

    def training_step(self, batch, idx):
        x, y = batch
        return nn.functional.cross_entropy(self.model(x), y)

    def on_train_epoch_end(self):
        self.snapshots.append({k: v.clone() for k, v in self.model.state_dict().items()})

    def configure_optimizers(self):
        groups = parameter_groups(self.model, lr=0.05, train_body=self.train_body)
        return torch.optim.SGD(groups, lr=0.05)


def _fit(module: Recorder, callback: BodyFreezer, epochs: int) -> None:
    torch.manual_seed(0)
    data = torch.utils.data.TensorDataset(torch.randn(32, 3, 6, 6), torch.randint(0, 10, (32,)))
    trainer = L.Trainer(
        max_epochs=epochs,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[callback],
    )
    trainer.fit(module, torch.utils.data.DataLoader(data, batch_size=8))


def test_freeze_body_keeps_body_weights_and_batchnorm_statistics_bit_identical():
    model = TinyResNet(last="head")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    _fit(Recorder(model, train_body=False), BodyFreezer(model, epochs=None), epochs=2)
    after = model.state_dict()
    for key, value in before.items():
        if key.startswith("head."):
            assert not torch.equal(after[key], value), key
        else:
            assert torch.equal(after[key], value), key  # running_mean/var included
    assert all(p.requires_grad for p in model.parameters())  # restored at fit end


def test_unfreeze_after_trains_the_body_from_that_epoch_on():
    model = TinyResNet(last="head")
    start = {k: v.clone() for k, v in model.state_dict().items()}
    module = Recorder(model)
    _fit(module, BodyFreezer(model, epochs=2), epochs=4)
    body = ["conv1.weight", "bn1.running_mean", "layer1.0.conv1.weight"]
    changed = [any(not torch.equal(s[k], start[k]) for k in body) for s in module.snapshots]
    assert changed == [False, False, True, True]
    assert not torch.equal(module.snapshots[0]["head.weight"], start["head.weight"])


def test_cli_init_from_a_run_directory_end_to_end(tmp_path, motif_fasta):
    pre = tmp_path / "pre"
    result = runner.invoke(app, ["train", str(motif_fasta), "--out", str(pre), *FAST])
    assert result.exit_code == 0, result.output
    run = tmp_path / "frozen"
    args = ["train", str(motif_fasta), "--out", str(run), "--init-from", str(pre)]
    args += ["--freeze", "body", "--compare-scratch", "--epochs", "2", "--bootstrap", "20"]
    result = runner.invoke(app, [*args, "--quiet"])
    assert result.exit_code == 0, result.output
    info = json.loads((run / "model" / "model.json").read_text())
    # No --model: the source run's model and hyperparameters are used (the CNN's additive
    # term, "auto", is off with --init-from and recorded so).
    params = {"channels": 8, "n_layers": 1, "additive": False}
    assert info["model"] == "cnn" and info["params"] == params
    config = yaml.safe_load((run / "config.yaml").read_text())  # reruns with the same model
    assert config["model"] == {"name": "cnn", "params": params}
    assert config["train"]["init_from"] == str(pre) and config["train"]["freeze"] == "body"
    transfer = info["transfer"]
    assert transfer["kind"] == "run" and transfer["freeze"] == "body"
    assert transfer["head"] == "loaded" and not transfer["missing"]  # same classes: head kept
    source = load_file(str(pre / "model" / "weights.safetensors"))
    trained = load_file(str(run / "model" / "weights.safetensors"))
    for key, value in source.items():
        if key.startswith("linear."):  # the source's additive term (if "auto" chose it): left
            assert key not in trained and key in transfer["unexpected"]
        elif not key.startswith("head."):
            assert torch.equal(trained[key], value), key  # the body did not move
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["transfer"]["init_from"] == str(pre)
    scratch = metrics["scratch"]
    assert scratch["split"] == "test" and "accuracy" in scratch["test"]
    assert scratch["comparison"]["verdict"].startswith("Transfer learning")
    assert "Transfer learning" in (run / "report.html").read_text()


def test_cli_bad_transfer_option_exits_2_with_one_line(tmp_path, motif_fasta):
    out = tmp_path / "run"
    result = runner.invoke(app, ["train", str(motif_fasta), "--out", str(out), "--freeze", "body"])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "needs --init-from" in result.output
    assert not out.exists()


def test_init_from_with_the_additive_term_is_refused(tmp_path, motif_fasta):
    pre = tmp_path / "pre"
    assert runner.invoke(app, ["train", str(motif_fasta), "--out", str(pre), *FAST]).exit_code == 0
    args = ["train", str(motif_fasta), "--out", str(tmp_path / "x"), "--init-from", str(pre)]
    result = runner.invoke(app, [*args, *FAST, "--set", "model.additive=true"])
    assert result.exit_code == 2
    assert "--init-from with model.additive=true" in result.output
    assert not (tmp_path / "x").exists()
