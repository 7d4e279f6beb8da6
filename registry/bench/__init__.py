"""The region-scale benchmark behind `registry bench` (and `make bench`).

Generates a registry of region size (50,000 people, 1,000 competences, 500 services, about
3,000 requirements, 50,000 assignments, 400,000 holdings) with realistic distributions into a
temporary database — a SQLite file, and a throw-away schema in PostgreSQL when
TEST_DATABASE_URL is set — and times the gap analysis against one hand-written SQL statement
computing the same counts, plus the service calls behind each page.

- `generate`: the region's tables and their interchange files;
- `reference`: the hand-written SQL the gap statement is measured against;
- `figures`: a figure and the timing helper;
- `calls`: the service calls behind each page, timed without HTTP;
- `pages`: the pages over HTTP, cold and warm;
- `harness`: `run()`, which does all of it on every target database;
- `region`: `run_region()`, `registry bench --region`: a region of N municipalities of M
  people, one municipality's pages against the same municipality alone, and the region-wide
  gap analysis against the hand-written SQL.
"""

from registry.bench.figures import Figure
from registry.bench.generate import (
    RegionScale,
    Scale,
    generate_rows,
    interchange_files,
    write_region_folder,
)
from registry.bench.harness import run
from registry.bench.region import run_region

__all__ = [
    "Figure",
    "RegionScale",
    "Scale",
    "generate_rows",
    "interchange_files",
    "run",
    "run_region",
    "write_region_folder",
]
