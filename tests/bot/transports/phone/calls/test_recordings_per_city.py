"""Two cities of one installation, each with a phone line, keep their callers' recordings
apart: the folder (``phone.recordings``, installation-wide) holds the main city's, and a
further city's are in a folder of its own inside it. Each city's sweep removes only the
recordings its own database no longer names, so it never takes another city's."""

from __future__ import annotations

import os
import time

from bot.cities import load_cities
from bot.city_service import CityBot
from bot.cluster import SingleProcess
from bot.config import load_config
from bot.transports.phone.calls.recording import GRACE_SECONDS
from db import Database
from tests.support.two_cities import write_cities


async def test_each_city_sweeps_only_its_own_recordings(db: Database, tmp_path):
    folder = tmp_path / "recordings"
    phone = '[phone]\nenabled = true\nbind = "127.0.0.1"\nrtp_port = 0\nlines = 1\n'
    config = write_cities(
        tmp_path,
        str(tmp_path / "bot.sqlite3"),
        dortmund=f'{phone}port = 0\nrecordings = "{folder}"\n',
        unna=f"{phone}port = 0\n",
    )
    cities = load_cities(load_config(config, env={}), {})
    bots = [
        await CityBot.open(city, SingleProcess(), None, db=db if city.main else None, main=db)
        for city in cities
    ]
    try:
        dortmund, unna = (
            next(t for t in bot.transports if t.platform == "phone").recordings  # type: ignore[attr-defined]
            for bot in bots
        )
        assert dortmund.folder == folder and unna.folder == folder / "unna"
        unnas = unna.keep(b"\x10\x00" * 16000, 16000)
        dortmunds = dortmund.keep(b"\x10\x00" * 16000, 16000)
        old = time.time() - GRACE_SECONDS - 60
        for kept in (unna.path(unnas.file_id), dortmund.path(dortmunds.file_id)):
            os.utime(kept, (old, old))
        # Neither database names either recording: each city's sweep takes its own only.
        assert dortmund.unnamed(set(), time.time()) == 1
        assert unna.path(unnas.file_id).exists()
        assert unna.unnamed(set(), time.time()) == 1
    finally:
        for bot in reversed(bots):
            if bot.db is not db:
                await bot.close()
