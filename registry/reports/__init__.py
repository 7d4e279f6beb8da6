"""Reports: the dashboard, the gap list and matrices, what-if, the dossiers, the trend (daily
snapshots) and My work."""
