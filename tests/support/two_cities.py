"""The two cities of the tests of issue 18: Dortmund, the main configuration with its real
gazetteer, and Unna, a file in ``cities_dir`` with the small test gazetteer in
tests/data/unna."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import ROOT
from tests.support.ports import free_port

# Each city's coordinators' Telegram group.
GROUP_DORTMUND, GROUP_UNNA = -1001, -2002


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


def unna_alone(folder: Path, database: str) -> Path:
    """Another installation, Unna its only city, on ``database``: its configuration file."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "unna.toml"
    config.write_text(
        f'[bot]\ncity = "Unna"\ndatabase = "{database}"\n'
        f'[places]\ndata_dir = "{ROOT / "tests/data/unna"}"\n',
        encoding="utf-8",
    )
    return config


def telegram_cities(tmp: Path, database: str, dortmund: str, unna: str) -> Path:
    """The two cities, each with its bot on a Bot API server (``dortmund``, ``unna``, their
    addresses), its backchannel and its web on a port of its own."""
    help_ = "new_user_cooldown_minutes = 0\nrequire_verified_volunteers = false\n"
    return write_cities(
        tmp,
        database,
        dortmund=f'[telegram]\napi_base_url = "{dortmund}"\npoll_timeout = 1\n'
        f'[help]\ntelegram_backchannel = "{GROUP_DORTMUND}"\n{help_}'
        f'[web]\nlisten = "127.0.0.1"\nport = {free_port()}\n',
        unna=f'[telegram]\napi_base_url = "{unna}"\npoll_timeout = 1\n'
        f'[help]\ntelegram_backchannel = "{GROUP_UNNA}"\n{help_}'
        f"[web]\nport = {free_port()}\n",
    )
