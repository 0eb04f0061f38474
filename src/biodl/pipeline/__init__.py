"""One module per command: the work behind ``biodl.api`` and the ``biodl`` command line."""
