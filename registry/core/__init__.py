"""Shared plumbing that every feature uses and that knows no feature: settings, the database
and the unbound extensions, logging, roles and the permission decorator, the edit-page
helpers, forms, problem+json, paging, the API schema parts, i18n, templating, error pages,
the peildatum and the pure helpers for dates, limits, languages, spreadsheets and provenance."""
