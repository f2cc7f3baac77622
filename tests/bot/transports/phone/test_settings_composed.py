"""The features' settings are composed once, where a city is wired (bot/city_service.py
``composed``): the phone line offers its check calls and bridged calls (``ports``) and never
replaces the dispatcher's settings itself."""

from __future__ import annotations

from bot.cities import load_cities
from bot.city_service import CityBot
from bot.cluster import SingleProcess
from bot.config import load_config
from bot.transports.phone.sip.stack import StackSettings
from bot.transports.phone.transport import PhoneTransport
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from tests.support.two_cities import write_cities


def test_the_phone_line_leaves_the_settings_alone(db: Database, settings: HandlerSettings):
    dispatcher = Dispatcher(db, build_router(), settings)
    phone = PhoneTransport(dispatcher.ports, StackSettings(bind="127.0.0.1"))
    assert dispatcher.settings is settings and settings.check_calls is None
    assert phone.ports() == {"check_calls": phone.checks, "bridged_calls": phone.bridging}


async def test_a_city_with_a_phone_line_gives_the_features_its_calls(db: Database, tmp_path):
    phone = (
        '[phone]\nenabled = true\nbind = "127.0.0.1"\nport = 0\nrtp_port = 0\nlines = 1\n'
        f'recordings = "{tmp_path / "recordings"}"\n'
    )
    config = write_cities(tmp_path, str(tmp_path / "bot.sqlite3"), dortmund=phone)
    city = next(city for city in load_cities(load_config(config, env={}), {}) if city.main)
    bot = await CityBot.open(city, SingleProcess(), None, db=db, main=db)
    line = next(t for t in bot.transports if isinstance(t, PhoneTransport))
    assert bot.dispatcher.settings.check_calls is line.checks
    assert bot.dispatcher.settings.bridged_calls is line.bridging
