"""The two cities of the tests of issue 18: Dortmund, the main configuration with its real
gazetteer, and Unna, a file in ``cities_dir`` with the small test gazetteer in
tests/data/unna."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import ROOT


def write_cities(tmp: Path, database: str, *, dortmund: str = "", unna: str = "") -> Path:
    """Both cities' configuration under ``tmp``; the main file's path. ``dortmund`` and
    ``unna`` are further TOML sections of each (its bot, backchannel, web)."""
    cities = tmp / "cities"
    cities.mkdir()
    (cities / "unna.toml").write_text(
        f'[bot]\ncity = "Unna"\n[places]\ndata_dir = "{ROOT / "tests/data/unna"}"\n{unna}',
        encoding="utf-8",
    )
    config = tmp / "bot.toml"
    config.write_text(
        f'[bot]\ncity = "Dortmund"\ndatabase = "{database}"\nlog_level = "INFO"\n'
        f'cities_dir = "{cities}"\n'
        f'[places]\ndata_dir = "{ROOT / "data/dortmund"}"\n{dortmund}',
        encoding="utf-8",
    )
    return config
