"""The catalogue's pages: services with their requirements and providers, frameworks and
competences."""
