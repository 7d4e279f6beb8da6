"""Reading zip archives from users safely: uploads of interchange files and Excel workbooks
(an .xlsx file is a zip too).

A zip's directory states each member's sizes, but those can lie; members can be encrypted,
compressed with a method Python cannot read, damaged (a bad CRC) or cut short. Every one of
those ends in an `ArchiveError` with a message for the user, never in an unhandled exception,
and no member is ever unpacked beyond the limit, whatever its header says.

Pure Python: messages are marked with `N_` and translated by the caller (%(name)s values in
`ArchiveError.params`).
"""

import io
import zipfile
import zlib
from collections.abc import Iterator


def N_(message: str) -> str:
    """Mark a message for translation; the layer that shows it translates it."""
    return message


NOT_A_ZIP = N_("%(name)s is not a valid zip file.")
ENCRYPTED = N_("%(member)s in %(name)s is protected with a password; upload it without one.")
UNSUPPORTED = N_(
    "%(member)s in %(name)s is compressed with a method that cannot be read; "
    'save the zip again with the usual ("deflate") compression.'
)
DAMAGED = N_("%(member)s in %(name)s is damaged or incomplete (%(reason)s); create the zip again.")
TOO_LARGE = N_("The files in %(name)s are larger than allowed when unpacked.")
TOO_MANY = N_("%(name)s holds more than %(max)s files.")

READABLE = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
MAX_MEMBERS = 1_000
_STEP = 1 << 20


class ArchiveError(ValueError):
    """A zip that cannot be read safely; `message` is untranslated, `params` fill it in."""

    def __init__(self, message: str, **params: object):
        super().__init__(message % params if params else message)
        self.message, self.params = message, params


def open_zip(data: bytes, name: str) -> zipfile.ZipFile:
    """The archive, or ArchiveError when `data` is no readable zip (or has too many members)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise ArchiveError(NOT_A_ZIP, name=name) from None
    if len(archive.infolist()) > MAX_MEMBERS:
        raise ArchiveError(TOO_MANY, name=name, max=MAX_MEMBERS)
    return archive


def check_member(info: zipfile.ZipInfo, name: str) -> None:
    """Refuse an encrypted member or one compressed with a method we do not read."""
    if info.flag_bits & 0x1:
        raise ArchiveError(ENCRYPTED, name=name, member=info.filename)
    if info.compress_type not in READABLE:
        raise ArchiveError(UNSUPPORTED, name=name, member=info.filename)


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, budget: int) -> bytes:
    """The member's contents, read in steps and never more than `budget` bytes (whatever the
    directory says); ArchiveError when it is damaged, cut short or larger."""
    check_member(info, name)
    if info.file_size > budget:
        raise ArchiveError(TOO_LARGE, name=name)
    parts, size = [], 0
    try:
        with archive.open(info) as handle:
            while piece := handle.read(_STEP):
                size += len(piece)
                if size > budget:
                    raise ArchiveError(TOO_LARGE, name=name)
                parts.append(piece)
    except ArchiveError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
        raise ArchiveError(DAMAGED, name=name, member=info.filename, reason=str(error)) from None
    except (NotImplementedError, RuntimeError):  # encryption or a method seen only on reading
        raise ArchiveError(UNSUPPORTED, name=name, member=info.filename) from None
    return b"".join(parts)


def members(archive: zipfile.ZipFile, name: str, limit: int) -> Iterator[tuple[str, bytes]]:
    """(member name, contents) of every file in the archive, all of them together never more
    than `limit` bytes unpacked."""
    entries = [info for info in archive.infolist() if not info.is_dir()]
    for info in entries:
        check_member(info, name)
    if sum(info.file_size for info in entries) > limit:
        raise ArchiveError(TOO_LARGE, name=name)
    budget = limit
    for info in entries:
        content = read_member(archive, info, name, budget)
        budget -= len(content)
        yield info.filename, content


def check_whole(data: bytes, name: str, limit: int) -> None:
    """Read every member once (checking CRCs, methods and sizes) without keeping them: for a
    zip another library will open, like an Excel workbook."""
    with open_zip(data, name) as archive:
        for _member, _content in members(archive, name, limit):
            pass
