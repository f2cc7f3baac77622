"""What each command does with a further city whose file cannot be used (not TOML, a setting
refused: ``bot.cities.BrokenCity``). One city's broken set-up never stops another: before,
a typo in ``unna.toml`` ended every command with "configuration error" - ``run`` served no
city, the nightly ``db backup`` copied none, ``doctor`` checked none.

- ``run`` and ``web`` serve the other cities and say which is left out, in the log and once
  in the operators' channel (bot/unserved.py); the upgrade step ``db migrate`` and ``db
  retention`` do their work on the others and name it (the bot migrates the city at the
  start that serves it again);
- ``db backup`` copies its database all the same (its place is the installation's
  ``bot.database``, not the city file's) and says that the file is broken;
- ``doctor``, ``db check`` and ``city list`` name it as a failure (exit code 1);
- the commands that must reach every city to keep their promise - ``db restore`` and ``db
  go-back`` of every city, ``db migrate-to``, ``bans`` (shared into every city) - refuse as
  before (exit code 2, nothing changed), as does any command given ``--city`` of it; with
  ``--city`` of a sound city they work on that city.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from bot.cities import BrokenCity, City
from bot.config import Config

# Commands that need every city's configuration, whatever --city names: refused while one
# is broken (``bans share`` writes into every city).
EVERY_CITY = frozenset({"db migrate-to", "bans"})
# Commands that work on every city unless --city names one: refused without --city.
EVERY_CITY_UNLESS_ONE = frozenset({"db restore", "db go-back"})


def why_not_served(broken: BrokenCity) -> str:
    """The reason a city is not served, as the log and ``doctor`` say it."""
    return f"its file cannot be used: {broken.why} - correct it, then restart"


def refusal(command: str, chosen: str | None, broken: list[BrokenCity]) -> str | None:
    """Why ``command`` (on ``--city chosen``, if given) is refused while ``broken`` cities
    are; None where it goes on."""
    if not broken:
        return None
    named = next((each for each in broken if each.slug == chosen), None)
    if named is not None:
        return named.why
    if command in EVERY_CITY or (command in EVERY_CITY_UNLESS_ONE and not chosen):
        whys = "; ".join(each.why for each in broken)
        hint = " (--city SLUG works on one of the others)" if command != "bans" else ""
        return f"{whys} - {command} needs every city's configuration{hint}; correct it first"
    return None


def say(broken: Iterable[BrokenCity], what: str) -> None:
    """A warning line a broken city, on stderr: ``what`` says what the command did."""
    for each in broken:
        print(f"nachbarbot: warning: {each.slug}: {what}: {each.why}", file=sys.stderr)


def stand_ins(broken: Iterable[BrokenCity], main: Config) -> list[City]:
    """The broken cities as far as the installation tells them (``BrokenCity.stand_in``),
    for copying their data."""
    return [city for each in broken if (city := each.stand_in(main)) is not None]
