"""Convolutional network for one-hot encoded sequences (the default model for DNA and RNA)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch
from torch import Tensor, nn

from biodl.errors import ConfigError
from biodl.models._layers import (
    GLOBAL_POOLINGS,
    ActivationName,
    GlobalPoolingName,
    MaskedConvBlock,
    PoolingName,
    SequenceModel,
    global_pool,
    run_masked_blocks,
)
from biodl.models.composition import Composition, CompositionName

__all__ = ["CNN", "per_layer"]


def per_layer(model: str, name: str, value: int | Sequence[int], n_layers: int) -> list[int]:
    """Expand an int or a per-layer list to one value per layer.

    Parameters
    ----------
    model : str
        Model name, for the error message.
    name : str
        Parameter name, for the error message.
    value : int or sequence of int
        One value for every layer, or one per layer.
    n_layers : int
        Number of layers.

    Returns
    -------
    list of int
        ``n_layers`` values.

    Raises
    ------
    ConfigError
        When a list does not have ``n_layers`` entries.

    Examples
    --------
    >>> per_layer("cnn", "channels", 8, 2)
    [8, 8]
    """
    if isinstance(value, int):
        return [value] * n_layers
    values = [int(v) for v in value]
    if len(values) != n_layers:
        raise ConfigError(
            f"model '{model}': {name} has {len(values)} entries but n_layers is {n_layers}; "
            f"give one entry per layer or set n_layers={len(values)}."
        )
    return values


class CNN(SequenceModel):
    """Convolutional network: stacked masked convolution blocks, global pooling, linear head.

    Each block is Conv1d ('same' padding) -> [BatchNorm1d] -> activation -> [pooling] ->
    dropout. Padding is kept at zero after every block and the mask is downsampled with the
    pooling, so a sequence gets the same output (in eval mode) whether or not it is padded
    inside a longer batch. Global pooling over the length is masked: padding never wins the
    maximum nor dilutes the mean.

    Parameters
    ----------
    in_channels : int
        Channels of the one-hot input (4 for DNA/RNA, 20 for protein).
    n_outputs : int
        Width of the output (classes, labels or regression targets).
    length : int or None, default None
        Fixed input length, if any. Not needed: the network accepts any length.
    channels : int or list of int, default 64
        Filters per convolution layer: one value for all layers or one per layer.
    n_layers : int, default 3
        Number of convolution blocks.
    kernel_size : int or list of int, default 9
        Convolution width (one value or one per layer). 9 covers typical transcription factor
        motifs (6-12 bp) at the first layer.
    stride : int, default 1
        Convolution stride of every layer.
    dilation : int or "exponential", default 1
        Convolution dilation; ``"exponential"`` uses ``2**i`` at layer ``i`` (0-based).
    pooling : {"max", "avg", "none"}, default "max"
        Local pooling after each block.
    pool_size : int or list of int, default 2
        Pooling window and stride (one value or one per layer); 1 disables a layer's pooling.
        A large first-layer pooling (e.g. ``[20, 5]``) makes first-layer filters learn whole
        motifs rather than parts of them (Koo & Eddy 2019; docs/motifs.md).
    batch_norm : bool, default True
        Add BatchNorm1d after each convolution.
    activation : {"relu", "gelu", "tanh", "sigmoid", "elu", "leaky_relu"}, default "relu"
        Non-linearity after each convolution.
    dropout : float, default 0.2
        Dropout probability after each block and before the head.
    residual : bool, default False
        ResNet-style shortcut (input added before the activation) in blocks whose input and
        output channels match.
    global_pooling : {"max", "avg", "maxavg"}, default "maxavg"
        Masked pooling over the length; ``"maxavg"`` concatenates maximum (motif present) and
        mean (how often), doubling the feature width.
    composition : {"none", "letters", "letters+pairs"}, default "none"
        Composition of the input fed to the head beside the pooled features: the share of
        each letter, and with "letters+pairs" of each pair of neighbouring letters (amino-acid
        and dipeptide composition for proteins, C + C*C values), standardised by a batch
        normalisation (:mod:`biodl.models.composition`).
    additive : bool or "auto", default "auto"
        Wide-and-deep: add a linear term on the position-wise one-hot input (one weight per
        position, letter and output, started at zero) to the network's output, so that the
        additive part of the signal is fitted like a ridge regression on the one-hot and the
        convolutions fit the rest (on time series: one weight per time point and channel).
        Needs a fixed ``length``. ``"auto"``: biodl decides before building the network, from
        the training part only: on for sequences of one length (or given one with
        ``--length``), fewer than 1,000 training
        sequences, where in a 5-fold cross-validation a linear model on the k-mer spectrum
        plus the position-wise one-hot scores at least as well as on the spectrum alone, and
        clearly above chance (:mod:`biodl.kinds.sequence_additive`); off elsewhere (other
        kinds, ``--init-from``). The run records the value chosen. A CNN built directly with
        ``"auto"`` has no term.
        It helps aligned sets and hurts where a motif can sit anywhere (benchmarks/RESULTS.md,
        "Wide-and-deep CNN", "additive='auto'").
    additive_penalty : float, default 0.0
        Strength of an L2 penalty on the additive term's weights alone (not its bias, not the
        network): ``additive_penalty * sum(weight**2)`` is added to the training loss, which is
        a mean over the batch, so the penalty's weight relative to the data term does not grow
        with the number of training sequences. 0 leaves the term unpenalised. Needs
        ``additive``. Measured (benchmarks/RESULTS.md, "A penalty on the CNN's additive
        term"): from 0.15 up it removes the term's harm where a motif sits anywhere, and
        keeps about half of its gain on the aligned E. coli promoters.

    Attributes
    ----------
    n_features : int
        Width of :meth:`features`.
    position_width : int
        Width of :meth:`per_position` (the last layer's channels).
    head : nn.Linear
        Final layer, ``n_features -> n_outputs``.
    linear : nn.Linear or None
        The additive term, ``in_channels * length -> n_outputs`` (None unless ``additive``).

    Examples
    --------
    >>> import torch
    >>> model = CNN(in_channels=4, n_outputs=2, channels=16, n_layers=2)
    >>> x = torch.nn.functional.one_hot(torch.randint(0, 4, (3, 50)), 4).float().transpose(1, 2)
    >>> tuple(model(x).shape)
    (3, 2)
    """

    def __init__(
        self,
        *,
        in_channels: int,
        n_outputs: int,
        length: int | None = None,
        channels: int | Sequence[int] = 64,
        n_layers: int = 3,
        kernel_size: int | Sequence[int] = 9,
        stride: int = 1,
        dilation: int | Literal["exponential"] = 1,
        pooling: PoolingName = "max",
        pool_size: int | Sequence[int] = 2,
        batch_norm: bool = True,
        activation: ActivationName = "relu",
        dropout: float = 0.2,
        residual: bool = False,
        global_pooling: GlobalPoolingName = "maxavg",
        composition: CompositionName = "none",
        additive: bool | Literal["auto"] = "auto",
        additive_penalty: float = 0.0,
    ) -> None:
        super().__init__()
        additive = additive is True  # "auto" left unresolved (a CNN built directly): no term
        if additive_penalty < 0 or (additive_penalty and not additive):
            raise ConfigError(
                f"model 'cnn': additive_penalty={additive_penalty} needs additive=true and a "
                "value >= 0; set model.additive=true or model.additive_penalty=0."
            )
        self.additive_penalty = float(additive_penalty)
        if additive and length is None:
            raise ConfigError(
                "model 'cnn': additive=true needs inputs of one fixed length (they differ); "
                "give --length or set model.additive=false."
            )
        widths = per_layer("cnn", "channels", channels, n_layers)
        kernels = per_layer("cnn", "kernel_size", kernel_size, n_layers)
        pools = per_layer("cnn", "pool_size", pool_size, n_layers)
        dilations = [2**i if dilation == "exponential" else int(dilation) for i in range(n_layers)]
        blocks = []
        previous = in_channels
        for width, kernel, dil, pool in zip(widths, kernels, dilations, pools, strict=True):
            blocks.append(
                MaskedConvBlock(
                    previous,
                    width,
                    kernel,
                    stride=stride,
                    dilation=dil,
                    pooling=pooling,
                    pool_size=pool,
                    batch_norm=batch_norm,
                    activation=activation,
                    dropout=dropout,
                    residual=residual,
                )
            )
            previous = width
        self.blocks = nn.ModuleList(blocks)
        self.position_width = previous
        self.keeps_length = stride == 1 and (pooling == "none" or max(pools) == 1)
        self.global_pooling = global_pooling
        self.n_features = previous * GLOBAL_POOLINGS[global_pooling]
        self.composition = None
        if composition != "none":  # no module (nor state) otherwise: older runs load as they are
            self.composition = Composition(in_channels, composition)
            self.n_features += self.composition.width
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.n_features, n_outputs)
        self.linear = None
        if additive:  # no module (nor state) otherwise: older runs load as they are
            assert length is not None
            self.linear = nn.Linear(in_channels * length, n_outputs)
            nn.init.zeros_(self.linear.weight)
            nn.init.zeros_(self.linear.bias)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """Raw outputs ``(batch, n_outputs)``: the head on :meth:`features`, plus the additive
        term on the flattened one-hot input when ``additive``."""
        out = self.head(self.dropout(self.features(x, mask)))
        if self.linear is None:
            return out
        return out + self.linear(x.flatten(1))

    def loss_penalty(self) -> Tensor | float:
        """Term added to the training loss: ``additive_penalty`` x the squared L2 norm of the
        additive term's weights (0.0 without the term or the penalty)."""
        if self.linear is None or not self.additive_penalty:
            return 0.0
        return self.additive_penalty * self.linear.weight.pow(2).sum()

    def features(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """Representation before the head: the blocks, then masked global pooling.

        ``x : (batch, in_channels, length)``, ``mask : (batch, length)`` -> ``(batch,
        n_features)``; see :meth:`biodl.models._layers.SequenceModel.features`.
        """
        h, pooled_mask = run_masked_blocks(self.blocks, x, mask)
        pooled = global_pool(h, pooled_mask, self.global_pooling)
        if self.composition is None:
            return pooled
        return torch.cat([pooled, self.composition(x, mask)], dim=1)

    def per_position(
        self, x: Tensor, mask: Tensor | None = None, *, causal: bool = False
    ) -> Tensor:
        """One vector per position: the blocks without global pooling (language models).

        Parameters
        ----------
        x : Tensor (batch, in_channels, length)
            Encoded sequences, zero at padding.
        mask : Tensor (batch, length) bool, optional
            ``True`` at real positions.
        causal : bool, default False
            Left-padded convolutions: position ``i`` sees input positions ``<= i`` only.

        Returns
        -------
        Tensor (batch, length, position_width)

        Raises
        ------
        ConfigError
            When the blocks pool or stride (the output would be shorter than the input).
        """
        if not self.keeps_length:
            raise ConfigError(
                "model 'cnn': per-position outputs need pooling='none' (or pool_size=1) and "
                "stride=1; set them with --set model.pooling=none --set model.stride=1."
            )
        h, _ = run_masked_blocks(self.blocks, x, mask, causal=causal)
        return h.transpose(1, 2)
