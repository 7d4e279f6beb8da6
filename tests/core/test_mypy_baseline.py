"""scripts/mypy_baseline.py: the pure rules are never baselined (mypy itself is not run here)."""

import importlib.util
from collections import Counter
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "mypy_baseline.py"
DOMAIN = "registry/core/limits.py: Function is missing a type annotation  [no-untyped-def]"
ELSEWHERE = "registry/transfer/services/sync.py: Incompatible types in assignment  [assignment]"


@pytest.fixture
def check(tmp_path, monkeypatch):
    """The script's main() with mypy's errors and the baseline file given by the test."""
    spec = importlib.util.spec_from_file_location("mypy_baseline", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    baseline = tmp_path / "mypy-baseline.txt"
    monkeypatch.setattr(module, "BASELINE", baseline)

    def run(found: list[str], listed: list[str], *argv: str) -> int:
        baseline.write_text("".join(f"{e}\n" for e in listed), "utf-8")
        monkeypatch.setattr(module, "errors", lambda: Counter(found))
        return module.main(list(argv))

    run.baseline = baseline
    return run


def test_a_baselined_error_elsewhere_passes_and_a_new_one_fails(check):
    assert check([ELSEWHERE], [ELSEWHERE]) == 0
    assert check([ELSEWHERE], []) == 1


def test_a_domain_error_fails_even_when_it_is_in_the_baseline(check, capsys):
    assert check([DOMAIN], []) == 1
    assert check([DOMAIN], [DOMAIN]) == 1
    assert "strict, never baselined" in capsys.readouterr().out


def test_a_baseline_that_lists_a_domain_error_fails(check):
    assert check([], [DOMAIN]) == 1


def test_update_refuses_to_write_a_domain_error(check):
    assert check([DOMAIN, ELSEWHERE], [ELSEWHERE], "--update") == 1
    assert check.baseline.read_text("utf-8") == f"{ELSEWHERE}\n"
    assert check([ELSEWHERE], [], "--update") == 0
    assert check.baseline.read_text("utf-8") == f"{ELSEWHERE}\n"
