"""`registry import`, `registry export` and `registry demo` (the interchange format)."""


def register(app) -> None:
    """Filled in by the import/export work."""
