"""Fill missing translations of a catalogue from a JSON object {msgid: msgstr}.

Usage: python scripts/fill_po.py registry/translations/nl/LC_MESSAGES/messages.po table.json
Only empty entries are filled; existing translations are kept.
"""

import json
import sys

from babel.messages.pofile import read_po, write_po


def main(po_path: str, table_path: str) -> None:
    with open(po_path, "rb") as handle:
        catalog = read_po(handle)
    with open(table_path, encoding="utf-8") as handle:
        table = json.load(handle)
    filled = 0
    for message in catalog:
        if message.id and not message.string and message.id in table:
            message.string = table[message.id]
            message.flags.discard("fuzzy")
            filled += 1
    with open(po_path, "wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=True)
    missing = [m.id for m in catalog if m.id and not m.string]
    print(f"filled {filled}; still missing {len(missing)}")
    for mid in missing:
        print("  ", mid)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
