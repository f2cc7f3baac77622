"""Who reads which language around a help request, and which language a text is in.

The requester reads their chat language and the languages they gave for the request; a
volunteer their chat language and those of their profile; anyone else (a coordinator)
their chat language. A text is labelled by detection (``text_language.detect``) with the
writer's own languages as hints, so a short "Danke" from a German speaker stays German.
What reaches a reader translated is decided from these (handlers/language_bridge.py).
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from db import Database
from db.requests import HelpRequest
from db.users import User
from handlers.helping.scene import Scene
from handlers.helping.text_language import detect
from handlers.language_bridge import Reader, backchannel_reader, reader, words
from handlers.text_safety import quoted
from locales import Translator


async def declared(db: Database, user_id: int, request: HelpRequest | None) -> tuple[str, ...]:
    """The languages ``user_id`` said they speak, as far as ``request`` is concerned."""
    if request is not None and user_id == request.requester_id:
        return tuple(request.languages)
    volunteer = await db.volunteers.get(user_id)
    return tuple(volunteer.languages) if volunteer is not None else ()


async def reader_of(scene: Scene, user: User, request: HelpRequest | None) -> Reader:
    if not (scene.settings.translation_rules.engine and user.translate_messages):
        return reader(scene.settings, user)  # translates nothing: its languages do not matter
    return reader(scene.settings, user, await declared(scene.db, user.id, request))


async def language_of(scene: Scene, writer: User, request: HelpRequest | None, text: str) -> str:
    """The language ``writer`` wrote ``text`` in ("" if it cannot be told)."""
    return detect(text, writer.language, *await declared(scene.db, writer.id, request))


async def unread_by(
    scene: Scene, writer: User, request: HelpRequest | None, reader_user: User, text: str
) -> str:
    """``reader_user``'s language when ``writer``'s ``text`` reaches them as written (no
    translation runs for them) in a language they did not say they read; "" when it is
    translated for them, or written in one they read, or its language cannot be told - so
    that the writer is told the truth instead of "the requester was told"."""
    if (await reader_of(scene, reader_user, request)).engine:
        return ""
    reads = reader(scene.settings, reader_user, await declared(scene.db, reader_user.id, request))
    language = await language_of(scene, writer, request, text)
    return (reader_user.language or "") if language and language not in reads.reads else ""


async def shown_to(
    scene: Scene,
    writer: User,
    request: HelpRequest | None,
    reader_user: User,
    text: str,
    *,
    switch_off: bool = False,
) -> Callable[[Translator], Markup]:
    """How ``writer``'s ``text`` reads for ``reader_user``, as a part of a message composed
    in the reader's language: translated at delivery when they may not read the language
    it is written in (and translation is on for them), else as written. ``switch_off``:
    a translated message carries the button to stop translating (the relay)."""
    for_reader = await reader_of(scene, reader_user, request)
    if not for_reader.engine:
        return lambda t: quoted(t, text)  # nothing will translate it: no detection needed
    language = await language_of(scene, writer, request, text)
    request_id = request.id if request is not None else None
    return lambda t: words(
        t,
        text,
        language,
        for_reader,
        owner_id=writer.id,
        request_id=request_id,
        switch_off=switch_off,
    )


async def shown_to_coordinators(
    scene: Scene, writer: User, request: HelpRequest | None, text: str
) -> Callable[[Translator], Markup]:
    """How ``writer``'s ``text`` reads in the coordinators' group: in the group's language
    with the original in full beside it when it is written in another."""
    if not scene.settings.translation_rules.engine:
        return lambda t: quoted(t, text)  # nothing will translate it: no detection needed
    language = await language_of(scene, writer, request, text)
    request_id = request.id if request is not None else None
    return lambda t: words(
        t,
        text,
        language,
        backchannel_reader(scene.settings, t),
        owner_id=writer.id,
        request_id=request_id,
        beside=True,
    )
