"""The reports' reads (dashboard, dossiers, suppliers, trend, My work) and the daily snapshot."""
