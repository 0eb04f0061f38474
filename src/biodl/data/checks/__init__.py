"""Checks made on the data before training, one module per kind, and the result they share.

:mod:`~biodl.data.checks.common` holds the result (:class:`~biodl.data.checks.common.Inspection`:
findings with a severity, a message and a fix, part summaries, identical items across parts,
summary tables and figure data) and the checks every kind shares: label balance, missing
labels, repeated ids, identical items within and across parts. Each kind adds its own:

- :mod:`~biodl.data.checks.sequence`: lengths, letters, ambiguity codes;
- :mod:`~biodl.data.checks.expression`: value scale, NaN, zero-variance genes, gene sets;
- :mod:`~biodl.data.checks.timeseries`: lengths, channels, NaN, flat series;
- :mod:`~biodl.data.checks.records`: missingness per variable, variables seen in one part
  only, stay lengths;
- :mod:`~biodl.data.checks.images`: sizes and channels, blank images, leakage by pixel hash.

Each kind's reader is called by its kind object (``Kind.inspect``); the functions here take
what the readers return.
"""
