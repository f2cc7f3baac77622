"""The phone tests' SIP components (tests/support/sip/fixtures.py): ``kamailio``, ``phones``,
``tone_wav``."""

from tests.support.sip.fixtures import kamailio, phones, tone_wav

__all__ = ["kamailio", "phones", "tone_wav"]
