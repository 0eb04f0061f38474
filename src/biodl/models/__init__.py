"""The model families by input shape: name -> class tables, and building by name.

Kinds of data (:mod:`biodl.kinds`) say which of these tables (or which entries) their
``--model`` accepts; :mod:`biodl.models.registry` reads hyperparameters from the classes.

Every model is a plain :class:`torch.nn.Module` with keyword-only hyperparameters::

    model = cls(in_channels=4, n_outputs=2, length=None, **hyperparameters)
    model(x, mask)          # x: (batch, in_channels, length) float, mask: (batch, length) bool
    model.features(x, mask) # (batch, model.n_features), the representation before the head
    model.head              # nn.Linear, the last layer: forward == head(features) in eval mode
                            # (the CNN with additive=True adds a linear term on x itself)

``mask`` is ``True`` at real positions; padded positions of ``x`` are zero vectors. In eval
mode a sequence gets the same output whether or not it is padded inside a longer batch.

Examples
--------
>>> import torch
>>> from biodl.models import build_model, describe_model
>>> model = build_model("cnn", in_channels=4, n_outputs=1, length=None, channels=16)
>>> tuple(model(torch.zeros(2, 4, 50)).shape)
(2, 1)
>>> describe_model("gru")
'Gated recurrent unit (GRU) network over one-hot sequences, with a masked readout.'
"""

from __future__ import annotations

from collections.abc import Mapping

from torch import nn

from biodl.models.cnn import CNN
from biodl.models.cnn2d import CNN2d
from biodl.models.dense import DenseMLP
from biodl.models.gan import GANDiscriminator, GANGenerator
from biodl.models.gan_image import ImageDiscriminator, ImageGenerator
from biodl.models.gan_mlp import MLPDiscriminator, MLPGenerator
from biodl.models.gan_sequence import SequenceDiscriminator, SequenceGenerator
from biodl.models.grud import GRUD
from biodl.models.image_mlp import ImageMLP
from biodl.models.mlp import MLP
from biodl.models.registry import ModelParameter, build, model_class, parameters, summary
from biodl.models.resnet import ResNet18, ResNet34
from biodl.models.rnn import CNNLSTM, GRUNet, LSTMNet, RecurrentNet, RNNNet
from biodl.models.transformer import TransformerNet
from biodl.models.tsconv import FCN, ResNet1d

__all__ = [
    "CNN",
    "CNNLSTM",
    "DENSE_MODELS",
    "FCN",
    "GAN_PAIRS",
    "GRUD",
    "IMAGE_MODELS",
    "MLP",
    "MODELS",
    "GRUNet",
    "LSTMNet",
    "ModelParameter",
    "RNNNet",
    "RecurrentNet",
    "ResNet1d",
    "TransformerNet",
    "build_image_model",
    "build_model",
    "describe_model",
    "model_parameters",
]

MODELS: dict[str, type[nn.Module]] = {
    "cnn": CNN,
    "rnn": RNNNet,
    "lstm": LSTMNet,
    "gru": GRUNet,
    "cnn-lstm": CNNLSTM,
    "transformer": TransformerNet,
    "mlp": MLP,
    # regular time series (biodl.models.tsconv)
    "fcn": FCN,
    "resnet1d": ResNet1d,
}

# Images (kind "image"): models take (batch, channels, size, size) and ``size`` instead of
# ``length``; the names repeat the sequence ones where the concept is the same.
IMAGE_MODELS: dict[str, type[nn.Module]] = {
    "cnn": CNN2d,
    "resnet18": ResNet18,
    "resnet34": ResNet34,
    "mlp": ImageMLP,
}
# Expression profiles (kind "expression"): ``(batch, in_features)`` input.
DENSE_MODELS: dict[str, type[nn.Module]] = {"mlp": DenseMLP}
#: Generative adversarial pairs (:mod:`biodl.models.gan`): name -> (generator, discriminator).
#: 'mlp' for tables and expression ``(batch, n_features)``, 'dcgan' for images
#: ``(batch, channels, height, width)``, 'conv1d' for sequences ``(batch, length, letters)``.
GAN_PAIRS: dict[str, tuple[type[GANGenerator], type[GANDiscriminator]]] = {
    "mlp": (MLPGenerator, MLPDiscriminator),
    "dcgan": (ImageGenerator, ImageDiscriminator),
    "conv1d": (SequenceGenerator, SequenceDiscriminator),
}


