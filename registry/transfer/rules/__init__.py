"""The interchange format and the archive checks, as pure rules (no Flask, no SQLAlchemy)."""
