"""The models not yet moved into their feature packages."""
