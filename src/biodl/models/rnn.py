"""Recurrent networks (RNN, LSTM, GRU) and a convolutional front feeding a bidirectional LSTM.

Padding never reaches a real position: with a mask, each sequence is read from its true first
to its true last step in both directions. Padding is assumed to sit at the right end of each
sequence (as biodl pads). On the CPU the forward direction runs over the padded batch (the
padded steps come after the real ones, so they change nothing before them) and the backward
direction over each sequence reversed within its own length; both use PyTorch's fused
recurrent kernels, about three times faster than packed sequences there (see
``benchmarks/RESULTS.md``). Elsewhere (CUDA, whose cuDNN kernels take packed sequences as they
are) the sequences are packed with ``nn.utils.rnn.pack_padded_sequence``. Both give the same
outputs up to float rounding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Literal

import torch
from torch import Tensor, nn
from torch.func import functional_call
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from biodl.errors import ConfigError
from biodl.models._layers import (
    ActivationName,
    MaskedConvBlock,
    SequenceModel,
    full_mask,
    masked_max,
    masked_mean,
    run_masked_blocks,
)

__all__ = [
    "CELLS",
    "CNNLSTM",
    "READOUTS",
    "CellName",
    "GRUNet",
    "LSTMNet",
    "RNNNet",
    "ReadoutName",
    "RecurrentNet",
]

CellName = Literal["rnn", "lstm", "gru"]
CELLS: dict[str, Callable[..., nn.RNNBase]] = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}

ReadoutName = Literal["last", "mean", "max"]
READOUTS: tuple[str, ...] = ("last", "mean", "max")


class _Recurrence(nn.Module):
    """A stacked recurrent layer with masked readout: ``(batch, length, size)`` -> features."""

    def __init__(
        self,
        input_size: int,
        *,
        cell: str,
        hidden_size: int,
        n_layers: int,
        bidirectional: bool,
        dropout: float,
        readout: str,
    ) -> None:
        super().__init__()
        self.rnn = CELLS[cell](
            input_size,
            hidden_size,
            num_layers=n_layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if n_layers > 1 else 0.0,
        )
        self.readout = readout
        self.n_directions = 2 if bidirectional else 1
        self.n_features = hidden_size * self.n_directions
        # One single-layer, one-direction cell per layer, run with that layer's weights of
        # self.rnn (torch.func.functional_call); kept in a tuple so that they are not
        # submodules: they hold no trained weights and are not saved. Their own (unused)
        # initial weights are drawn from a forked random generator, so the network starts
        # from the same weights as before they existed.
        with torch.random.fork_rng(devices=[]):
            self._steps = tuple(
                CELLS[cell](
                    input_size if k == 0 else self.n_features, hidden_size, batch_first=True
                )
                for k in range(n_layers)
            )

    def forward(self, seq: Tensor, mask: Tensor | None) -> Tensor:
        if mask is None:
            out, h_n = self.rnn(seq)
        elif seq.device.type == "cpu":
            return self._masked_unpacked(seq, mask)
        else:
            total = seq.shape[1]
            lengths = mask.sum(dim=1).clamp(min=1).cpu()
            packed = pack_padded_sequence(seq, lengths, batch_first=True, enforce_sorted=False)
            packed_out, h_n = self.rnn(packed)
            out, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=total)
        if self.readout == "last":
            # h_n holds, per direction, the state after the true last step (forward) and after
            # the first step (backward); packing makes it independent of padding.
            hidden = h_n[0] if isinstance(h_n, tuple) else h_n
            return torch.cat(list(hidden[-self.n_directions :]), dim=1)
        return self._pool(out, mask)

    def _pool(self, out: Tensor, mask: Tensor | None) -> Tensor:
        h = out.transpose(1, 2)
        mask = full_mask(h) if mask is None else mask
        return masked_mean(h, mask) if self.readout == "mean" else masked_max(h, mask)

    def states(self, seq: Tensor, mask: Tensor | None) -> Tensor:
        """Per-position outputs ``(batch, length, n_features)`` of the last layer, before the
        readout; ``mask`` marks a prefix of each row (padding at the right end)."""
        if mask is None or self.n_directions == 1:
            # forward only: the padded steps come after the real ones and change nothing
            return self.rnn(seq)[0]
        return self._unpacked(seq, mask)[0]

    def _masked_unpacked(self, seq: Tensor, mask: Tensor) -> Tensor:
        """The masked recurrence without packing: forward over the padded batch, backward over
        each sequence reversed within its length; then the readout."""
        h, outputs, lengths = self._unpacked(seq, mask)
        if self.readout != "last":
            return self._pool(h, mask)
        last = (lengths - 1).view(-1, 1, 1).expand(-1, 1, outputs[0].shape[2])
        states = [outputs[0].gather(1, last)[:, 0]]
        if self.n_directions == 2:
            states.append(outputs[1][:, 0])  # the backward direction ends at the first step
        return torch.cat(states, dim=1)

    def _unpacked(self, seq: Tensor, mask: Tensor) -> tuple[Tensor, list[Tensor], Tensor]:
        """The last layer's outputs, its per-direction outputs and the lengths."""
        steps = torch.arange(seq.shape[1], device=seq.device)
        lengths = mask.sum(dim=1).clamp(min=1)
        reverse = lengths[:, None] - 1 - steps[None, :]
        # Position t < length reads position length-1-t; padded positions stay where they are.
        flip = torch.where(reverse >= 0, reverse, steps[None, :]).unsqueeze(2)
        h = seq
        outputs: list[Tensor] = []
        for layer, step in enumerate(self._steps):
            if layer:
                h = F.dropout(h, self.rnn.dropout, self.training)
            outputs = [functional_call(step, self._weights(layer, ""), (h,))[0]]
            if self.n_directions == 2:
                flipped = h.gather(1, flip.expand(-1, -1, h.shape[2]))
                back = functional_call(step, self._weights(layer, "_reverse"), (flipped,))[0]
                outputs.append(back.gather(1, flip.expand(-1, -1, back.shape[2])))
            h = torch.cat(outputs, dim=2) if len(outputs) > 1 else outputs[0]
        return h, outputs, lengths

    def _weights(self, layer: int, suffix: str) -> dict[str, Tensor]:
        """One layer and direction of ``self.rnn``, named as the weights of a one-layer cell."""
        return {
            f"{name}_l0": getattr(self.rnn, f"{name}_l{layer}{suffix}")
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        }


