"""biodl: deep learning on biomedical data, from a file you have to a reported model."""

from __future__ import annotations

__version__ = "0.1.0"
