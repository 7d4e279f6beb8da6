"""The reports' reads (dashboard, dossiers, trend, My work) and the daily snapshot."""