class RecurrentNet(SequenceModel):
    """Recurrent network over one-hot sequences: optional projection, RNN/LSTM/GRU, readout, head.

    Parameters
    ----------
    in_channels : int
        Channels of the one-hot input (4 for DNA/RNA, 20 for protein).
    n_outputs : int
        Width of the output (classes, labels or regression targets).
    length : int or None, default None
        Fixed input length, if any. Not needed: the network accepts any length.
    cell : {"rnn", "lstm", "gru"}, default "lstm"
        Recurrent cell. The registry entries "rnn", "lstm" and "gru" fix it.
    hidden_size : int, default 64
        Hidden units per direction and layer.
    n_layers : int, default 1
        Stacked recurrent layers.
    bidirectional : bool, default True
        Read the sequence in both directions (strands and motifs have no preferred direction).
    dropout : float, default 0.1
        Dropout between recurrent layers (when ``n_layers > 1``) and before the head.
    projection : int or None, default None
        Project each one-hot position to this many dimensions with a linear layer (a learned
        embedding) before the recurrence; ``None`` feeds the one-hot directly.
    readout : {"last", "mean", "max"}, default "max"
        How the sequence of hidden states becomes one vector: ``"last"`` takes the forward
        state at the true last position and the backward state at the first; ``"mean"`` and
        ``"max"`` pool over real positions. ``"max"`` finds short motifs fastest.

    Attributes
    ----------
    n_features : int
        Width of :meth:`features`: ``hidden_size * (2 if bidirectional else 1)``.
    position_width : int
        Width of :meth:`per_position` (``n_features``).
    head : nn.Linear
        Final layer, ``n_features -> n_outputs``.

    Examples
    --------
    >>> import torch
    >>> model = RecurrentNet(in_channels=4, n_outputs=1, cell="gru", hidden_size=8)
    >>> x = torch.nn.functional.one_hot(torch.randint(0, 4, (3, 30)), 4).float().transpose(1, 2)
    >>> tuple(model(x).shape)
    (3, 1)
    """

    #: Constructor arguments fixed by a subclass (hidden from the registry's parameter list).
    bound: ClassVar[dict[str, object]] = {}

    def __init__(
        self,
        *,
        in_channels: int,
        n_outputs: int,
        length: int | None = None,
        cell: CellName = "lstm",
        hidden_size: int = 64,
        n_layers: int = 1,
        bidirectional: bool = True,
        dropout: float = 0.1,
        projection: int | None = None,
        readout: ReadoutName = "max",
    ) -> None:
        super().__init__()
        self.project: nn.Module = (
            nn.Linear(in_channels, projection) if projection is not None else nn.Identity()
        )
        self.recurrence = _Recurrence(
            projection if projection is not None else in_channels,
            cell=cell,
            hidden_size=hidden_size,
            n_layers=n_layers,
            bidirectional=bidirectional,
            dropout=dropout,
            readout=readout,
        )
        self.n_features = self.recurrence.n_features
        self.position_width = self.n_features
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.n_features, n_outputs)

    def per_position(
        self, x: Tensor, mask: Tensor | None = None, *, causal: bool = False
    ) -> Tensor:
        """One vector per position: the recurrence's outputs before the readout (language
        models).

        Parameters
        ----------
        x : Tensor (batch, in_channels, length)
            Encoded sequences, zero at padding (padding at the right end).
        mask : Tensor (batch, length) bool, optional
            ``True`` at real positions.
        causal : bool, default False
            Position ``i`` must see positions ``<= i`` only, which a one-direction network
            does by construction.

        Returns
        -------
        Tensor (batch, length, position_width)

        Raises
        ------
        ConfigError
            ``causal`` with a bidirectional network (its backward direction reads the future).
        """
        if causal and self.recurrence.n_directions == 2:
            raise ConfigError(
                "a causal language model reads left to right only; use "
                "--set model.bidirectional=false (or --objective masked)."
            )
        return self.recurrence.states(self.project(x.transpose(1, 2)), mask)

    def features(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """Representation before the head: [projection], recurrence, readout.

        ``x : (batch, in_channels, length)``, ``mask : (batch, length)`` -> ``(batch,
        n_features)``; ``mask`` must mark a prefix of each row (padding at the right end).
        See :meth:`biodl.models._layers.SequenceModel.features`.
        """
        return self.recurrence(self.project(x.transpose(1, 2)), mask)


class _BoundCell(RecurrentNet):
    def __init__(self, **params: object) -> None:
        super().__init__(**self.bound, **params)  # type: ignore[arg-type]


class RNNNet(_BoundCell):
    """Vanilla (tanh) recurrent network over one-hot sequences, with a masked readout.

    Parameters are those of :class:`RecurrentNet` with ``cell="rnn"`` fixed.

    Examples
    --------
    >>> import torch
    >>> tuple(RNNNet(in_channels=4, n_outputs=2, hidden_size=8)(torch.zeros(1, 4, 20)).shape)
    (1, 2)
    """

    bound: ClassVar[dict[str, object]] = {"cell": "rnn"}


class LSTMNet(_BoundCell):
    """Long short-term memory (LSTM) network over one-hot sequences, with a masked readout.

    Parameters are those of :class:`RecurrentNet` with ``cell="lstm"`` fixed.

    Examples
    --------
    >>> import torch
    >>> tuple(LSTMNet(in_channels=4, n_outputs=2, hidden_size=8)(torch.zeros(1, 4, 20)).shape)
    (1, 2)
    """

    bound: ClassVar[dict[str, object]] = {"cell": "lstm"}


class GRUNet(_BoundCell):
    """Gated recurrent unit (GRU) network over one-hot sequences, with a masked readout.

    Parameters are those of :class:`RecurrentNet` with ``cell="gru"`` fixed.

    Examples
    --------
    >>> import torch
    >>> tuple(GRUNet(in_channels=4, n_outputs=2, hidden_size=8)(torch.zeros(1, 4, 20)).shape)
    (1, 2)
    """

    bound: ClassVar[dict[str, object]] = {"cell": "gru"}


class CNNLSTM(SequenceModel):
    """Convolutional front (motif detectors + pooling) feeding a bidirectional LSTM.

    The convolutions find motifs and shorten the sequence by ``pool_size`` per layer; the LSTM
    then models their order and spacing. Both stages are masked, so a sequence gets the same
    output whether or not it is padded inside a longer batch.

    Parameters
    ----------
    in_channels : int
        Channels of the one-hot input (4 for DNA/RNA, 20 for protein).
    n_outputs : int
        Width of the output (classes, labels or regression targets).
    length : int or None, default None
        Fixed input length, if any. Not needed: the network accepts any length.
    conv_channels : int, default 64
        Filters per convolution layer.
    conv_layers : int, default 1
        Number of convolution blocks (1 or 2 is typical).
    kernel_size : int, default 9
        Convolution width; 9 covers typical transcription factor motifs.
    pool_size : int, default 4
        Max-pooling window and stride after each convolution; shortens what the LSTM reads.
    batch_norm : bool, default True
        Add BatchNorm1d after each convolution.
    activation : {"relu", "gelu", "tanh", "sigmoid", "elu", "leaky_relu"}, default "relu"
        Non-linearity after each convolution.
    hidden_size : int, default 64
        LSTM hidden units per direction.
    lstm_layers : int, default 1
        Stacked LSTM layers.
    bidirectional : bool, default True
        Run the LSTM in both directions.
    dropout : float, default 0.2
        Dropout after each convolution block, between LSTM layers and before the head.
    readout : {"last", "mean", "max"}, default "max"
        How LSTM states become one vector (see :class:`RecurrentNet`).

    Attributes
    ----------
    n_features : int
        Width of :meth:`features`.
    head : nn.Linear
        Final layer, ``n_features -> n_outputs``.

    Examples
    --------
    >>> import torch
    >>> model = CNNLSTM(in_channels=4, n_outputs=3, conv_channels=8, hidden_size=8)
    >>> tuple(model(torch.zeros(2, 4, 40)).shape)
    (2, 3)
    """

    def __init__(
        self,
        *,
        in_channels: int,
        n_outputs: int,
        length: int | None = None,
        conv_channels: int = 64,
        conv_layers: int = 1,
        kernel_size: int = 9,
        pool_size: int = 4,
        batch_norm: bool = True,
        activation: ActivationName = "relu",
        hidden_size: int = 64,
        lstm_layers: int = 1,
        bidirectional: bool = True,
        dropout: float = 0.2,
        readout: ReadoutName = "max",
    ) -> None:
        super().__init__()
        blocks = []
        previous = in_channels
        for _ in range(conv_layers):
            blocks.append(
                MaskedConvBlock(
                    previous,
                    conv_channels,
                    kernel_size,
                    pooling="max",
                    pool_size=pool_size,
                    batch_norm=batch_norm,
                    activation=activation,
                    dropout=dropout,
                )
            )
            previous = conv_channels
        self.blocks = nn.ModuleList(blocks)
        self.recurrence = _Recurrence(
            previous,
            cell="lstm",
            hidden_size=hidden_size,
            n_layers=lstm_layers,
            bidirectional=bidirectional,
            dropout=dropout,
            readout=readout,
        )
        self.n_features = self.recurrence.n_features
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.n_features, n_outputs)

    def features(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """Representation before the head: the convolution blocks, the LSTM, its readout.

        Arguments and shapes as in :meth:`RecurrentNet.features` (``mask`` marks a prefix).
        """
        h, m = run_masked_blocks(self.blocks, x, full_mask(x) if mask is None else mask)
        return self.recurrence(h.transpose(1, 2), None if mask is None else m)
