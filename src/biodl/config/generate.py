"""The options of ``biodl generate``, declared once.

``biodl generate`` is not a training run: its options are not a section of
:class:`biodl.config.RunConfig` (a run's ``config.yaml`` does not carry them). They are
declared here with :func:`biodl.options.option`, like every other option, and
:mod:`biodl.cli.generate` generates its command-line options from these declarations
(:func:`biodl.cli.options.config_options`); ``docs/options.md`` lists them.

Examples
--------
>>> GenerateConfig().model, GenerateConfig().n
('vae', 1000)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from biodl.options import GanLossOption, choices, describe, document, option

__all__ = [
    "GAN_COUNTS_HELP",
    "GENERATE_KINDS",
    "GENERATE_MODEL_HELP",
    "GENERATION",
    "UNMASK_ORDER_HELP",
    "VAE_SAMPLE_HELP",
    "GanCountsOption",
    "GenerateConfig",
    "GenerateKindOption",
    "GenerateModelOption",
    "UnmaskOrderOption",
    "VaeSampleOption",
]

#: Help panel of the generate options.
GENERATION = "Generation"
#: Panel of the GAN's training options.
GAN_TRAINING = "GAN training"
#: Panel of the options of drawing from a language-model run.
LANGUAGE_MODEL = "Language-model runs"

GenerateModelOption = Literal["vae", "gan"]
GENERATE_MODEL_HELP = {
    "vae": "variational autoencoder (tables and images; negative binomial for counts, "
    "Bernoulli for pixels)",
    "gan": "generative adversarial network trained in turns (tables, images and sequences)",
}
VaeSampleOption = Literal["auto", "mean", "draw"]
VAE_SAMPLE_HELP = {
    "auto": "draw for counts (negative-binomial counts), mean otherwise",
    "mean": "the decoded mean of each latent draw (smooth; pixel probabilities for images)",
    "draw": "one draw of the likelihood at that mean (Gaussian noise of the learned variance, "
    "0/1 pixels)",
}
GanCountsOption = Literal["draw", "log1p"]
GAN_COUNTS_HELP = {
    "draw": "the generator gives each gene's share and a training library size; counts are "
    "negative-binomial draws around them (learned dispersion per gene), as the VAE's are",
    "log1p": "the generator gives z-scored log1p counts directly, rounded back to counts "
    "(little cell-to-cell count noise)",
}
UnmaskOrderOption = Literal["confident", "random"]
UNMASK_ORDER_HELP = {
    "confident": "the hidden positions whose most likely letter is the most probable first",
    "random": "the hidden positions in a seeded random order",
}
GenerateKindOption = Literal["auto", "expression", "image", "sequence"]
GENERATE_KINDS = {
    "auto": "detected as training detects it",
    "expression": "a numeric table (CSV/TSV or .h5ad), expression or clinical",
    "image": "an .npz, a folder of class folders or a CSV of image paths",
    "sequence": "FASTA or a sequence table",
}
COMMANDS = ("generate",)


@document
@dataclass
class GenerateConfig:
    """What ``biodl generate`` fits and draws (docs/generate.md)."""

    model: GenerateModelOption = option(
        "vae",
        help="Generative model: " + describe(GENERATE_MODEL_HELP),
        panel=GENERATION,
        commands=COMMANDS,
    )
    n: int = option(
        1000,
        help="Samples to draw (conditional models: with the training classes' frequencies).",
        panel=GENERATION,
        commands=COMMANDS,
    )
    n_per_class: int | None = option(
        None,
        help="Conditional models: this many samples of each class instead of --n.",
        panel=GENERATION,
        commands=COMMANDS,
    )
    condition: str | None = option(
        None,
        help="Label column to condition on (at least 2 classes); the class of each sample is "
        "written with it (a CSV column, the FASTA header, train_labels of the .npz).",
        panel=GENERATION,
        commands=COMMANDS,
        metavar="COLUMN",
    )
    holdout: float = option(
        0.2,
        help="Fraction of real rows held out before fitting (seeded, stratified by "
        "--condition) to judge the samples; ignored with --test.",
        panel=GENERATION,
        commands=COMMANDS,
    )
    test: str | None = option(
        None,
        help="Real rows to judge the samples against instead of a held-out part (same "
        "format as DATA); every DATA row is then fitted.",
        panel=GENERATION,
        commands=COMMANDS,
        metavar="FILE",
    )
    kind: GenerateKindOption = option(
        "auto",
        help="Kind of DATA: " + describe(GENERATE_KINDS),
        panel=GENERATION,
        commands=COMMANDS,
    )
    length: int | None = option(
        None,
        help="Sequences: letters per generated sequence; longer sequences are cut, shorter "
        "ones left out. From a language-model run: every sample has this length (prefix "
        "included).",
        panel=GENERATION,
        commands=COMMANDS,
        show_default="the shortest sequence; language-model runs: lengths drawn from the "
        "training sequences",
    )
    temperature: float | None = option(
        None,
        help="Language-model runs: the next-letter logits are divided by it (below 1 sharper, "
        "above 1 flatter); must be above 0.",
        panel=LANGUAGE_MODEL,
        commands=COMMANDS,
        show_default="1.0",
    )
    top_k: int | None = option(
        None,
        help="Language-model runs: draw each letter among the K most likely only.",
        panel=LANGUAGE_MODEL,
        commands=COMMANDS,
        metavar="K",
        show_default="every letter",
    )
    prefix: str | None = option(
        None,
        help="Language-model runs: letters every sample starts with (plain letters of the "
        "run's alphabet).",
        panel=LANGUAGE_MODEL,
        commands=COMMANDS,
        metavar="SEQ",
    )
    unmask_order: UnmaskOrderOption | None = option(
        None,
        help="Masked language-model runs: which hidden positions each pass of the model draws: "
        + describe(UNMASK_ORDER_HELP),
        panel=LANGUAGE_MODEL,
        commands=COMMANDS,
        show_default="confident",
    )
    unmask_per_step: int | None = option(
        None,
        help="Masked language-model runs: hidden letters drawn per pass of the model over a "
        "window (more is faster and coarser).",
        panel=LANGUAGE_MODEL,
        commands=COMMANDS,
        metavar="K",
        show_default="1",
    )
    gibbs_sweeps: int | None = option(
        None,
        help="Masked language-model runs: Gibbs sweeps after unmasking, each hiding and "
        "redrawing every drawn letter once given all the others (Wang & Cho 2019); each "
        "costs one pass per letter.",
        panel=LANGUAGE_MODEL,
        commands=COMMANDS,
        metavar="N",
        show_default="0",
    )
    genes_as_rows: bool = option(
        False,
        help="Tables with features (genes) as rows and samples as columns.",
        panel=GENERATION,
        flags=("--genes-as-rows/--samples-as-rows",),
        commands=COMMANDS,
    )
    epochs: int | None = option(
        None,
        help="Training epochs.",
        panel=GENERATION,
        commands=COMMANDS,
        show_default="vae: about 3,000 steps (20-300 epochs); gan: 200",
    )
    batch_size: int | None = option(
        None,
        help="Rows per batch.",
        panel=GENERATION,
        commands=COMMANDS,
        show_default="vae 128, gan 64",
    )
    lr: float | None = option(
        None,
        help="Learning rate (the GAN's generator; Adam).",
        panel=GENERATION,
        commands=COMMANDS,
        show_default="vae 1e-3, gan 2e-4",
    )
    vae_sample: VaeSampleOption = option(
        "auto",
        help="What a VAE sample is: " + describe(VAE_SAMPLE_HELP),
        panel=GENERATION,
        commands=COMMANDS,
    )
    gan_loss: GanLossOption | None = option(
        None,
        help="GAN loss (docs/gan.md): " + choices("gan_loss"),
        panel=GAN_TRAINING,
        commands=COMMANDS,
        show_default="images: wasserstein-gp; tables, expression, sequences: nonsaturating",
    )
    gan_counts: GanCountsOption | None = option(
        None,
        help="How a GAN makes count tables (non-negative whole numbers): "
        + describe(GAN_COUNTS_HELP),
        panel=GAN_TRAINING,
        commands=COMMANDS,
        show_default="draw",
    )
    d_steps: int | None = option(
        None,
        help="Discriminator updates per round (the generator frozen meanwhile).",
        panel=GAN_TRAINING,
        commands=COMMANDS,
        show_default="5 with the wasserstein-gp loss chosen for images, else 1",
    )
    g_steps: int | None = option(
        None,
        help="Generator updates per round (the discriminator frozen meanwhile).",
        panel=GAN_TRAINING,
        commands=COMMANDS,
        show_default="1",
    )
    stop_when_fooled: float | None = option(
        None,
        help="Stop at the first epoch in which the discriminator's accuracy is at most this "
        "(the course's rule: 0.5) and keep that epoch. Default: train every epoch and keep the "
        "one whose samples are closest to held-out real rows (MMD), since a discriminator "
        "fooled half the time can coexist with poor samples.",
        panel=GAN_TRAINING,
        commands=COMMANDS,
        metavar="ACCURACY",
    )
    seed: int = option(
        0, help="Random seed (split, training, samples).", panel=GENERATION, commands=COMMANDS
    )
