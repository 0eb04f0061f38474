"""Transformer encoder over one-hot sequences, with masked mean or CLS pooling."""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import Tensor, nn

from biodl.errors import ConfigError, DataError
from biodl.models._layers import (
    MaskedConvBlock,
    SequenceModel,
    apply_mask,
    full_mask,
    masked_mean,
)

__all__ = [
    "POSITIONALS",
    "TRANSFORMER_ACTIVATIONS",
    "TRANSFORMER_POOLINGS",
    "PositionalName",
    "TransformerActivationName",
    "TransformerNet",
    "TransformerPoolingName",
    "sinusoidal_encoding",
]

PositionalName = Literal["sinusoidal", "learned"]
POSITIONALS: tuple[str, ...] = ("sinusoidal", "learned")
TransformerPoolingName = Literal["mean", "cls"]
TRANSFORMER_POOLINGS: tuple[str, ...] = ("mean", "cls")
TransformerActivationName = Literal["relu", "gelu"]
TRANSFORMER_ACTIVATIONS: tuple[str, ...] = ("relu", "gelu")


def sinusoidal_encoding(length: int, d_model: int, *, device: torch.device | None = None) -> Tensor:
    """Fixed sine/cosine positional encoding (Vaswani et al., 2017).

    Parameters
    ----------
    length : int
        Number of positions.
    d_model : int
        Embedding width.
    device : torch.device, optional
        Where to build it.

    Returns
    -------
    Tensor (length, d_model)
        Row ``p`` encodes position ``p``; even columns are sines, odd columns cosines.

    Examples
    --------
    >>> tuple(sinusoidal_encoding(10, 6).shape)
    (10, 6)
    """
    position = torch.arange(length, dtype=torch.float32, device=device).unsqueeze(1)
    freq = torch.exp(
        torch.arange(0, d_model, 2, dtype=torch.float32, device=device)
        * (-math.log(10000.0) / d_model)
    )
    enc = torch.zeros(length, d_model, device=device)
    enc[:, 0::2] = torch.sin(position * freq)
    enc[:, 1::2] = torch.cos(position * freq[: d_model // 2])
    return enc


class TransformerNet(SequenceModel):
    """Transformer encoder: windowed embedding, positional encoding, self-attention, pooling, head.

    Padded positions are excluded from attention through ``src_key_padding_mask`` and from the
    pooling, so a sequence gets the same output (in eval mode) whether or not it is padded
    inside a longer batch. Attention cost grows with ``length**2``: for sequences much longer
    than 1000 prefer ``cnn`` or ``cnn-lstm``.

    Parameters
    ----------
    in_channels : int
        Channels of the one-hot input (4 for DNA/RNA, 20 for protein).
    n_outputs : int
        Width of the output (classes, labels or regression targets).
    length : int or None, default None
        Fixed input length, if any; the default ``max_length`` of a learned positional encoding.
    d_model : int, default 64
        Embedding and attention width; must be divisible by ``n_heads``.
    embed_kernel : int, default 5
        Width of the embedding window: 1 embeds each position alone (a linear map of its
        one-hot row); larger values embed each position with its neighbours (a masked
        convolution, like overlapping k-mer tokens), which helps attention find short motifs.
    n_heads : int, default 4
        Attention heads per layer.
    n_layers : int, default 2
        Encoder layers.
    dim_feedforward : int, default 128
        Hidden width of the feed-forward sublayer.
    dropout : float, default 0.1
        Dropout inside the encoder (after attention and in the feed-forward sublayer) and
        before the head.
    attention_dropout : float, default 0.0
        Dropout on the attention weights (``batch x heads x length x length`` values, so on
        the CPU it costs more than the rest of the dropout together: 0.1 made a training step
        of the default model about 1.6 times slower on RNA of 60-120 nt).
    activation : {"relu", "gelu"}, default "gelu"
        Non-linearity of the feed-forward sublayer.
    positional : {"sinusoidal", "learned"}, default "sinusoidal"
        Positional encoding: fixed sines/cosines (any length) or a learned table (needs
        ``max_length`` or ``length``).
    max_length : int or None, default None
        Longest sequence a learned positional encoding supports; ``None`` uses ``length``.
    pooling : {"mean", "cls"}, default "mean"
        Masked mean over real positions, or the output at a prepended learned CLS token.

    Attributes
    ----------
    n_features : int
        Width of :meth:`features` (``d_model``).
    position_width : int
        Width of :meth:`per_position` (``d_model``).
    head : nn.Linear
        Final layer, ``d_model -> n_outputs``.

    Examples
    --------
    >>> import torch
    >>> model = TransformerNet(in_channels=4, n_outputs=2, d_model=16, n_heads=2)
    >>> tuple(model(torch.zeros(3, 4, 30)).shape)
    (3, 2)
    """

    def __init__(
        self,
        *,
        in_channels: int,
        n_outputs: int,
        length: int | None = None,
        d_model: int = 64,
        embed_kernel: int = 5,
        n_heads: int = 4,
        n_layers: int = 2,
        dim_feedforward: int = 128,
        dropout: float = 0.1,
        attention_dropout: float = 0.0,
        activation: TransformerActivationName = "gelu",
        positional: PositionalName = "sinusoidal",
        max_length: int | None = None,
        pooling: TransformerPoolingName = "mean",
    ) -> None:
        super().__init__()
        if d_model % n_heads:
            raise ConfigError(
                f"model 'transformer': d_model={d_model} is not divisible by n_heads={n_heads}; "
                f"choose d_model as a multiple of n_heads (e.g. d_model={n_heads * 16})."
            )
        self.d_model = d_model
        self.embed = MaskedConvBlock(
            in_channels,
            d_model,
            embed_kernel,
            pooling="none",
            batch_norm=False,
            activation="identity",
        )
        self.pooling = pooling
        self.cls = nn.Parameter(torch.zeros(1, 1, d_model)) if pooling == "cls" else None
        self.max_length = max_length if max_length is not None else length
        self.positions: nn.Embedding | None = None
        if positional == "learned":
            if self.max_length is None:
                raise ConfigError(
                    "model 'transformer': positional='learned' needs a maximum length, but "
                    "neither max_length nor length was given; pass max_length=<int> (or "
                    "--length) or use positional='sinusoidal'."
                )
            self.positions = nn.Embedding(self.max_length + 1, d_model)  # +1 for a CLS token
        layer = nn.TransformerEncoderLayer(
            d_model,
            n_heads,
            dim_feedforward=dim_feedforward,
            dropout=dropout,
            activation=activation,
            batch_first=True,
            norm_first=True,
        )
        layer.self_attn.dropout = attention_dropout  # copied into every layer below
        self.encoder = nn.TransformerEncoder(
            layer, n_layers, norm=nn.LayerNorm(d_model), enable_nested_tensor=False
        )
        self.n_features = d_model
        self.position_width = d_model
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(d_model, n_outputs)

    def _positional(self, n: int, device: torch.device) -> Tensor:
        if self.positions is None:
            return sinusoidal_encoding(n, self.d_model, device=device)
        assert self.max_length is not None
        limit = self.max_length + (1 if self.cls is not None else 0)
        if n > limit:
            raise DataError(
                f"model 'transformer': sequences of length {n} exceed max_length="
                f"{self.max_length} of the learned positional encoding; crop them with "
                "--length or use positional='sinusoidal'."
            )
        return self.positions.weight[:n]

    def features(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """Representation before the head: masked mean of the encoder outputs, or the CLS output.

        ``x : (batch, in_channels, length)``, ``mask : (batch, length)`` -> ``(batch,
        d_model)``; see :meth:`biodl.models._layers.SequenceModel.features`.
        """
        batch = x.shape[0]
        if mask is None:
            mask = full_mask(x)
        h, _ = self.embed(apply_mask(x, mask), mask)
        h = h.transpose(1, 2)
        if self.cls is not None:
            h = torch.cat([self.cls.expand(batch, -1, -1), h], dim=1)
            mask = torch.cat([mask.new_ones(batch, 1), mask], dim=1)
        h = h + self._positional(h.shape[1], h.device)
        h = self.encoder(h, src_key_padding_mask=~mask)
        if self.cls is not None:
            return h[:, 0]
        return masked_mean(h.transpose(1, 2), mask)

    def per_position(
        self, x: Tensor, mask: Tensor | None = None, *, causal: bool = False
    ) -> Tensor:
        """One vector per position: the encoder outputs before pooling (language models).

        Parameters
        ----------
        x : Tensor (batch, in_channels, length)
            Encoded sequences, zero at padding (padding at the right end).
        mask : Tensor (batch, length) bool, optional
            ``True`` at real positions.
        causal : bool, default False
            Position ``i`` sees positions ``<= i`` only: the embedding window is padded on the
            left and attention gets a causal mask. The CLS token (``pooling='cls'``) is not
            used here.

        Returns
        -------
        Tensor (batch, length, d_model)
        """
        if mask is None:
            mask = full_mask(x)
        h, _ = self.embed(apply_mask(x, mask), mask, causal=causal)
        h = h.transpose(1, 2)
        n = h.shape[1]
        h = h + self._positional(n, h.device)
        future = None
        if causal:
            future = torch.ones(n, n, dtype=torch.bool, device=h.device).triu(diagonal=1)
        return self.encoder(h, mask=future, src_key_padding_mask=~mask)
