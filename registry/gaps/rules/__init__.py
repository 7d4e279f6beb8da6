"""The gap rules and the forecast as pure reference implementations (no Flask, no SQLAlchemy)."""
