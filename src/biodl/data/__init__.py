"""data layer of biodl."""
