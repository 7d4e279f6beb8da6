"""The catalogue's tables: frameworks and competences, providers, services and requirements."""
