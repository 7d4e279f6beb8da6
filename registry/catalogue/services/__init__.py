"""The catalogue's use cases on the session (flush, never commit) and the suppliers' coverage."""
