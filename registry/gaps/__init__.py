"""Gaps: the analysis of each requirement's coverage, the forecast, what-if and their caches."""
