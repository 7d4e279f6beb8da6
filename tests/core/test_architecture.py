"""The import contracts of `make lint` stay complete as features grow: every feature's contract
forbids the pages, API and commands of every other feature that has them."""

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FEATURES = sorted(
    path.name
    for path in (ROOT / "registry").iterdir()
    if (path / "__init__.py").exists() and path.name not in ("core", "bench")
)
OUTWARD = ("web", "api", "cli")  # the layers another feature must never import


def _exists(feature: str, layer: str) -> bool:
    base = ROOT / "registry" / feature / layer
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def test_every_feature_is_forbidden_every_other_features_pages_api_and_commands():
    contracts = configparser.ConfigParser()
    contracts.read(ROOT / ".importlinter")
    for feature in FEATURES:
        section = f"importlinter:contract:{feature}-uses-no-other-pages"
        assert section in contracts, f"{feature} has no contract in .importlinter"
        forbidden = set(contracts[section]["forbidden_modules"].split())
        expected = {
            f"registry.{other}.{layer}"
            for other in FEATURES
            if other != feature
            for layer in OUTWARD
            if _exists(other, layer)
        }
        assert forbidden == expected, (feature, expected - forbidden, forbidden - expected)


def test_every_feature_is_in_the_layers_contract():
    contracts = configparser.ConfigParser()
    contracts.read(ROOT / ".importlinter")
    containers = set(contracts["importlinter:contract:layers"]["containers"].split())
    assert containers == {f"registry.{feature}" for feature in FEATURES}
