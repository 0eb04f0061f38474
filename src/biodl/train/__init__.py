"""train layer of biodl."""
