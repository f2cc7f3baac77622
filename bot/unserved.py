"""The cities ``run`` does not serve, said where an operator looks: the start-up log and,
once, the coordinators' group of the first city that runs (the main city's, unless it is the
one not served) - the installation's operators' channel.

A city is not served while its gazetteer cannot be used (a city just written by ``city
add``, its files with headers only: bot/cli/checks.py ``unserved_cities``), or while its file
cannot be used (not TOML, a setting refused: bot/cli/broken_cities.py), or while its
database is refused (damaged, or of a newer version: bot/cli/main.py ``_open_serving``);
every other city starts. The notice is posted once for a city and reason, not at every
restart of a process or by every process of a cluster: ``installation.unserved:<slug>`` in
``transport_state`` holds what was said, and is removed once the city is served, so that
the next time it cannot be served is said again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping

from bot.cities import BrokenCity, City
from bot.transports.registry import backchannels
from db import Database
from handlers.messages import Message
from handlers.messenger import Messenger
from locales import Translator

log = logging.getLogger("nachbarbot")

KEY = "installation.unserved:"


def say_in_log(unserved: Mapping[str, str], served: Iterable[City]) -> None:
    """One warning a city not served, naming why and that the others run."""
    others = ", ".join(city.slug for city in served) or "none"
    for slug, why in unserved.items():
        log.warning("city %s is not served: %s; the other cities run (%s)", slug, why, others)


def notice(name: str, folder: str) -> Callable[[Translator], Message]:
    return lambda t: Message(
        t.t(
            "⚠️ {city} is not served yet: its list of districts and postcodes "
            "(gazetteer, in {folder}) cannot be used. The other cities run as usual. "
            "The operator fills it in and restarts the bot; python -m bot doctor "
            "says what is missing.",
            city=name,
            folder=folder,
        )
    )


def database_notice(name: str) -> Callable[[Translator], Message]:
    return lambda t: Message(
        t.t(
            "⚠️ {city} is not served: its database cannot be used (damaged, or from a "
            "newer version). The other cities run as usual. python -m bot db check says "
            "what is wrong; the operator restores a backup and restarts the bot.",
            city=name,
        )
    )


def broken_notice(slug: str, file: str) -> Callable[[Translator], Message]:
    def compose(t: Translator) -> Message:
        text = t.t(
            "⚠️ The city {city} is not served: its settings file ({file}) cannot be "
            "used. The other cities run as usual. The operator corrects the file and "
            "restarts the bot; python -m bot doctor says what is wrong.",
            city=slug,
            file=file,
        )
        return Message(text)

    return compose


async def tell(
    db: Database,
    channel: City,
    cities: Iterable[City],
    unserved: Mapping[str, str],
    wake: Callable[[], None] | None = None,
    broken: Iterable[BrokenCity] = (),
    refused: Iterable[str] = (),
) -> None:
    """Post the notice of each city not served into ``channel``'s coordinators' group
    (``db``: that city's database), once a city and reason - the cities whose file cannot
    be used (``broken``) and those whose database was refused (``refused``, slugs) too;
    forget the notices of the cities served now."""
    groups = backchannels(channel.config)
    refused_now = set(refused)
    notices = {
        city.slug: database_notice(city.name)
        if city.slug in refused_now
        else notice(city.name, city.config.places.data_dir)
        for city in cities
        if city.slug in unserved
    } | {each.slug: broken_notice(each.slug, str(each.source)) for each in broken}
    queued = 0
    for slug in [city.slug for city in cities] + [each.slug for each in broken]:
        key = KEY + slug
        why = unserved.get(slug)
        async with db.transaction():
            said = await db.transport_state.get(key)
            if why is None:
                if said is not None:
                    await db.transport_state.delete(key)
                continue
            if said == why:
                continue
            await db.transport_state.set(key, why)
            queued += len(await Messenger(db, groups).to_backchannel(notices[slug]))
    if queued and wake is not None:
        wake()
