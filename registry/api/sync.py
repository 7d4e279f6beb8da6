"""Placeholder; replaced below."""

BLUEPRINTS = ()