def model_parameters(
    name: str, *, table: Mapping[str, type[nn.Module]] = MODELS
) -> list[ModelParameter]:
    """Hyperparameters of the model registered as ``name`` in ``table``, in constructor order.

    Parameters
    ----------
    name : str
        A name of ``table``.
    table : mapping, default :data:`MODELS`
        Name -> class: :data:`MODELS` (sequence-shaped input), :data:`IMAGE_MODELS`,
        :data:`DENSE_MODELS`, or a kind's ``models`` (:mod:`biodl.kinds`).

    Returns
    -------
    list of ModelParameter
        Every keyword hyperparameter except the data arguments (``in_channels``, ``n_outputs``,
        ``length``...), with its default, readable type, description and (for option strings)
        the allowed values.

    Raises
    ------
    ConfigError
        For an unknown model name.

    Examples
    --------
    >>> [p.name for p in model_parameters("mlp")][:2]
    ['features', 'k']
    """
    return parameters(model_class(name, table))


def describe_model(name: str, *, table: Mapping[str, type[nn.Module]] = MODELS) -> str:
    """One-line summary of the model registered as ``name`` in ``table``.

    Examples
    --------
    >>> describe_model("mlp")
    'Multilayer perceptron on the flattened one-hot sequence or its k-mer spectrum.'
    """
    return summary(model_class(name, table))


def build_model(
    name: str, *, in_channels: int, n_outputs: int, length: int | None, **params: object
) -> nn.Module:
    """Build a registered model after checking its hyperparameters.

    Parameters
    ----------
    name : str
        Registry name: ``"cnn"``, ``"rnn"``, ``"lstm"``, ``"gru"``, ``"cnn-lstm"``,
        ``"transformer"`` or ``"mlp"``.
    in_channels : int
        Channels of the one-hot input (4 for DNA/RNA, 20 for protein).
    n_outputs : int
        Width of the output.
    length : int or None
        Fixed sequence length, or None for variable-length data.
    **params
        Hyperparameters; see :func:`model_parameters`.

    Returns
    -------
    nn.Module
        The model, in training mode, with freshly initialised weights.

    Raises
    ------
    ConfigError
        For an unknown model or parameter, a value of the wrong kind or out of range, or an
        inconsistent combination (for example ``mlp`` with one-hot features and no length).

    Examples
    --------
    >>> model = build_model("mlp", in_channels=4, n_outputs=2, length=None, k=2)
    >>> model.head.in_features
    64
    """
    data = {"in_channels": in_channels, "n_outputs": n_outputs, "length": length}
    return build(name, model_class(name, MODELS), data=data, **params)


def build_image_model(
    name: str, *, in_channels: int, n_outputs: int, size: int | None, **params: object
) -> nn.Module:
    """Build a registered image model after checking its hyperparameters.

    Parameters
    ----------
    name : str
        Name in :data:`IMAGE_MODELS`: ``"cnn"``, ``"resnet18"``, ``"resnet34"`` or ``"mlp"``.
    in_channels : int
        Image channels (1 or 3).
    n_outputs : int
        Width of the output.
    size : int or None
        Image side (images are square after reading); required by ``"mlp"``.
    **params
        Hyperparameters; see :func:`model_parameters` with ``kind="image"``.

    Returns
    -------
    nn.Module
        The model, with ``features(x) -> (batch, d)``, a final ``head`` nn.Linear and a
        ``min_size`` attribute (smallest accepted image side).

    Raises
    ------
    ConfigError
        For an unknown model or parameter or a value of the wrong kind or out of range.

    Examples
    --------
    >>> model = build_image_model("cnn", in_channels=1, n_outputs=2, size=28, channels=8)
    >>> model.head.in_features
    8
    """
    data = {"in_channels": in_channels, "n_outputs": n_outputs, "size": size}
    return build(name, model_class(name, IMAGE_MODELS), data=data, **params)
