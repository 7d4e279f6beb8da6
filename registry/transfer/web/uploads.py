"""What the import reads from an upload, shared by the import pages and the background job:
the CSV files as they are, or the sheets of an uploaded workbook."""

from flask import current_app

from registry.transfer.services import workbook

WORKBOOK = "workbook.xlsx"  # an uploaded Excel workbook is kept under this name


def unpacked_limit() -> int:
    """How many bytes an upload may hold once unpacked (a zip, or a workbook's parts)."""
    return (
        current_app.config.get("TRANSFER_UNPACKED_LIMIT")
        or current_app.config.get("MAX_CONTENT_LENGTH")
        or 32 * 1024 * 1024
    )


def import_sources(files: dict[str, bytes]):
    """What the interchange service reads: the CSV files, or the sheets of the workbook."""
    if WORKBOOK in files:
        return workbook.workbook_sources(files[WORKBOOK], WORKBOOK, unpacked_limit())
    return files
