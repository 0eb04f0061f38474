"""report layer of biodl."""
