"""Pieces of the interface several features show: the main menu, the language picker, a
question asked before a step that cannot be undone."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from markupsafe import Markup

from handlers.messages import Button, Message, Toast
from locales import N_, SUPPORTED_LANGUAGES, Translator, language_name

if TYPE_CHECKING:
    from handlers.context import Context

# Icons lead every button so that people who cannot read the script still find their way.
MAIN_MENU: tuple[tuple[str, str, str], ...] = (
    ("places", "📍", N_("Find a place")),
    ("help", "🤝", N_("Ask for help")),
    ("volunteer", "🙋", N_("Volunteer")),
    ("events", "📅", N_("Events")),
    ("settings", "⚙️", N_("Settings")),
)


def main_menu_buttons(ctx: Context) -> list[list[Button]]:
    buttons = [Button(f"{icon} {ctx.t._(label)}", f"menu:{key}") for key, icon, label in MAIN_MENU]
    buttons.extend(b for row in map_button(ctx) for b in row)
    # Two per row keeps labels readable on narrow phones.
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def main_menu(ctx: Context, text: Markup, extra: list[list[Button]] | None = None) -> Message:
    """The main menu: ``text`` over its entries (``extra``: rows of other features' first),
    said to be the main menu (``Message.main_menu``)."""
    return Message(text, [*(extra or []), *main_menu_buttons(ctx)], main_menu=True)


def language_question(
    text: Markup, current: str | None, offered: tuple[str, ...] = SUPPORTED_LANGUAGES
) -> Message:
    """``text`` over the language picker (:func:`language_picker`), said to be it
    (``Message.picks_language``)."""
    return Message(text, language_picker(current, offered), picks_language=True)


def map_button(ctx: Context) -> list[list[Button]]:
    """ "🗺 Map": the web map in the person's language (a Mini App in a private Telegram
    chat), in easy language for an easy reader (``easy=1``: the map's place pages come
    easy, bot/web/public/places.py); nothing when the web is off."""
    base = ctx.settings.web_url
    if not base:
        return []
    easy = "&easy=1" if ctx.reader.easy else ""
    url = f"{base}/?lang={ctx.t.lang}{easy}"
    return [[Button("🗺 " + ctx.t._("Map"), url=url, web_app=True)]]


def back_to_menu(ctx: Context) -> list[list[Button]]:
    return back_to_menu_for(ctx.t)


def back_to_menu_for(t: Translator) -> list[list[Button]]:
    """The same button in someone else's language (for messages to other people)."""
    return [[Button("🏠 " + t._("Main menu"), "menu:main", role="menu")]]


def language_picker(
    current: str | None, offered: tuple[str, ...] = SUPPORTED_LANGUAGES
) -> list[list[Button]]:
    """The languages the city offers (``bot.languages``), each in its own name and script;
    the current or detected one first, ticked."""
    order = list(offered)
    if current in order:
        order.remove(current)
        order.insert(0, current)
    buttons = [
        Button(("✅ " if code == current else "") + language_name(code), f"lang:{code}")
        for code in order
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


# Chat apps cut a long button label themselves, mid-word and without a mark; labels built
# from titles and names are shortened here instead, at a word, with "…".
LABEL = 40
# Not left dangling at the end of a shortened label: "Kaffee (…", "Sprachcafé:…".
_DANGLING = " \t,;:·-–—/([{«„\"'"
# Not cut away from the character before them: combining marks, joiners, variation selectors.
_JOINING = frozenset("\u200c\u200d\ufe0e\ufe0f")


def shortened(label: str, limit: int = LABEL) -> str:
    """``label`` if it fits in ``limit`` characters, else cut at the last word that fits,
    with "…": "24. Nov. Sprachcafé: Deutsch üben bei…". One word longer than half the
    room is cut inside, but never between a letter and its mark or an emoji's parts."""
    if len(label) <= limit:
        return label
    room = max(1, limit - 1)
    cut = room
    space = label.rfind(" ", 0, room + 1)
    if space > room // 2:
        cut = space
    else:
        while cut > 1 and (unicodedata.combining(label[cut]) or label[cut] in _JOINING):
            cut -= 1
    return label[:cut].rstrip(_DANGLING) + "…"


def rows(buttons: list[Button], width: int = 2) -> list[list[Button]]:
    """Buttons laid out ``width`` per row; two keeps labels readable on narrow phones."""
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


# A tick box's label while it is ticked. A chat shows the tick; a texter's and a caller's
# words say it (handlers/media/medium_texts.py), since a text and the voice leave icons
# out: without it they could not tell what a tick list already holds.
TICKED = N_("✅ {label}")
# A deep link (/start <prefix>_<rest>) that opens nothing: its notice comes before the main
# menu it promises (handlers/onboarding.py puts them in that order).
LINK_NOT_VALID = N_("🔗 This link is not valid (any more). Here is the main menu instead.")


def ticked(t: Translator, label: str, on: bool) -> str:
    """A tick box's ``label`` as the reader meets it: ticked (``on``) or not."""
    return t.gettext(TICKED).format(label=label) if on else label


def toggled(chosen: list[str] | tuple[str, ...], value: str, order: tuple[str, ...]) -> list[str]:
    """``chosen`` with ``value`` switched on or off, kept in the canonical ``order``."""
    picked = set(chosen) ^ {value}
    return [item for item in order if item in picked]


def ask_first(ctx: Context, question: Markup, yes: Button, no: Button) -> None:
    """A step that cannot be undone is asked once: the question, yes and no side by side."""
    ctx.reply(question, [[yes, no]])


def something_went_wrong(ctx: Context) -> Message:
    return Message(
        text=ctx.t.t("😕 Sorry, something went wrong on our side. Please try again in a moment."),
        # The main menu does nothing in the coordinators' group.
        buttons=back_to_menu(ctx) if ctx.incoming.is_private else [],
    )


def no_longer_valid(ctx: Context) -> Toast:
    """The one answer to a button that no longer means anything (old, forged, pressed in
    another step); nothing was changed."""
    return Toast(ctx.t._("This button is no longer valid."))
