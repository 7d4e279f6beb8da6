"""The HTML interface: one blueprint per area, thin views over registry.services."""
