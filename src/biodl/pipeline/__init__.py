"""One module per command: train, predict/evaluate, cv, tune, embed, inspect.

The pipeline chains the lower layers (data, models, training, evaluate, report, kinds, runs);
the estimators, the notebook API and the CLI sit on top of it.
"""
