"""The SMS tests' components (tests/support/sms/fixtures.py): ``start_kannel``,
``android_gateway``."""

from tests.support.sms.fixtures import android_gateway, start_kannel

__all__ = ["android_gateway", "start_kannel"]
