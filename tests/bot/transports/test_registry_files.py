"""Which platforms cannot carry a file comes from the transport registry (``Kind.files``)
into what handlers see (``HandlerSettings.fileless_platforms``): the phone line and SMS,
whatever a city runs, so /mydata never promises a file there (handlers/privacy.py)."""

from __future__ import annotations

from bot.config import Config


def test_the_phone_line_and_sms_cannot_receive_a_file():
    assert Config().handler_settings().fileless_platforms == {"phone", "sms"}
