"""The import and export pages and their background jobs."""
