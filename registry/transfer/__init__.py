"""Transfer: the interchange files (CSV, one Excel workbook), their import with a dry run and
their export, the web's background jobs for both, the people sync of the API, and the demo."""
