"""The commands of the gaps: `registry gaps` and `registry forecast`."""
