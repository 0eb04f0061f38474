"""Sequence language models: a sequence model's body read per position, and a letter head.

:class:`LanguageModel` follows the language-model contract of biodl (issue 16):

- ``forward(codes) -> logits``: ``codes`` are the alphabet's integer codes ``(batch, length)``
  (0 = padding, ``i + 1`` = ``alphabet.symbols[i]``); ``logits`` are ``(batch, length,
  n_letters)`` over the alphabet's plain letters (channel ``j`` = ``alphabet.letters[j]``);
- ``objective == "causal"``: ``logits[:, t]`` predicts the letter at ``t`` from the letters
  before ``t`` only. The model shifts internally (position 0 reads an all-zero start column),
  so one pass gives every position's prediction;
- ``objective == "masked"``: ``logits[:, t]`` predicts the letter at ``t`` from the whole
  sequence; the code :attr:`LanguageModel.mask_code` (``alphabet.n_codes``) hides the letter
  at a position (it reads as an all-zero column, like the start column);
- ``alphabet_name``: ``"dna"``, ``"rna"`` or ``"protein"``.

The body **is** the sequence classifier of the same name (:class:`~biodl.models.TransformerNet`,
:class:`~biodl.models.LSTMNet`, :class:`~biodl.models.GRUNet`, :class:`~biodl.models.CNN`),
read through its ``per_position`` method, with its pooled-classifier head removed. It is stored
as ``network`` and the letter head as ``network.letters``, so the weights saved by a language
model run (``network.*``) load into a classifier of the same name and hyperparameters through
``--init-from`` (:func:`biodl.training.pretrained.map_keys` removes the ``network.`` prefix;
``letters.*`` is reported as unexpected and the classifier's ``head`` starts fresh).

What the objective fixes in the body: a causal ``lstm``/``gru`` is one-directional
(``bidirectional=False``); a ``cnn`` never pools nor strides (``pooling='none'``,
``stride=1``; causal: left-padded convolutions); a causal ``transformer`` gets a left-padded
embedding window and a causal attention mask. Batch normalisation in a causal ``cnn`` pools
statistics over the batch while training (as any batch-normalised network does); in
evaluation mode no position sees a later one.

Examples
--------
>>> import torch
>>> lm = LanguageModel(model="gru", alphabet_name="dna", params={"hidden_size": 8})
>>> tuple(lm(torch.randint(1, 5, (2, 12))).shape)
(2, 12, 4)
>>> lm.objective, lm.mask_code
('causal', 16)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import torch
from torch import Tensor, nn

from biodl.data.alphabet import ALPHABETS
from biodl.errors import ConfigError
from biodl.models.cnn import CNN
from biodl.models.ensemble import Ensemble
from biodl.models.registry import build
from biodl.models.rnn import GRUNet, LSTMNet
from biodl.models.transformer import TransformerNet

__all__ = [
    "LANGUAGE_MODELS",
    "LM_DEFAULTS",
    "OBJECTIVES",
    "AnyLanguageModel",
    "LanguageEnsemble",
    "LanguageModel",
    "ObjectiveName",
    "fixed_params",
]

ObjectiveName = Literal["causal", "masked"]
OBJECTIVES: tuple[str, ...] = ("causal", "masked")

#: ``--model`` choices of a language model, and the class of the body.
LANGUAGE_MODELS: dict[str, type[nn.Module]] = {
    "transformer": TransformerNet,
    "lstm": LSTMNet,
    "gru": GRUNet,
    "cnn": CNN,
}

#: Defaults of a language model's body where they differ from the classifier's: small enough
#: to train in a few CPU minutes on a few thousand sequences (benchmarks/RESULTS.md).
LM_DEFAULTS: dict[str, dict[str, Any]] = {
    "transformer": {"d_model": 64, "n_layers": 2, "n_heads": 4, "dim_feedforward": 128},
    "lstm": {"hidden_size": 128},
    "gru": {"hidden_size": 128},
    "cnn": {"channels": 64, "n_layers": 4, "kernel_size": 5, "dilation": "exponential"},
}


def fixed_params(model: str, objective: str) -> dict[str, Any]:
    """Body parameters an objective fixes (see the module text).

    Examples
    --------
    >>> fixed_params("lstm", "causal")
    {'bidirectional': False}
    >>> fixed_params("cnn", "masked")
    {'pooling': 'none', 'stride': 1}
    """
    if model == "cnn":
        return {"pooling": "none", "stride": 1}
    if model in ("lstm", "gru") and objective == "causal":
        return {"bidirectional": False}
    return {}


class LanguageModel(nn.Module):
    """A language model over codes: one-hot input, a sequence body per position, letter logits.

    Parameters
    ----------
    model : {"transformer", "lstm", "gru", "cnn"}
        The body's model name.
    alphabet_name : {"dna", "rna", "protein"}
        The alphabet of the codes.
    objective : {"causal", "masked"}, default "causal"
        Next-letter or masked-letter prediction.
    params : dict, optional
        Hyperparameters of the body (:data:`LM_DEFAULTS` fill the ones not given); those the
        objective fixes (:func:`fixed_params`) may be given only with the fixed value.

    Attributes
    ----------
    objective : str
    alphabet_name : str
    mask_code : int
        The code that hides a letter (masked objective): ``alphabet.n_codes``.
    n_letters : int
    params : dict
        The body's hyperparameters as built (defaults and fixed values included).
    network : nn.Module
        The body (a classifier class without its ``head``); ``network.letters`` is the
        ``position_width -> n_letters`` letter head.
    """

    table: Tensor

    def __init__(
        self,
        *,
        model: str,
        alphabet_name: str,
        objective: ObjectiveName = "causal",
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        if model not in LANGUAGE_MODELS:
            raise ConfigError(
                f"--model {model}: a language model is one of {', '.join(LANGUAGE_MODELS)}"
            )
        if objective not in OBJECTIVES:
            raise ConfigError(f"--objective {objective}: expected causal or masked")
        alphabet = ALPHABETS[alphabet_name]  # type: ignore[index]
        given = dict(params or {})
        fixed = fixed_params(model, objective)
        for key, value in fixed.items():
            if key in given and given[key] != value:
                raise ConfigError(
                    f"model.{key}={given[key]}: a {objective} language model with "
                    f"model '{model}' needs {key}={value}; leave it out."
                )
        self.params = {**LM_DEFAULTS[model], **given, **fixed}
        self.model_name = model
        self.objective = objective
        self.alphabet_name = alphabet_name
        self.n_letters = alphabet.n_channels
        self.mask_code = alphabet.n_codes
        body: Any = build(
            model,
            LANGUAGE_MODELS[model],
            data={"in_channels": self.n_letters, "n_outputs": 1, "length": None},
            **self.params,
        )
        del body.head  # the pooled classifier head: a language model has its own
        body.letters = nn.Linear(int(body.position_width), self.n_letters)
        self.network: Any = body
        table = torch.cat(
            [torch.from_numpy(alphabet.onehot_matrix()), torch.zeros(1, self.n_letters)]
        )
        self.register_buffer("table", table, persistent=False)  # row mask_code: all zero

    @property
    def causal(self) -> bool:
        """Whether the model predicts each letter from the earlier ones only."""
        return self.objective == "causal"

    def forward(self, codes: Tensor) -> Tensor:
        """Letter logits per position.

        Parameters
        ----------
        codes : LongTensor (batch, length)
            Alphabet codes, 0 at padding (right end); ``mask_code`` hides a letter (masked).

        Returns
        -------
        Tensor (batch, length, n_letters)
            Logits; rows at padded positions hold values that mean nothing.
        """
        codes = codes.long()
        mask = codes > 0
        x = self.table[codes]  # (batch, length, n_letters)
        if self.causal:  # position t reads the letter t - 1; position 0 the zero start column
            x = torch.cat([x.new_zeros(x.shape[0], 1, x.shape[2]), x[:, :-1]], dim=1)
        h = self.network.per_position(x.transpose(1, 2), mask, causal=self.causal)
        out: Tensor = self.network.letters(self.network.dropout(h))
        return out


class LanguageEnsemble(Ensemble):
    """Several language models of one architecture, read as one (``--ensemble N``).

    An :class:`~biodl.models.ensemble.Ensemble` combining by ``softmax``: at every position
    the members' letter probabilities are averaged, and the logarithm of the average is
    returned as the logits (its softmax is the average). Each position's prediction is still a
    distribution over letters given the same context, so the ensemble is a language model of
    the same objective: perplexity, sampling and mutation scores read it as they read one
    network.

    Parameters
    ----------
    members : sequence of LanguageModel
        Same body, alphabet and objective (different seeds).

    Attributes
    ----------
    members : nn.ModuleList
    model_name, objective, alphabet_name, n_letters, mask_code, params
        Those of the members.
    """

    def __init__(self, members: Sequence[LanguageModel]) -> None:
        super().__init__(members, combine="softmax")
        first = members[0]
        alike = [(m.model_name, m.objective, m.alphabet_name, m.params) for m in members]
        if any(a != alike[0] for a in alike[1:]):
            raise ValueError("the members of a language-model ensemble must be alike")
        self.model_name, self.objective = first.model_name, first.objective
        self.alphabet_name, self.params = first.alphabet_name, first.params
        self.n_letters, self.mask_code = first.n_letters, first.mask_code

    @property
    def causal(self) -> bool:
        """Whether the model predicts each letter from the earlier ones only."""
        return self.objective == "causal"


#: One network or an ensemble: what a language-model run holds.
AnyLanguageModel = LanguageModel | LanguageEnsemble
