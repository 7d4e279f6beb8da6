"""The catalogue's pages: services with their requirements, providers and the suppliers'
coverage, frameworks and competences."""
