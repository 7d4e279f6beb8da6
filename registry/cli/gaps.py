"""`registry gaps`: the gap report."""


def register(app) -> None:
    """Filled in by the gap-analysis work."""
