"""The tests' people write faster than people do: the flood limits (the ``[bot]`` defaults, 20
messages and 120 presses a minute: handlers/settings.py ``CityRules``) as high as the
handlers' settings had them before they were declared once, for the settings the fixtures
and the test cities make (tests/conftest.py, tests/support/); a test of the limits sets its
own."""

from typing import TypedDict


class FloodLimits(TypedDict):
    """The flood limits' part of ``CityRules``, as keywords a settings' call takes (typed:
    mypy holds each to its field)."""

    max_messages_per_minute: int
    max_presses_per_minute: int


UNFLOODED: FloodLimits = {"max_messages_per_minute": 1000, "max_presses_per_minute": 1000}
