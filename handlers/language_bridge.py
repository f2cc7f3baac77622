"""User text across languages: who needs a translation, the slot that asks the delivery
worker for one, and how a filled slot reads.

A message for someone else is composed in that person's language (handlers/messenger.py);
the user text in it is shown through :func:`words`. When translation is on (an engine is
configured and the reader did not switch it off) and the text's language is not one the
reader reads, the words become a *slot*: a marker in the message's markup carrying the
text, its language, the reader's language and whose words they are. The delivery worker
fills every slot just before sending, outside any transaction, because an engine may take
seconds (bot/delivery.py, bot/translation/service.py):

- translated: "🌐 Translation (original: Arabic)", the translation, and the original one tap away
  (a collapsed quote on Telegram; below it elsewhere);
- not translated (engine down, slow, an odd answer, the day's budget used up): the original
  with a short note saying so. The message goes out either way and never waits longer than
  the engine's timeout.

Review posts show the original in full beside the translation (``beside=True``): the
coordinators check the original, and the moderation warnings run on it.

A slot offers the reader a way out (``switch_off``): on translated relay messages, the
button ``tr:off`` (handlers/preferences.py) stops translation for them.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace

from markupsafe import Markup

from db import Database
from db.users import User
from handlers.messages import Button, Edit, Message, Outgoing
from handlers.settings import HandlerSettings
from handlers.text_safety import quoted
from locales import SUPPORTED_LANGUAGES, Translator, translator

# Why a slot holds no translation.
OK = "ok"
FAILED = "failed"  # down, too slow, refused, an answer that is no translation
BUDGET = "budget"  # the day's character budget is used up
OFF = "off"  # no engine any more (the configuration changed since the message was queued)

_SLOT = re.compile(r'<nb-tr d="([A-Za-z0-9_-]+=*)"></nb-tr>')


@dataclass(frozen=True)
class Slot:
    """User text to be translated for one reader at delivery."""

    text: str
    source: str
    target: str
    owner_id: int | None = None
    request_id: int | None = None
    beside: bool = False
    switch_off: bool = False


@dataclass(frozen=True)
class Reader:
    """Whether text reaches one reader translated: ``engine`` is on for them, and the
    languages they read (their chat language first)."""

    engine: bool
    reads: frozenset[str]

    def needs(self, language: str) -> bool:
        """A text in ``language`` is translated for this reader. A text whose language is
        unknown ("") or one they read is left as written."""
        return self.engine and bool(language) and language not in self.reads


def reader(settings: HandlerSettings, user: User | None, also: Iterable[str] = ()) -> Reader:
    """A person reading: their chat language and ``also`` (the languages they said they
    speak: a volunteer's, or a requester's for their request)."""
    languages = {user.language} if user is not None and user.language else set()
    languages.update(code for code in also if code)
    return Reader(
        bool(settings.translation_rules.engine) and (user is None or user.translate_messages),
        frozenset(languages),
    )


def backchannel_reader(settings: HandlerSettings, t: Translator) -> Reader:
    """The coordinators' group reads the city's language."""
    return Reader(bool(settings.translation_rules.engine), frozenset({t.lang}))


def words(
    t: Translator,
    text: str,
    language: str,
    for_reader: Reader | None,
    *,
    owner_id: int | None = None,
    request_id: int | None = None,
    beside: bool = False,
    switch_off: bool = False,
) -> Markup:
    """``text`` (a user's words, in ``language``) as the reader of ``t`` gets it: quoted as
    written, or a slot the delivery worker fills with a translation into ``t``'s language.
    ``for_reader`` None: as written (e.g. the writer reading their own text)."""
    if for_reader is None or not for_reader.needs(language) or language == t.lang:
        return quoted(t, text)
    slot = Slot(text, language, t.lang, owner_id, request_id, beside, switch_off)
    data = base64.urlsafe_b64encode(json.dumps(asdict(slot)).encode("utf-8")).decode("ascii")
    return Markup(f'<nb-tr d="{data}"></nb-tr>')


def slots_in(item: Outgoing) -> list[Slot]:
    """The slots of a queued message, in order (a message may carry several)."""
    if not isinstance(item, Message | Edit):
        return []
    return [_decode(match.group(1)) for match in _SLOT.finditer(str(item.text))]


def _decode(data: str) -> Slot:
    values = json.loads(base64.urlsafe_b64decode(data.encode("ascii")))
    return Slot(**values)


@dataclass(frozen=True)
class Outcome:
    """What became of one slot: the translation, or why there is none."""

    translation: str | None
    reason: str = OK


def fill(item: Outgoing, outcomes: list[Outcome]) -> Outgoing:
    """The message with its slots filled, in order, with ``outcomes`` (missing ones: not
    translated). Buttons to switch translation off follow a translated relay message."""
    if not isinstance(item, Message | Edit):
        return item
    found = iter(outcomes)
    switch_off: list[Slot] = []

    def render(match: re.Match[str]) -> str:
        slot = _decode(match.group(1))
        outcome = next(found, Outcome(None, FAILED))
        if outcome.translation is not None and slot.switch_off:
            switch_off.append(slot)
        return str(_render(slot, outcome))

    text = Markup(_SLOT.sub(render, str(item.text)))
    buttons = item.buttons
    if switch_off:
        t = translator(switch_off[0].target)
        buttons = [*buttons, [Button("🔕 " + t._("Stop translating for me"), "tr:off")]]
    return replace(item, text=text, buttons=buttons)


def _render(slot: Slot, outcome: Outcome) -> Markup:
    t = translator(slot.target if slot.target in SUPPORTED_LANGUAGES else "de")
    original = quoted(t, slot.text)
    if outcome.translation is None:
        note = {
            BUDGET: t.t("🌐 Not translated: today's translations are used up."),
            OFF: Markup(""),
        }.get(outcome.reason, t.t("🌐 Not translated: the translation service did not answer."))
        return original + (Markup("\n<i>") + note + Markup("</i>") if note else Markup(""))
    label = (
        t.t("🌐 Translation (original: {language})", language=t.format(t.language(slot.source)))
        if slot.source
        else t.t("🌐 Translation")
    )
    quote = "<blockquote>" if slot.beside else "<blockquote expandable>"
    return (
        Markup("<i>")
        + label
        + Markup("</i>\n")
        + quoted(t, outcome.translation)
        + Markup("\n" + quote)
        + original
        + Markup("</blockquote>")
    )


async def from_cache(db: Database, item: Outgoing) -> Outgoing:
    """The message with its slots filled from translations made before (e.g. a review post
    edited in place, whose first delivery was translated), else as written: for answers
    to the person acting, which never wait for an engine."""
    found = slots_in(item)
    if not found:
        return item
    outcomes = []
    for slot in found:
        cached = await db.translations.cached(slot.text, slot.source, slot.target)
        outcomes.append(Outcome(cached) if cached is not None else Outcome(None, OFF))
    return fill(item, outcomes)


def as_written(item: Outgoing) -> Outgoing:
    """The message with every slot showing the original (no engine to ask)."""
    return fill(item, [Outcome(None, OFF)] * len(slots_in(item)))
