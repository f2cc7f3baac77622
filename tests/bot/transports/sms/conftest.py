"""The SMS tests' components (tests/support/sms/): ``start_kannel``, ``android_gateway``,
and ``make_city`` (residents texting through Kannel)."""

from tests.support.sms.city import make_city
from tests.support.sms.fixtures import android_gateway, start_kannel

__all__ = ["android_gateway", "make_city", "start_kannel"]
