"""Multilayer perceptron on feature vectors (expression profiles, tabular records).

``DenseMLP`` maps ``x : (batch, in_features)`` through ``depth`` hidden layers of ``width``
units (Linear, optional BatchNorm, activation, dropout) to ``n_outputs`` raw outputs. An
optional ``encoder`` (for example a trained autoencoder's encoder) runs first; its weights are
trained further with the rest unless frozen by the caller.

L1 and L2 penalties on the weights are training options (``--l1``, ``--l2``,
``--weight-decay``), applied by the training step to every model alike.

Examples
--------
>>> import torch
>>> model = DenseMLP(in_features=50, n_outputs=2, depth=2, width=16)
>>> tuple(model(torch.zeros(4, 50)).shape), model.head.in_features
((4, 2), 16)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from torch import Tensor, nn

from biodl.errors import ConfigError
from biodl.models._layers import ACTIVATIONS, ActivationName, dense_stack
from biodl.models.registry import ModelParameter, check_params, parameters

__all__ = ["ENCODERS", "DenseMLP", "build_dense", "dense_parameters"]

ENCODERS = ("none", "ae", "dae", "vae")


class DenseMLP(nn.Module):
    """Multilayer perceptron on feature vectors, with optional batch norm and dropout.

    Parameters
    ----------
    in_features : int
        Width of the input vector (genes after preprocessing).
    n_outputs : int
        Width of the output (classes, labels or regression targets).
    depth : int, default 2
        Number of hidden layers (give ``hidden_sizes=[]`` for a linear model).
    width : int, default 256
        Units of each hidden layer.
    hidden_sizes : list of int or None, default None
        Widths of the hidden layers, first to last; overrides ``depth`` and ``width``.
    activation : {"relu", "gelu", "tanh", "sigmoid", "elu", "leaky_relu"}, default "relu"
        Non-linearity after each hidden layer.
    dropout : float, default 0.5
        Dropout after each hidden layer (strong by default: expression data has few samples
        and many genes).
    input_dropout : float, default 0.0
        Dropout on the input vector (randomly hides genes during training).
    batch_norm : bool, default True
        BatchNorm1d after each hidden linear layer (needs training batches of 2 or more).
    encoder : {"none", "ae", "dae", "vae"}, default "none"
        Classify from the latent code of an autoencoder of this kind instead of the genes:
        ``biodl train`` first fits it, unsupervised, on the training samples (the code of a
        VAE is its posterior mean), then trains the encoder and the layers above it together.
        The encoder has hidden widths (256, 128) and the MLP's activation and batch norm.
    n_latent : int, default 10
        Size of the encoder's code (with ``encoder``).
    freeze_encoder : bool, default False
        Keep the fitted encoder fixed (its batch norm in eval mode) and train only the layers
        above it: the classifier sees exactly the unsupervised representation.

    Attributes
    ----------
    encoder : nn.Module or None
        Runs before the hidden layers: a :class:`biodl.models.autoencoder.Encoder` with the
        ``encoder`` option, or any module set with :meth:`set_encoder`.
    encoder_kind : str
        The ``encoder`` option.
    n_features : int
        Width of :meth:`features` (the last hidden width, or the input width with depth 0).
    head : nn.Linear
        Final layer, ``n_features -> n_outputs``.

    Examples
    --------
    >>> import torch
    >>> model = DenseMLP(in_features=8, n_outputs=3, hidden_sizes=[6, 4], activation="tanh")
    >>> tuple(model.features(torch.randn(5, 8)).shape)
    (5, 4)
    """

    def __init__(
        self,
        *,
        in_features: int,
        n_outputs: int,
        depth: int = 2,
        width: int = 256,
        hidden_sizes: Sequence[int] | None = None,
        activation: ActivationName = "relu",
        dropout: float = 0.5,
        input_dropout: float = 0.0,
        batch_norm: bool = True,
        encoder: Literal["none", "ae", "dae", "vae"] = "none",
        n_latent: int = 10,
        freeze_encoder: bool = False,
    ) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ConfigError(
                f"activation '{activation}' is unknown; choose one of {', '.join(ACTIVATIONS)}."
            )
        if depth < 1:
            raise ConfigError(f"depth must be >= 1, got {depth}; use hidden_sizes=[] for none.")
        sizes = list(hidden_sizes) if hidden_sizes is not None else [width] * depth
        self.in_features = in_features
        self.activation = activation
        self.batch_norm = batch_norm
        self.encoder: nn.Module | None = None
        self.input_dropout = nn.Dropout(input_dropout)
        self.body, _ = dense_stack(
            in_features, sizes, activation=activation, dropout=dropout, batch_norm=batch_norm
        )
        self.n_features = sizes[-1] if sizes else in_features
        self.head = nn.Linear(self.n_features, n_outputs)
        if encoder not in ENCODERS:
            raise ConfigError(
                f"encoder '{encoder}' is unknown; choose one of {', '.join(ENCODERS)}."
            )
        self.encoder_kind = encoder
        self.freeze_encoder = freeze_encoder and encoder != "none"
        if encoder != "none":
            from biodl.models.autoencoder import Encoder

            code = Encoder(
                in_features,
                n_latent=n_latent,
                activation=activation,
                batch_norm=batch_norm,
                variational=encoder == "vae",
            )
            self.set_encoder(code, n_latent)
            code.requires_grad_(not self.freeze_encoder)

    def train(self, mode: bool = True) -> DenseMLP:
        """Set training mode; a frozen encoder stays in eval mode (its batch norm is fixed)."""
        super().train(mode)
        if self.freeze_encoder and self.encoder is not None:
            self.encoder.eval()
        return self

    def set_encoder(self, encoder: nn.Module, n_latent: int) -> None:
        """Run ``encoder`` (``(batch, in_features) -> (batch, n_latent)``) before the layers.

        The hidden layers are rebuilt for an input of ``n_latent`` values (fresh weights).
        """
        first = next((m for m in self.body if isinstance(m, nn.Linear)), None)
        if first is not None:
            self.body[0] = nn.Linear(n_latent, first.out_features)
        else:
            self.head = nn.Linear(n_latent, self.head.out_features)
            self.n_features = n_latent
        self.encoder = encoder

    def features(self, x: Tensor) -> Tensor:
        """Representation before the head.

        Parameters
        ----------
        x : Tensor (batch, in_features) float

        Returns
        -------
        Tensor (batch, n_features)
        """
        x = self.input_dropout(x)
        if self.encoder is not None:
            x = self.encoder(x)
        return self.body(x)

    def forward(self, x: Tensor) -> Tensor:
        """Raw outputs ``(batch, n_outputs)`` of ``x : (batch, in_features)``: head on features."""
        return self.head(self.features(x))


def dense_parameters() -> list[ModelParameter]:
    """The hyperparameters of :class:`DenseMLP` as :class:`biodl.models.ModelParameter` rows."""
    return parameters(DenseMLP)


def build_dense(*, in_features: int, n_outputs: int, **params: Any) -> DenseMLP:
    """A :class:`DenseMLP` after checking each hyperparameter's name, type and range.

    Raises
    ------
    ConfigError
        An unknown parameter (the valid ones are listed) or a value of the wrong kind.

    Examples
    --------
    >>> build_dense(in_features=10, n_outputs=2, depth=1, width=4).head.in_features
    4
    """
    check_params("mlp", DenseMLP, params)
    return DenseMLP(in_features=in_features, n_outputs=n_outputs, **params)
