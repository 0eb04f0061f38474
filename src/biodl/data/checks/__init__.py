"""Checks made on the data before training, one module per kind, and the result they share.

:mod:`~biodl.data.checks.result` holds the result (:class:`~biodl.data.checks.result.Inspection`:
findings with a severity, a message and a fix, part summaries, identical items across parts,
summary tables and figure data). The steps every kind shares are said once:
:mod:`~biodl.data.checks.assemble` runs them in one order (arguments, repeats, labels, leakage,
sorting), :mod:`~biodl.data.checks.part` gives every part summary its shared fields, text and
table rows, :mod:`~biodl.data.checks.common` and :mod:`~biodl.data.checks.labels` hold the
shared checks (identical items within and across parts, label balance, missing labels). Each
kind adds only its own:

- :mod:`~biodl.data.checks.sequence`: lengths, letters, ambiguity codes;
- :mod:`~biodl.data.checks.expression`: value scale, NaN, zero-variance genes, gene sets;
- :mod:`~biodl.data.checks.timeseries`: lengths, channels, NaN, flat series;
- :mod:`~biodl.data.checks.records`: missingness per variable, variables seen in one part
  only, stay lengths;
- :mod:`~biodl.data.checks.images`: sizes and channels, blank images, leakage by pixel hash.

Each kind's reader is called by its kind object (``Kind.inspect``); the functions here take
what the readers return.
"""
