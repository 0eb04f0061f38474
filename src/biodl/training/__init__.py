"""Training layer of biodl: the only place that uses Lightning."""
