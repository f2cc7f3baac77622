"""Fixtures of the transports' tests: ``eva``, a person on an end-to-end encrypting Matrix
client as Element X is (tests/support/matrix_encrypted_people.py), on the test process's
Synapse."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.matrix_encrypted_people import EncryptedPerson
from tests.support.synapse_server import Synapse


@pytest.fixture
async def eva(synapse: Synapse) -> AsyncIterator[EncryptedPerson]:
    person = EncryptedPerson(synapse, "eva")
    await person.start()
    yield person
    await person.stop()
