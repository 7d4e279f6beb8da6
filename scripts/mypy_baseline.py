"""mypy with a committed baseline: fail only on errors that are not in `mypy-baseline.txt`.

    python scripts/mypy_baseline.py            # check (make lint, pre-commit)
    python scripts/mypy_baseline.py --update   # rewrite the baseline after fixing errors

Errors are compared without line numbers (file, message and code), so moving code does not
break the check; `registry/domain` is checked strictly (setup.cfg). Errors that disappear are
reported so that the baseline only ever shrinks.
"""

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

BASELINE = Path(__file__).resolve().parent.parent / "mypy-baseline.txt"
_LINE = re.compile(r"^(?P<file>[^:]+):\d+(?::\d+)?: error: (?P<message>.*)$")


def errors() -> Counter:
    run = subprocess.run(  # noqa: S603 (a fixed command)
        [sys.executable, "-m", "mypy", "registry"], capture_output=True, text=True, check=False
    )
    found = Counter()
    for line in run.stdout.splitlines():
        match = _LINE.match(line)
        if match:
            found[f"{match['file']}: {match['message']}"] += 1
    if run.returncode not in (0, 1) or (run.returncode == 1 and not found):
        sys.stderr.write(run.stdout + run.stderr)
        raise SystemExit(2)
    return found


def main(argv: list[str]) -> int:
    found = errors()
    if "--update" in argv:
        BASELINE.write_text("".join(f"{e}\n" for e in sorted(found.elements())), "utf-8")
        print(f"mypy baseline: {sum(found.values())} errors written to {BASELINE.name}")
        return 0
    known = Counter(BASELINE.read_text("utf-8").splitlines()) if BASELINE.exists() else Counter()
    new, fixed = found - known, known - found
    for error in sorted(new.elements()):
        print(f"new mypy error: {error}")
    domain = sum(n for e, n in found.items() if e.startswith("registry/domain/"))
    print(
        f"mypy: {sum(found.values())} errors ({domain} in registry/domain), baseline "
        f"{sum(known.values())}, new {sum(new.values())}, fixed {sum(fixed.values())}"
        + (" — run with --update to shrink the baseline" if fixed else "")
    )
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
