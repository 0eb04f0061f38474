"""Interpretation: what a trained model looks at (saliency, integrated gradients)."""
