"""The catalogue: outsourced services, their providers (suppliers), competence frameworks,
competences and the requirements that tie a service to a competence."""
