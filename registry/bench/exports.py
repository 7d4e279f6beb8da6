"""The web export at region scale, as its background job writes it (`transfer/web/exports.py`):
the zip of CSV files and the Excel workbook, each written once into a file."""

import tempfile
import time
from pathlib import Path

from registry.bench.figures import Figure


def measure_exports(echo) -> list[Figure]:
    """Time each export once (they take seconds to half a minute: one run is the figure)."""
    from registry.core.extensions import db
    from registry.transfer.services import workbook
    from registry.transfer.web import exports as transfer_exports

    figures = []
    with tempfile.TemporaryDirectory(prefix="kennisborg-bench-export-") as tmp:
        for label, name in (
            ("export, zip of CSV files", "export.zip"),
            ("export, Excel workbook", "export.xlsx"),
        ):
            target = Path(tmp) / name
            start = time.perf_counter()
            if name == "export.zip":
                transfer_exports.write_zip(target, "bench")
            else:
                workbook.write_workbook(target)
            took = (time.perf_counter() - start) * 1000
            db.session.rollback()
            size = target.stat().st_size / 2**20
            echo(f"{label:<44} {took:8.1f} ms  ({size:.1f} MiB, written in the background)")
            figures.append(Figure(label, [took]))
    return figures
