"""The report pages: home, dashboard, gaps, matrices, what-if, dossiers, trend and My work."""
