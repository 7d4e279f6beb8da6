"""The report pages: home, dashboard, gaps, matrices, what-if, dossiers, suppliers, trend and
My work."""
