"""The people's tables: org units and staff, their assignments and holdings, and the search
index."""
