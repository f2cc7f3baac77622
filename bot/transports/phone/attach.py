"""How the phone line attaches to a city (its declaration's ``attach``, declaration.py,
called by bot/city_service.py before the transports connect).

- a call-back plays the relayed voice messages it says, fetched as the outbox worker
  fetches them, and says every message waiting for the person, each made by the worker's
  reader chain (translated, in its spoken form) as the one the worker handed it
  (outbox_calls.py);
- the month's calls are the installation's: counted in the main city's database
  (dialling.py);
- a further city's callers' recordings lie in a folder of their own inside the
  installation's: each city's sweep removes what its own database no longer names and must
  never see another city's (recording.py);
- not the features' settings: the line's check calls and bridged calls
  (``PhoneTransport.ports``) go into them where the city composes them
  (bot/city_service.py ``composed``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.transports.hooks import Attachment
    from bot.transports.phone.transport import PhoneTransport


def attach(transport: PhoneTransport, city: Attachment) -> None:
    if city.fetch_media is not None:
        transport.calling.media = city.fetch_media
    if city.prepare is not None:
        transport.calling.prepare = city.prepare
    if city.main is not None:
        transport.calling.dialling.count_in(city.main)
    if not city.is_main:
        transport.recordings.folder = transport.recordings.folder / city.slug
