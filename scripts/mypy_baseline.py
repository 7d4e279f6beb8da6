"""mypy with a committed baseline: fail only on errors that are not in `mypy-baseline.txt`.

    python scripts/mypy_baseline.py            # check (make lint, pre-commit)
    python scripts/mypy_baseline.py --update   # rewrite the baseline after fixing errors

Errors are compared without line numbers (file, message and code), so moving code does not
break the check. Errors that disappear are reported so that the baseline only ever shrinks.

The pure rules (every feature's `rules` module or package, and the pure modules of
`registry/core`: `STRICT`) are checked strictly (setup.cfg) and have no baseline: any error
there fails, also when it is listed in `mypy-baseline.txt` (a baseline that lists one fails
too), and `--update` refuses to write one.
"""

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

BASELINE = Path(__file__).resolve().parent.parent / "mypy-baseline.txt"
# The pure modules, checked strictly and never baselined (setup.cfg names the same modules).
STRICT = re.compile(
    r"^registry/([a-z_]+/rules(\.py|/)|core/(actor|language|limits|periods|permissions|"
    r"provenance|spreadsheet)\.py)"
)
PURE = "the pure rules"
_LINE = re.compile(r"^(?P<file>[^:]+):\d+(?::\d+)?: error: (?P<message>.*)$")


def errors() -> Counter[str]:
    run = subprocess.run(  # noqa: S603 (a fixed command)
        [sys.executable, "-m", "mypy", "registry"], capture_output=True, text=True, check=False
    )
    found: Counter[str] = Counter()
    for line in run.stdout.splitlines():
        match = _LINE.match(line)
        if match:
            found[f"{match['file']}: {match['message']}"] += 1
    if run.returncode not in (0, 1) or (run.returncode == 1 and not found):
        sys.stderr.write(run.stdout + run.stderr)
        raise SystemExit(2)
    return found


def _strict(errors: Counter[str]) -> list[str]:
    return sorted(e for e in errors.elements() if STRICT.match(e))


def main(argv: list[str]) -> int:
    found = errors()
    strict = _strict(found)
    for error in strict:
        print(f"mypy error in {PURE} (strict, never baselined): {error}")
    if "--update" in argv:
        if strict:
            print(f"mypy baseline not written: fix the errors in {PURE} first")
            return 1
        BASELINE.write_text("".join(f"{e}\n" for e in sorted(found.elements())), "utf-8")
        print(f"mypy baseline: {sum(found.values())} errors written to {BASELINE.name}")
        return 0
    known = Counter(BASELINE.read_text("utf-8").splitlines()) if BASELINE.exists() else Counter()
    listed = _strict(known)
    for error in listed:
        print(f"{BASELINE.name} lists an error in {PURE}, which is never baselined: {error}")
    new, fixed = found - known, known - found
    for error in sorted(e for e in new.elements() if not STRICT.match(e)):
        print(f"new mypy error: {error}")
    print(
        f"mypy: {sum(found.values())} errors ({len(strict)} in {PURE}), baseline "
        f"{sum(known.values())}, new {sum(new.values())}, fixed {sum(fixed.values())}"
        + (" — run with --update to shrink the baseline" if fixed else "")
    )
    return 1 if new or strict or listed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
