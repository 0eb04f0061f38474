"""evaluate layer of biodl."""
