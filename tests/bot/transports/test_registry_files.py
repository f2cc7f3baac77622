"""What each transport can do comes from its descriptor (bot/transports/registry.py) into
what handlers see (``HandlerSettings.channels``): the phone line and SMS people cannot
receive a file, whatever a city runs, so /mydata never promises a file there
(handlers/privacy.py); they are their number; SMS texts, the phone line calls; only SMS
erases by a texted code."""

from __future__ import annotations

from typing import get_type_hints

from bot.config import Config
from bot.transports.registry import PLATFORMS, TRANSPORTS


def test_the_phone_line_and_sms_cannot_receive_a_file():
    channels = Config().handler_settings().channels
    assert {p for p in PLATFORMS if not channels.files(p)} == {"phone", "sms"}
    assert {p for p in PLATFORMS if channels.by_number(p)} == {"phone", "sms"}
    assert {p for p in PLATFORMS if channels.coded(p)} == {"sms"}
    assert [c.platform for c in channels.known if c.calls] == ["phone"]
    assert [c.platform for c in channels.known if c.texts] == ["sms"]
    # Nothing runs without its section: a number's person has no channel to choose.
    assert channels.calling() is None and channels.texting() is None


def test_each_section_of_the_configuration_is_its_transports_own():
    # bot/config.py composes the sections that live with the transports.
    hints = get_type_hints(Config)
    for transport in TRANSPORTS:
        if transport.section:
            section = transport.section_class()
            assert hints[transport.section] is section, transport.platform
            assert section.__module__.startswith("bot.transports."), transport.platform


def test_what_a_city_takes_from_its_transports_comes_from_their_descriptors():
    # The coordinators' groups, the phone's call countries and matrix.key_file's default,
    # each from its transport's descriptor, from the keys operators set today.
    from bot.config import HelpSection, MatrixSection, PhoneSection

    config = Config(
        help=HelpSection(telegram_backchannel="-100123"),
        matrix=MatrixSection(backchannel_room="!room:example.org"),
        phone=PhoneSection(call_countries=("DE", "AT")),
    )
    settings = config.handler_settings()
    assert settings.backchannels == {("telegram", "-100123"), ("matrix", "!room:example.org")}
    assert settings.call_countries == ("DE", "AT")
    assert config.matrix.key_file == "var/nachbarbot.matrix-key"
    assert Config(matrix=MatrixSection(key_file="k")).matrix.key_file == "k"


def test_every_descriptors_service_module_makes_a_service():
    # The one hook named by its module (loaded only where a city runs it) is checked here;
    # the console has no section: no city runs it (python -m bot console does).
    import importlib

    for transport in (t for t in TRANSPORTS if t.section):
        assert callable(importlib.import_module(transport.module).service), transport.platform
