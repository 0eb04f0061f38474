"""models layer of biodl."""
