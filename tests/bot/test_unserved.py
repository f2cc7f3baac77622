"""A city added by ``city add`` (its gazetteer still headers only) stops no other city
(issue 99, point 2): through ``python -m bot`` as an operator runs it, the city is not
served and says so - ``city add``, ``doctor``, the console for it, the start-up log of
``run`` and, once, the main city's coordinators' group - while Dortmund's console and
``run`` serve Dortmund."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import ROOT, run_bot
from tests.support.crash_story import BotProcess
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.forked_bot import launch_forked

GROUP = -1001
RESIDENT = 5001


def _installation(tmp: Path, api: str) -> Path:
    config = tmp / "bot.toml"
    config.write_text(
        f'[bot]\ncity = "Dortmund"\ndatabase = "{tmp / "bot.sqlite3"}"\nlog_level = "INFO"\n'
        f'cities_dir = "{tmp / "cities"}"\n'
        f'[places]\ndata_dir = "{ROOT / "data/dortmund"}"\n'
        f'[telegram]\napi_base_url = "{api}"\npoll_timeout = 1\n'
        f'[help]\ntelegram_backchannel = "{GROUP}"\n',
        encoding="utf-8",
    )
    return config


def _notices(fake: FakeTelegram) -> list:
    return [c for c in fake.calls_to("sendMessage", chat_id=GROUP) if "Lünen" in c.text]


async def test_a_city_not_filled_in_stops_no_other_city(tmp_path):
    fake = FakeTelegram()
    await fake.start()
    config = _installation(tmp_path, fake.url)
    env = {"NACHBARBOT_TELEGRAM__TOKEN": TOKEN}
    data = tmp_path / "data" / "luenen"
    added = run_bot("--config", str(config), "city", "add", "Lünen", "--data-dir", str(data))
    assert added.returncode == 0, added.stderr
    assert "until then luenen is not served" in added.stdout

    doctor = run_bot("--config", str(config), "--city", "luenen", "doctor", env=env)
    assert "FAIL  luenen: gazetteer" in doctor.stdout or "FAIL  gazetteer" in doctor.stdout
    assert "not served until it is filled in" in doctor.stdout

    # Dortmund's console serves Dortmund; Lünen's says why it cannot, in one line.
    served = run_bot("--config", str(config), "console", input="hallo\n", env=env)
    assert served.returncode == 0, served.stderr
    assert "Dortmund" in served.stdout
    refused = run_bot("--config", str(config), "--city", "luenen", "console", input="", env=env)
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.startswith("nachbarbot: city luenen is not served: gazetteer")
    assert refused.stderr.count("\n") == 1

    bot = BotProcess(tmp_path, fake, settings=config.read_text(), env=env, launch=launch_forked)
    try:
        await bot.start()  # Dortmund polls: the process runs
        await fake.wait_for("sendMessage", lambda c: "Lünen" in c.text, chat_id=GROUP)
        fake.send_text(RESIDENT, "/start")
        await fake.wait_for("sendMessage", chat_id=RESIDENT, timeout=30)
        log = bot.log.read_text()
        assert "city luenen is not served: gazetteer" in log
        assert "the other cities run (dortmund)" in log
        # A restart says it in the log again, but not again in the group.
        bot.stop()
        mark = len(fake.calls)
        await bot.start()
        fake.send_text(RESIDENT, "/start")
        await fake.wait_for("sendMessage", chat_id=RESIDENT, after=mark, timeout=30)
        await fake.settle(quiet=1.0, timeout=20)
        assert len(_notices(fake)) == 1
        assert bot.log.read_text().count("city luenen is not served") == 2
    finally:
        bot.stop()
        await fake.stop()
