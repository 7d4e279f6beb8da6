"""People: staff, org units, assignments and holdings (assessed competences)."""
